"""delegations, committee members, uploaded approval rule sets, monitoring data (accounts,
三公 budgets, staff)

Revision ID: 0007
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegator_id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('target', sa.String(length=21), nullable=False),
        sa.Column('valid_from', TZ, nullable=False),
        sa.Column('expires_at', TZ, nullable=False),
        sa.Column('revoked_at', TZ, nullable=True),
        sa.Column('revoked_by', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.CheckConstraint('delegator_id <> delegate_id', name=op.f('ck_delegations_not_self')),
        sa.CheckConstraint('expires_at > valid_from', name=op.f('ck_delegations_period')),
        sa.ForeignKeyConstraint(['delegator_id'], ['users.id'], name=op.f('fk_delegations_delegator_id_users')),
        sa.ForeignKeyConstraint(['delegate_id'], ['users.id'], name=op.f('fk_delegations_delegate_id_users')),
        sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_delegations_revoked_by_users')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_delegations_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations')),
    )
    op.create_index(op.f('ix_delegations_delegator_id'), 'delegations', ['delegator_id'])
    op.create_index(op.f('ix_delegations_delegate_id'), 'delegations', ['delegate_id'])

    op.create_table(
        'committee_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('target', sa.String(length=21), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_committee_members_user_id_users')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_committee_members_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_members')),
        sa.UniqueConstraint('user_id', 'scope', 'target', name=op.f('uq_committee_members_user_id')),
    )
    op.create_index(op.f('ix_committee_members_user_id'), 'committee_members', ['user_id'])
    op.create_index(op.f('ix_committee_members_target'), 'committee_members', ['target'])

    op.create_table(
        'approval_rule_sets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule_set_id', sa.String(length=60), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('region', sa.String(length=9), nullable=False),
        sa.Column('unit_code', sa.String(length=21), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('effective_from', TZ, nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.Column('activated_by', sa.Integer(), nullable=True),
        sa.Column('activated_at', TZ, nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_approval_rule_sets_created_by_users')),
        sa.ForeignKeyConstraint(['activated_by'], ['users.id'], name=op.f('fk_approval_rule_sets_activated_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_rule_sets')),
        sa.UniqueConstraint('rule_set_id', 'version', name=op.f('uq_approval_rule_sets_rule_set_id')),
    )
    op.create_index(op.f('ix_approval_rule_sets_region'), 'approval_rule_sets', ['region'])

    op.create_table(
        'unit_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('account_no', sa.String(length=40), nullable=False),
        sa.Column('account_name', sa.String(length=120), nullable=False),
        sa.Column('bank_name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('last_activity_at', TZ, nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_at', TZ, nullable=False),
        sa.CheckConstraint("kind IN ('zero_balance','basic','general','special')",
                           name=op.f('ck_unit_accounts_kind')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_accounts_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_accounts')),
        sa.UniqueConstraint('account_no', name=op.f('uq_unit_accounts_account_no')),
    )
    op.create_index(op.f('ix_unit_accounts_unit_id'), 'unit_accounts', ['unit_id'])

    op.create_table(
        'sangong_budgets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('budget', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', TZ, nullable=False),
        sa.CheckConstraint('budget >= 0', name=op.f('ck_sangong_budgets_budget_nonneg')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_sangong_budgets_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sangong_budgets')),
        sa.UniqueConstraint('unit_id', 'fiscal_year', 'category', name=op.f('uq_sangong_budgets_unit_id')),
    )
    op.create_index(op.f('ix_sangong_budgets_unit_id'), 'sangong_budgets', ['unit_id'])

    op.create_table(
        'staff_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_staff_members_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_members')),
        sa.UniqueConstraint('unit_id', 'id_number', name=op.f('uq_staff_members_unit_id')),
    )
    op.create_index(op.f('ix_staff_members_unit_id'), 'staff_members', ['unit_id'])
    op.create_index(op.f('ix_staff_members_name'), 'staff_members', ['name'])
    op.create_index(op.f('ix_staff_members_id_number'), 'staff_members', ['id_number'])


def downgrade() -> None:
    for table in ('staff_members', 'sangong_budgets', 'unit_accounts', 'approval_rule_sets',
                  'committee_members', 'delegations'):
        op.drop_table(table)
