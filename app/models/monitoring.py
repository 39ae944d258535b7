"""Warnings (动态监控预警) raised by the server about the user's applications or indicators."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class MonitoringWarning(Base):
    __tablename__ = "warnings"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # server id
    rule_code: Mapped[str] = mapped_column(String(40))
    rule_name: Mapped[str] = mapped_column(String(100), server_default="")
    severity: Mapped[str] = mapped_column(String(10), server_default="yellow")  # red|yellow|blue
    application_id: Mapped[str | None] = mapped_column(String(36), index=True)
    indicator_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[str] = mapped_column(String(20), server_default="open")
    details: Mapped[dict[str, Any] | None]
    server_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    server_seq: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime | None]
