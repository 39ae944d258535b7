"""Payee address book (收款人): filled from the user's own applications and from the server."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Payee(Base):
    __tablename__ = "payees"
    __table_args__ = (UniqueConstraint("account_no", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    account_no: Mapped[str] = mapped_column(String(40))  # normalised: digits only
    bank_name: Mapped[str] = mapped_column(String(200), server_default="")
    bank_code: Mapped[str | None] = mapped_column(String(20))  # 联行号
    uscc: Mapped[str | None] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(10), server_default="unit")  # unit | person
    id_no: Mapped[str | None] = mapped_column(String(18))  # 身份证号 of a personal payee
    phone: Mapped[str | None] = mapped_column(String(40))  # 联系电话
    remark: Mapped[str | None] = mapped_column(String(300))  # 备注
    source: Mapped[str] = mapped_column(String(10), server_default="local")  # local | server
    use_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_used_at: Mapped[datetime | None]
