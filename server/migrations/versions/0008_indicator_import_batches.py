"""indicator import batches (staged, all-or-nothing Excel imports of indicators)

Revision ID: 0008
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('indicator_import_batches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_indicator_import_batches_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_import_batches'))
    )
    with op.batch_alter_table('indicator_import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_import_batches_user_id'), ['user_id'], unique=False)

    op.create_table('indicator_import_chunks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('chunk_index', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('items', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['indicator_import_batches.id'], name=op.f('fk_indicator_import_chunks_batch_id_indicator_import_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_import_chunks')),
    sa.UniqueConstraint('batch_id', 'chunk_index', name=op.f('uq_indicator_import_chunks_batch_id')),
    sa.UniqueConstraint('idempotency_key', 'batch_id', name=op.f('uq_indicator_import_chunks_idempotency_key'))
    )


def downgrade() -> None:
    op.drop_table('indicator_import_chunks')
    with op.batch_alter_table('indicator_import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_import_batches_user_id'))
    op.drop_table('indicator_import_batches')
