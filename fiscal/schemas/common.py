"""Types shared by every schema family."""
from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

MAX_FEN = 10**14 - 1  # mirrors fiscal.money.MAX_FEN (kept literal so schemas import nothing else)

Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="金额，单位：分 (integer fen)")]
PositiveFen = Annotated[StrictInt, Field(ge=1, le=MAX_FEN, description="金额，单位：分，> 0")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z_.\-]+$")]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class WireModel(BaseModel):
    """Strict about unknown fields so that typos are refused instead of silently ignored; text
    may not carry control characters (NUL cannot even be stored by PostgreSQL)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValueError("不能包含控制字符")
        return value


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    """Every 4xx/5xx body: ``code`` for machines, ``message`` in Chinese for people."""

    code: str
    message: str
    details: Any | None = None


class Page(BaseModel):
    total: int
    offset: int
    limit: int
