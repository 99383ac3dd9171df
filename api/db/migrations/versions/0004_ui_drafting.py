"""UI part 1: legal-basis requests, draft sharing

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


# Legal-basis requests from the UI reuse the registry's own 'proposed' entries (registry_entries), so
# no request table is needed; the staff's "own drafts" list filters drafts by author.


def upgrade() -> None:
    op.create_index("ix_drafts_created_by", "drafts", ["created_by"])


def downgrade() -> None:
    op.drop_index("ix_drafts_created_by", table_name="drafts")
