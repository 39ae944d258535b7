"""initial server schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 21:27:55.296522
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_seq', sa.BigInteger(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('entity_type', sa.String(length=24), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('before_digest', sa.String(length=64), nullable=True),
    sa.Column('after_digest', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_blobs'))
    )
    op.create_table('chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sync_seq', sa.BigInteger(), nullable=False),
    sa.Column('audit_seq', sa.BigInteger(), nullable=False),
    sa.Column('audit_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_head'))
    )
    op.create_table('number_counters',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_number_counters'))
    )
    op.create_table('regions',
    sa.Column('code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    op.create_table('tombstones',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=24), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tombstones'))
    )
    with op.batch_alter_table('tombstones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tombstones_seq'), ['seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_tombstones_unit_id'), ['unit_id'], unique=False)

    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_departments_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('code', name=op.f('uq_departments_code'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('unit_type', sa.String(length=8), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('below_county', sa.Boolean(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_units_department_id_departments')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_units_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_seq'), ['seq'], unique=False)

    op.create_table('blob_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], name=op.f('fk_blob_grants_sha256_blobs')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_blob_grants_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blob_grants')),
    sa.UniqueConstraint('sha256', 'unit_id', name=op.f('uq_blob_grants_sha256'))
    )
    with op.batch_alter_table('blob_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blob_grants_sha256'), ['sha256'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('contract_no', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('supplier', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_contracts_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('unit_id', 'contract_no', name=op.f('uq_contracts_unit_id'))
    )
    op.create_table('indicators',
    sa.Column('id', sa.String(length=38), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('func_code', sa.String(length=13), nullable=False),
    sa.Column('dep_eco_code', sa.String(length=20), nullable=True),
    sa.Column('gov_eco_code', sa.String(length=11), nullable=True),
    sa.Column('fund_type_code', sa.String(length=4), nullable=True),
    sa.Column('source_type_code', sa.String(length=4), nullable=True),
    sa.Column('bgt_type_code', sa.String(length=4), nullable=True),
    sa.Column('pro_code', sa.String(length=21), nullable=True),
    sa.Column('pro_name', sa.String(length=200), nullable=True),
    sa.Column('doc_no', sa.String(length=100), nullable=True),
    sa.Column('doc_title', sa.String(length=200), nullable=True),
    sa.Column('is_gov_procurement', sa.Boolean(), nullable=False),
    sa.Column('executable', sa.Boolean(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('frozen', sa.BigInteger(), nullable=False),
    sa.Column('reserved', sa.BigInteger(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('available', sa.BigInteger(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_indicators_amount_nonneg')),
    sa.CheckConstraint('available = amount - frozen - reserved - paid', name=op.f('ck_indicators_available_sum')),
    sa.CheckConstraint('available >= 0', name=op.f('ck_indicators_available_nonneg')),
    sa.CheckConstraint('frozen >= 0', name=op.f('ck_indicators_frozen_nonneg')),
    sa.CheckConstraint('paid >= 0', name=op.f('ck_indicators_paid_nonneg')),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_indicators_reserved_nonneg')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_indicators_region_code_regions')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_indicators_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_seq'), ['seq'], unique=False)
        batch_op.create_index('ix_indicators_unit_seq', ['unit_id', 'seq'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_users_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_unit_id'), ['unit_id'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('app_no', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=38), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('func_code', sa.String(length=13), nullable=True),
    sa.Column('dep_eco_code', sa.String(length=20), nullable=True),
    sa.Column('gov_eco_code', sa.String(length=11), nullable=True),
    sa.Column('payee_name', sa.String(length=120), nullable=False),
    sa.Column('payee_account', sa.String(length=40), nullable=False),
    sa.Column('payee_bank', sa.String(length=120), nullable=True),
    sa.Column('payee_is_personal', sa.Boolean(), nullable=False),
    sa.Column('settlement_mode', sa.String(length=20), nullable=True),
    sa.Column('use_des', sa.String(length=300), nullable=False),
    sa.Column('contract_no', sa.String(length=60), nullable=True),
    sa.Column('card_not_accepted', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_applications_amount_pos')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_applications_created_by_users')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_applications_indicator_id_indicators')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_applications_region_code_regions')),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_applications_submitted_by_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_applications_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('app_no', name=op.f('uq_applications_app_no'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_seq'), ['seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_status'), ['status'], unique=False)
        batch_op.create_index('ix_applications_unit_seq', ['unit_id', 'seq'], unique=False)

    op.create_table('idempotency_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_records_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_records_user_id'))
    )
    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('indicator_id', sa.String(length=38), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('memo', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_ledger_entries_amount_pos')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_ledger_entries_indicator_id_indicators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('refresh_tokens',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('family_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('device_name', sa.String(length=128), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refresh_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refresh_tokens_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refresh_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('user_scopes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(department_id IS NULL) <> (unit_id IS NULL)', name=op.f('ck_user_scopes_one_target')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_user_scopes_department_id_departments')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_user_scopes_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_scopes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_scopes'))
    )
    with op.batch_alter_table('user_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_scopes_user_id'), ['user_id'], unique=False)

    op.create_table('application_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('invoice_kind', sa.String(length=40), nullable=True),
    sa.Column('invoice_code', sa.String(length=12), nullable=True),
    sa.Column('invoice_number', sa.String(length=20), nullable=True),
    sa.Column('invoice_amount', sa.BigInteger(), nullable=True),
    sa.Column('invoice_date', sa.String(length=10), nullable=True),
    sa.Column('invoice_key', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_attachments_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], name=op.f('fk_application_attachments_sha256_blobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_attachments')),
    sa.UniqueConstraint('application_id', 'sha256', name=op.f('uq_application_attachments_application_id'))
    )
    with op.batch_alter_table('application_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_attachments_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_attachments_invoice_key'), ['invoice_key'], unique=False)

    op.create_table('invoice_claims',
    sa.Column('invoice_key', sa.String(length=40), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_invoice_claims_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('invoice_key', name=op.f('pk_invoice_claims'))
    )
    with op.batch_alter_table('invoice_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_claims_application_id'), ['application_id'], unique=False)



    # The server's sequence/audit head (see server.chain) starts at the genesis hash.
    op.execute("INSERT INTO chain_head (id, sync_seq, audit_seq, audit_hash) "
               "VALUES (1, 0, 0, '" + "0" * 64 + "')")
    _append_only("ledger_entries")
    _append_only("audit_events")


def _append_only(table: str) -> None:
    """The journal and the audit log are append-only at the database level as well."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION jincai_append_only() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
                   "'% is append-only', TG_TABLE_NAME; END $$")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION jincai_append_only()")
    else:
        for ev in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{ev.lower()} BEFORE {ev} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        for ev in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{ev}")


def downgrade() -> None:
    _drop_append_only("audit_events")
    _drop_append_only("ledger_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS jincai_append_only()")
    with op.batch_alter_table('invoice_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_claims_application_id'))

    op.drop_table('invoice_claims')
    with op.batch_alter_table('application_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_attachments_invoice_key'))
        batch_op.drop_index(batch_op.f('ix_application_attachments_application_id'))

    op.drop_table('application_attachments')
    with op.batch_alter_table('user_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_scopes_user_id'))

    op.drop_table('user_scopes')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_family_id'))

    op.drop_table('refresh_tokens')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_indicator_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_application_id'))

    op.drop_table('ledger_entries')
    op.drop_table('idempotency_records')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_unit_seq')
        batch_op.drop_index(batch_op.f('ix_applications_status'))
        batch_op.drop_index(batch_op.f('ix_applications_seq'))
        batch_op.drop_index(batch_op.f('ix_applications_indicator_id'))

    op.drop_table('applications')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_unit_id'))

    op.drop_table('users')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index('ix_indicators_unit_seq')
        batch_op.drop_index(batch_op.f('ix_indicators_seq'))

    op.drop_table('indicators')
    op.drop_table('contracts')
    with op.batch_alter_table('blob_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blob_grants_sha256'))

    op.drop_table('blob_grants')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_seq'))
        batch_op.drop_index(batch_op.f('ix_units_department_id'))

    op.drop_table('units')
    op.drop_table('departments')
    with op.batch_alter_table('tombstones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tombstones_unit_id'))
        batch_op.drop_index(batch_op.f('ix_tombstones_seq'))

    op.drop_table('tombstones')
    op.drop_table('regions')
    op.drop_table('number_counters')
    op.drop_table('chain_head')
    op.drop_table('blobs')
    op.drop_table('audit_events')
    op.drop_table('audit_checkpoints')
