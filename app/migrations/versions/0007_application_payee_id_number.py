"""payment applications: payee_id_number, the 身份证号 of a personal payee (sent with the draft;
the server's staff_labor_fee warning matches it)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 04:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payment_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_id_number', sa.String(length=18), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payment_applications', schema=None) as batch_op:
        batch_op.drop_column('payee_id_number')
