"""payment files (bank export batches, write-back imports) and corrections (更正)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 00:10:00

Branches from 0005 alongside 0007/0008; ``server.migrate.upgrade`` applies every head.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'payment_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_no', sa.String(length=40), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.Column('file_format', sa.String(length=8), nullable=False),
        sa.Column('profile', sa.String(length=40), nullable=False),
        sa.Column('bank_code', sa.String(length=20), nullable=True),
        sa.Column('region_code', sa.String(length=9), nullable=True),
        sa.Column('file_name', sa.String(length=120), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('voucher_count', sa.Integer(), nullable=False),
        sa.Column('total_amount', sa.BigInteger(), nullable=False),
        sa.Column('resend', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_by_name', sa.String(length=64), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_batches')),
        sa.UniqueConstraint('batch_no', name=op.f('uq_payment_batches_batch_no')),
        sa.UniqueConstraint('request_id', name=op.f('uq_payment_batches_request_id')),
    )
    op.create_index(op.f('ix_payment_batches_sha256'), 'payment_batches', ['sha256'])
    op.create_table(
        'payment_batch_items',
        sa.Column('id', BIGID, autoincrement=True, nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('voucher_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['payment_batches.id'],
                                name=op.f('fk_payment_batch_items_batch_id_payment_batches')),
        sa.ForeignKeyConstraint(['voucher_id'], ['payment_vouchers.id'],
                                name=op.f('fk_payment_batch_items_voucher_id_payment_vouchers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_batch_items')),
        sa.UniqueConstraint('batch_id', 'voucher_id', name=op.f('uq_payment_batch_items_batch_id')),
    )
    op.create_index(op.f('ix_payment_batch_items_batch_id'), 'payment_batch_items', ['batch_id'])
    op.create_index(op.f('ix_payment_batch_items_voucher_id'), 'payment_batch_items', ['voucher_id'])
    op.create_table(
        'writeback_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('file_format', sa.String(length=8), nullable=False),
        sa.Column('profile', sa.String(length=40), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('applied', sa.Integer(), nullable=False),
        sa.Column('unmatched', sa.Integer(), nullable=False),
        sa.Column('duplicates', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_by_name', sa.String(length=64), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_writeback_imports')),
    )
    op.create_index(op.f('ix_writeback_imports_sha256'), 'writeback_imports', ['sha256'])
    op.create_table(
        'bank_writebacks',
        sa.Column('id', BIGID, autoincrement=True, nullable=False),
        sa.Column('bank_serial', sa.String(length=64), nullable=False),
        sa.Column('voucher_no', sa.String(length=40), nullable=False),
        sa.Column('voucher_id', sa.Integer(), nullable=True),
        sa.Column('import_id', sa.Integer(), nullable=True),
        sa.Column('line_no', sa.Integer(), nullable=True),
        sa.Column('success', sa.Boolean(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('paid_on', sa.String(length=10), nullable=True),
        sa.Column('actual_payee', sa.String(length=120), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['voucher_id'], ['payment_vouchers.id'],
                                name=op.f('fk_bank_writebacks_voucher_id_payment_vouchers')),
        sa.ForeignKeyConstraint(['import_id'], ['writeback_imports.id'],
                                name=op.f('fk_bank_writebacks_import_id_writeback_imports')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_writebacks')),
        sa.UniqueConstraint('bank_serial', name=op.f('uq_bank_writebacks_bank_serial')),
    )
    op.create_index(op.f('ix_bank_writebacks_voucher_no'), 'bank_writebacks', ['voucher_no'])
    op.create_index(op.f('ix_bank_writebacks_voucher_id'), 'bank_writebacks', ['voucher_id'])
    op.create_index(op.f('ix_bank_writebacks_import_id'), 'bank_writebacks', ['import_id'])
    op.create_table(
        'payment_corrections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('correction_no', sa.String(length=40), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.Column('application_id', sa.Uuid(), nullable=False),
        sa.Column('voucher_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('before', sa.Text(), nullable=False),
        sa.Column('after', sa.Text(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('from_indicator', sa.String(length=38), nullable=False),
        sa.Column('to_indicator', sa.String(length=38), nullable=False),
        sa.Column('moved_amount', sa.BigInteger(), nullable=False),
        sa.Column('moved_kind', sa.String(length=16), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_by_name', sa.String(length=64), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_payment_corrections_application_id_applications')),
        sa.ForeignKeyConstraint(['voucher_id'], ['payment_vouchers.id'],
                                name=op.f('fk_payment_corrections_voucher_id_payment_vouchers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_corrections')),
        sa.UniqueConstraint('correction_no', name=op.f('uq_payment_corrections_correction_no')),
        sa.UniqueConstraint('request_id', name=op.f('uq_payment_corrections_request_id')),
    )
    op.create_index(op.f('ix_payment_corrections_application_id'), 'payment_corrections',
                    ['application_id'])
    op.create_index(op.f('ix_payment_corrections_voucher_id'), 'payment_corrections', ['voucher_id'])
    op.create_index(op.f('ix_payment_corrections_unit_id'), 'payment_corrections', ['unit_id'])


def downgrade() -> None:
    op.drop_table('payment_corrections')
    op.drop_table('bank_writebacks')
    op.drop_table('writeback_imports')
    op.drop_table('payment_batch_items')
    op.drop_table('payment_batches')
