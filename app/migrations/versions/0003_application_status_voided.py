"""local status 'voided' (the server can void an application: fiscal.schemas STATUSES)

Rebuilds payment_applications to replace its CHECK constraint: this runs with foreign keys
off (app.db.upgrade) so that attachments (ON DELETE CASCADE) survive the table copy.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 21:35:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("draft", "queued", "submitted", "returned", "approved", "rejected", "paid")
NEW = (*OLD, "voided")
NAME = "ck_payment_applications_local_status_known"


def _sql(statuses: tuple[str, ...]) -> str:
    return "local_status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table("payment_applications", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), _sql(NEW))


def downgrade() -> None:
    op.execute("UPDATE payment_applications SET local_status = 'rejected' WHERE local_status = 'voided'")
    with op.batch_alter_table("payment_applications", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), _sql(OLD))
