"""Cache of classification code tables and dictionaries sent by the server (per fiscal year)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CodeTableEntry(Base):
    __tablename__ = "code_table_entries"

    # table: functional | dep_economic | gov_economic | fund_type | settlement_mode | ...
    table: Mapped[str] = mapped_column(String(40), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int | None] = mapped_column(Integer)
    parent: Mapped[str | None] = mapped_column(String(40))
    extra: Mapped[dict[str, Any] | None]
    server_seq: Mapped[int] = mapped_column(Integer, server_default="0")
