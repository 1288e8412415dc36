"""audit log: a committee's and a branch's entries by time

Indexes on (committee_id, at) and (branch_id, at), so that a committee's log and a
branch's log read their newest entries in index order however large the log grows
(a range on ``scope_path`` cannot give them in time order: it spans many paths).

Revision ID: d1a4b7c9e2f3
Revises: c9f3a2e6b4d0
Create Date: 2026-12-07 18:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd1a4b7c9e2f3'
down_revision = 'c9f3a2e6b4d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_committee_at', ['committee_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_branch_at', ['branch_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_branch_at')
        batch_op.drop_index('ix_audit_entry_committee_at')
