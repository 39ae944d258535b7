"""payee_id_number on applications: the 身份证号 of a personal payee (staff_labor_fee matches it)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 04:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable, no default: existing applications simply have none (older clients send none)
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_id_number', sa.String(length=18), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('payee_id_number')
