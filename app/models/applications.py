"""Payment applications (支付申请) with local edits, and their attachments.

``PaymentApplication.id`` is a UUID created on the client. It is the record's identity on
both sides and the idempotency key of its creation on the server, so a command replayed
after a crash or a dropped connection never creates a second application.

Field names follow the wire schema (``fiscal.schemas.applications.ApplicationDraft`` /
``ApplicationPublic``; ``amount`` is ``amount_fen`` there).
``base_server_version`` is the server version the local edit started from: when the
server sends a newer version of a record the user has edited (``dirty``), the sync
engine records a conflict instead of overwriting either side.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Fen, new_uuid, utcnow

LOCAL_STATUSES = (
    "draft", "queued", "submitted", "returned", "approved", "rejected", "paid", "voided",
)
EDITABLE_STATUSES = ("draft", "returned")
_STATUS_SQL = ", ".join(f"'{s}'" for s in LOCAL_STATUSES)


class PaymentApplication(Base):
    __tablename__ = "payment_applications"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint(f"local_status IN ({_STATUS_SQL})", name="local_status_known"),
        Index(None, "local_status", "indicator_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    app_no: Mapped[str | None] = mapped_column(String(40), unique=True)  # server-assigned 编号
    fiscal_year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(9), server_default="")
    unit_code: Mapped[str] = mapped_column(String(21), server_default="")
    indicator_id: Mapped[str | None] = mapped_column(
        ForeignKey("indicators.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(Fen, server_default=text("0"))  # fen
    use_des: Mapped[str] = mapped_column(String(300), server_default="")  # 用途 / 摘要
    payee_name: Mapped[str] = mapped_column(String(200), server_default="")
    payee_account: Mapped[str] = mapped_column(String(40), server_default="")
    payee_bank: Mapped[str | None] = mapped_column(String(200))
    # revision 0002: what the personal-payee and 公务卡 rules need to know
    payee_is_personal: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    card_not_accepted: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    # revision 0007: 身份证号 of a personal payee (upper-case X), sent with the draft
    payee_id_number: Mapped[str | None] = mapped_column(String(18))
    func_code: Mapped[str | None] = mapped_column(String(13))
    gov_eco_code: Mapped[str | None] = mapped_column(String(11))
    dep_eco_code: Mapped[str | None] = mapped_column(String(20))
    pay_type_code: Mapped[str | None] = mapped_column(String(10))
    settlement_mode: Mapped[str | None] = mapped_column(String(20))  # 结算方式 (name)
    contract_no: Mapped[str | None] = mapped_column(String(60))
    extra: Mapped[dict[str, Any] | None]  # fields the local schema does not model yet

    local_status: Mapped[str] = mapped_column(String(12), server_default="draft")
    server_status: Mapped[str | None] = mapped_column(String(20))  # the server's own word
    server_message: Mapped[str | None] = mapped_column(Text)  # final answer (refusal, return reason)
    dirty: Mapped[bool] = mapped_column(Boolean, server_default=text("1"))  # local edits unsent
    base_server_version: Mapped[int | None] = mapped_column(Integer)
    server_version: Mapped[int | None] = mapped_column(Integer)
    server_seq: Mapped[int | None] = mapped_column(Integer)  # feed seq of the last server copy
    # revision 0004: the server's head seq when it accepted our submission. Until the pull
    # cursor (sync_state.last_server_seq) reaches it, the indicator mirror may not show the
    # reservation yet, so the offline pre-check still counts the amount as pending.
    ack_seq: Mapped[int | None] = mapped_column(Integer)
    submission_no: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    queued_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", cascade="all, delete-orphan", passive_deletes=True
    )


class Attachment(Base):
    """A voucher file. The bytes live in ``<data dir>/files/<sha256[:2]>/<sha256>``."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("application_id", "sha256"),
        CheckConstraint("size >= 0", name="size_nonnegative"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("payment_applications.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(260))
    media_type: Mapped[str] = mapped_column(String(100), server_default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # invoice | contract | basis | receipt | other (fiscal.schemas.applications.ATTACHMENT_ROLES)
    role: Mapped[str] = mapped_column(String(20), server_default="other")
    ocr_result: Mapped[dict[str, Any] | None]
    invoice_key: Mapped[str | None] = mapped_column(String(40), index=True)  # fiscal.ids.invoice_key
    uploaded: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[PaymentApplication] = relationship(back_populates="attachments")
