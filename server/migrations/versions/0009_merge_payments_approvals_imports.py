"""merge the three parallel branches (payment files 0006, delegations/monitoring data 0007,
indicator import batches 0008) back into one head

Revision ID: 0009
Revises: 0006, 0007, 0008
Create Date: 2026-11-22 00:30:00
"""
from __future__ import annotations

revision = '0009'
down_revision = ('0006', '0007', '0008')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # a merge point: the branches touch disjoint tables


def downgrade() -> None:
    pass
