"""payees: 身份证号, 联系电话, 备注 (the payee workbook's id_no, phone, remark)

The server's dictionaries mirrored by sync need no schema change: they are rows of
code_table_entries (table = 'dictionaries').

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 03:05:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_no', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('remark', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payees', schema=None) as batch_op:
        batch_op.drop_column('remark')
        batch_op.drop_column('phone')
        batch_op.drop_column('id_no')
