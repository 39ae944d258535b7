"""Types shared by every schema family."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

MAX_FEN = 10**14 - 1  # mirrors fiscal.money.MAX_FEN (kept literal so schemas import nothing else)

Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="金额，单位：分 (integer fen)")]
PositiveFen = Annotated[StrictInt, Field(ge=1, le=MAX_FEN, description="金额，单位：分，> 0")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z_.\-]+$")]


class WireModel(BaseModel):
    """Strict about unknown fields so that typos are refused instead of silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
