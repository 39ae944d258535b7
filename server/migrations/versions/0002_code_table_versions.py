"""code table versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 21:56:21.103991
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('code_table_versions',
    sa.Column('fiscal_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('fiscal_year', name=op.f('pk_code_table_versions'))
    )
    with op.batch_alter_table('code_table_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_table_versions_seq'), ['seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('code_table_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_table_versions_seq'))

    op.drop_table('code_table_versions')
