"""UI part 2: review outcomes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
import sqlalchemy as sa
import sqlalchemy.dialects.postgresql  # noqa: F401
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
    op.create_table(
        "review_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", name="fk_review_outcomes_run_id_runs"), nullable=False),
        sa.Column("pseudonym", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("outcome_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("note_pii_kinds", json_type, nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_id", sa.Integer(),
                  sa.ForeignKey("review_outcomes.id", name="fk_review_outcomes_previous_id_review_outcomes"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_review_outcomes"),
    )
    op.create_index("ix_review_outcomes_run_id", "review_outcomes", ["run_id"])
    op.create_index("ix_review_outcomes_pseudonym", "review_outcomes", ["pseudonym"])
    op.create_index("ix_review_outcomes_run_pseudonym", "review_outcomes", ["run_id", "pseudonym"])


def downgrade() -> None:
    op.drop_table("review_outcomes")
