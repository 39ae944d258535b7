"""Approval tasks assigned to this user (server-owned) and the user's decisions (client-owned
until the server accepts or refuses them)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_uuid, utcnow

DECISIONS = ("approve", "return", "reject")
DECISION_STATES = ("queued", "sent", "accepted", "refused")


class ApprovalTask(Base):
    __tablename__ = "approval_tasks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # server id
    application_id: Mapped[str] = mapped_column(String(36), index=True)  # may not be local
    step: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    step_name: Mapped[str] = mapped_column(String(100), server_default="")
    role: Mapped[str] = mapped_column(String(40), server_default="")
    status: Mapped[str] = mapped_column(String(20), server_default="pending")
    application_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    summary: Mapped[dict[str, Any] | None]  # snapshot of the application for offline review
    server_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    server_seq: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime | None]


class ApprovalDecision(Base):
    __tablename__ = "approval_decisions"
    __table_args__ = (
        CheckConstraint(
            "decision IN (" + ", ".join(f"'{d}'" for d in DECISIONS) + ")", name="decision_known"
        ),
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in DECISION_STATES) + ")", name="state_known"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)  # idem. key
    task_id: Mapped[str] = mapped_column(
        ForeignKey("approval_tasks.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, server_default="")
    # the application version the reviewer saw: the server refuses if it has changed since
    base_application_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), server_default="queued")
    server_message: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
