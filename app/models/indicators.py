"""Mirror of the user's budget indicators (预算指标) with server-confirmed balances.

The server owns every figure here; the client only replaces rows with what the server
sends (``server_version`` per row, ``server_seq`` = the change-feed sequence number that
brought it). ``available`` is stored as the server confirmed it, never recomputed locally.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Fen


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint("paid >= 0", name="paid_nonnegative"),
        CheckConstraint("reserved >= 0", name="reserved_nonnegative"),
        Index(None, "fiscal_year", "agency_code"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # server BGT_ID
    fiscal_year: Mapped[int] = mapped_column(Integer)
    mof_div_code: Mapped[str | None] = mapped_column(String(9))
    agency_code: Mapped[str] = mapped_column(String(21))
    doc_no: Mapped[str | None] = mapped_column(String(100))  # 指标文号
    title: Mapped[str] = mapped_column(String(300), server_default="")
    description: Mapped[str | None] = mapped_column(Text)
    fund_type_code: Mapped[str | None] = mapped_column(String(10))
    exp_func_code: Mapped[str | None] = mapped_column(String(13))
    gov_eco_code: Mapped[str | None] = mapped_column(String(11))
    dep_eco_code: Mapped[str | None] = mapped_column(String(20))
    pro_code: Mapped[str | None] = mapped_column(String(21))
    bgt_type_code: Mapped[str | None] = mapped_column(String(10))
    source_type_code: Mapped[str | None] = mapped_column(String(10))
    pay_type_code: Mapped[str | None] = mapped_column(String(10))
    is_gov_pur: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    executable: Mapped[bool] = mapped_column(Boolean, server_default=text("1"))
    frozen: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    # False when the server no longer lists it for this user (kept: drafts may point to it)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("1"))

    # server-confirmed ledger figures, integer fen
    amount: Mapped[int] = mapped_column(Fen, server_default=text("0"))
    paid: Mapped[int] = mapped_column(Fen, server_default=text("0"))
    reserved: Mapped[int] = mapped_column(Fen, server_default=text("0"))  # 在途: applied, not paid
    available: Mapped[int] = mapped_column(Fen, server_default=text("0"))

    server_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    server_seq: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    confirmed_at: Mapped[datetime | None]  # when the server last confirmed the figures
