"""items each stored rule and ruleset version reads

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by: issue 10


def downgrade() -> None:
    pass
