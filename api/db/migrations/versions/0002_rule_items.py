"""items each stored rule and ruleset version reads

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

JSONType = sa.JSON()


def upgrade() -> None:
    from api.db.models_rule_items import reader_rows

    table = op.create_table(
        'rule_item_readers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_kind', sa.String(length=20), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('drafter', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_item_readers')),
        sa.UniqueConstraint('source_kind', 'source_id', 'item_id', 'drafter', name='uq_rule_item_readers_source_kind'),
    )
    op.create_index(op.f('ix_rule_item_readers_item_id'), 'rule_item_readers', ['item_id'], unique=False)

    # back-fill: every stored version, whether or not it still validates
    conn = op.get_bind()
    drafts = sa.table('draft_versions', sa.column('id', sa.Integer), sa.column('rule', JSONType),
                      sa.column('created_by', sa.String))
    rules = sa.table('rule_versions', sa.column('id', sa.Integer), sa.column('document', JSONType),
                     sa.column('created_by', sa.String))
    rulesets = sa.table('ruleset_versions', sa.column('id', sa.Integer), sa.column('document', JSONType),
                        sa.column('drafters', JSONType))
    rows: list[dict] = []
    for id_, doc, by in conn.execute(sa.select(drafts.c.id, drafts.c.rule, drafts.c.created_by)):
        rows += reader_rows('draft_version', id_, doc, 'rule', [by])
    for id_, doc, by in conn.execute(sa.select(rules.c.id, rules.c.document, rules.c.created_by)):
        rows += reader_rows('rule_version', id_, doc, 'rule', [by])
    for id_, doc, drafters in conn.execute(sa.select(rulesets.c.id, rulesets.c.document, rulesets.c.drafters)):
        rows += reader_rows('ruleset_version', id_, doc, 'ruleset', list(drafters or []))
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index(op.f('ix_rule_item_readers_item_id'), table_name='rule_item_readers')
    op.drop_table('rule_item_readers')
