"""dictionary versions: the dictionaries in force per 财政区划, published through sync

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 03:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dictionary_versions',
    sa.Column('region', sa.String(length=9), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('region', name=op.f('pk_dictionary_versions'))
    )
    with op.batch_alter_table('dictionary_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dictionary_versions_seq'), ['seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dictionary_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dictionary_versions_seq'))

    op.drop_table('dictionary_versions')
