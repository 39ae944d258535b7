"""The client's local SQLite schema (SQLAlchemy 2 typed ORM; Alembic in app.migrations).

Tables are plural, classes singular; money is integer fen; times are UTC.
No Qt here, and services never hand these live rows to the UI.
"""
from app.models.applications import (
    EDITABLE_STATUSES,
    LOCAL_STATUSES,
    Attachment,
    PaymentApplication,
)
from app.models.approvals import ApprovalDecision, ApprovalTask
from app.models.base import Base, UTCDateTime, new_uuid, utcnow
from app.models.code_tables import CodeTableEntry
from app.models.indicators import Indicator
from app.models.monitoring import MonitoringWarning
from app.models.payees import Payee
from app.models.sync import Account, Conflict, OutboxCommand, SyncState

__all__ = [
    "EDITABLE_STATUSES",
    "LOCAL_STATUSES",
    "Account",
    "ApprovalDecision",
    "ApprovalTask",
    "Attachment",
    "Base",
    "CodeTableEntry",
    "Conflict",
    "Indicator",
    "MonitoringWarning",
    "OutboxCommand",
    "Payee",
    "PaymentApplication",
    "SyncState",
    "UTCDateTime",
    "new_uuid",
    "utcnow",
]
