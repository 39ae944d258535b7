"""Client side of sync: the outbox, the persisted sync state, conflicts and local accounts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

OUTBOX_STATES = ("pending", "sending", "done", "refused", "failed")
SYNC_STAGES = (
    "idle",
    "version_check",
    "push",
    "upload",
    "pull",
    "apply",
    "sanity",
    "finish",
)


class OutboxCommand(Base):
    """One command waiting to reach the server, in the order it was queued (``id``).

    The server deduplicates on ``idempotency_key``: re-sending a command whose answer was
    lost is always safe.
    """

    __tablename__ = "outbox_commands"
    __table_args__ = (
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in OUTBOX_STATES) + ")", name="state_known"
        ),
        Index(None, "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # fiscal.schemas.sync.CommandType: application.save_draft, application.submit, ...
    kind: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]


class SyncState(Base):
    """The single row (``id = 1``) that makes an interrupted sync resumable."""

    __tablename__ = "sync_state"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "stage IN (" + ", ".join(f"'{s}'" for s in SYNC_STAGES) + ")", name="stage_known"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    stage: Mapped[str] = mapped_column(String(20), server_default="idle")
    run_id: Mapped[str | None] = mapped_column(String(36))
    cursor: Mapped[dict[str, Any] | None]  # stage-specific resume point
    last_server_seq: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    pull_target_seq: Mapped[int | None] = mapped_column(Integer)
    server_url: Mapped[str | None] = mapped_column(String(300))
    # revision 0005: whose mirror this is; another user must use another data directory
    username: Mapped[str | None] = mapped_column(String(100))
    protocol_version: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None]
    last_sync_at: Mapped[datetime | None]  # last *completed* sync
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Conflict(Base):
    """A record changed on the server while the user was editing it: both versions kept."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    local_version: Mapped[dict[str, Any]]
    server_version: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text, server_default="")
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(20))  # keep_local | take_server


class Account(Base):
    """A user who signed in online on this machine: the argon2 verifier enables offline unlock.

    Tokens are never stored here: they live in the OS keyring (app.sync.credentials).
    """

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("server_url", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_url: Mapped[str] = mapped_column(String(300))
    username: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(100), server_default="")
    roles: Mapped[list[Any] | None]
    unit_code: Mapped[str | None] = mapped_column(String(21))
    password_verifier: Mapped[str | None] = mapped_column(String(200))  # argon2id hash
    last_online_sign_in_at: Mapped[datetime | None]
    last_unlock_at: Mapped[datetime | None]
    signed_in: Mapped[bool] = mapped_column(server_default=text("0"))
