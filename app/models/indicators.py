"""Mirror of the user's budget indicators (预算指标) with server-confirmed balances.

Field names follow the wire schema (``fiscal.schemas.indicators.IndicatorPublic``) minus
its ``_fen`` suffixes. The server owns every figure here; the client only replaces rows with what the server
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
        CheckConstraint("frozen >= 0", name="frozen_nonnegative"),
        Index(None, "fiscal_year", "unit_code"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # server BGT_ID
    fiscal_year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(9), server_default="")  # 财政区划
    unit_code: Mapped[str] = mapped_column(String(21))  # 单位代码
    doc_no: Mapped[str | None] = mapped_column(String(100))  # 指标文号
    doc_title: Mapped[str | None] = mapped_column(String(200))
    memo: Mapped[str | None] = mapped_column(Text)
    fund_type_code: Mapped[str | None] = mapped_column(String(10))
    func_code: Mapped[str | None] = mapped_column(String(13))  # 功能分类
    gov_eco_code: Mapped[str | None] = mapped_column(String(11))
    dep_eco_code: Mapped[str | None] = mapped_column(String(20))
    pro_code: Mapped[str | None] = mapped_column(String(21))
    pro_name: Mapped[str | None] = mapped_column(String(200))
    bgt_type_code: Mapped[str | None] = mapped_column(String(10))
    source_type_code: Mapped[str | None] = mapped_column(String(10))
    pay_type_code: Mapped[str | None] = mapped_column(String(10))
    is_gov_procurement: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    executable: Mapped[bool] = mapped_column(Boolean, server_default=text("1"))
    # False when the server no longer lists it for this user (kept: drafts may point to it)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("1"))

    # server-confirmed ledger figures, integer fen
    amount: Mapped[int] = mapped_column(Fen, server_default=text("0"))
    paid: Mapped[int] = mapped_column(Fen, server_default=text("0"))
    reserved: Mapped[int] = mapped_column(Fen, server_default=text("0"))  # 在途: applied, not paid
    frozen: Mapped[int] = mapped_column(Fen, server_default=text("0"))  # 冻结
    available: Mapped[int] = mapped_column(Fen, server_default=text("0"))

    server_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    server_seq: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    confirmed_at: Mapped[datetime | None]  # when the server last confirmed the figures
