"""audit log

The append-only ``audit_entry`` table: who did which privileged act to what,
in which committee or branch, with the fields before and after.

Revision ID: a7d1e0c4f2b8
Revises: 6d2f1c0a9b37
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d1e0c4f2b8'
down_revision = '6d2f1c0a9b37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=48), nullable=False),
        sa.Column('object_type', sa.String(length=32), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=True),
        sa.Column('summary', sa.String(length=300), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=True),
        sa.Column('branch_id', sa.Integer(), nullable=True),
        sa.Column('scope_path', sa.String(length=255), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=True),
        sa.Column('details', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_entry_actor_id_user')),
        sa.ForeignKeyConstraint(['branch_id'], ['org_unit.id'], name=op.f('fk_audit_entry_branch_id_org_unit')),
        sa.ForeignKeyConstraint(['committee_id'], ['org_unit.id'], name=op.f('fk_audit_entry_committee_id_org_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_entry_scope_at', ['scope_path', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_actor_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_kind_at', ['kind', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_object', ['object_type', 'object_id'], unique=False)


def downgrade():
    op.drop_table('audit_entry')
