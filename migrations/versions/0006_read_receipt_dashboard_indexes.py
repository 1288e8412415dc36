"""read receipt indexes for the committee dashboard

Two indexes that let the committee's ranking read receipts from the index alone:
(reading_id, user_id, studied_at) for a plan's materials studied per member, and
(studied_on, user_id) for the readings studied this week per branch.

Revision ID: 6d2f1c0a9b37
Revises: bfec064ed4bd
Create Date: 2026-11-22 06:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '6d2f1c0a9b37'
down_revision = 'bfec064ed4bd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('read_receipt', schema=None) as batch_op:
        batch_op.create_index(
            'ix_read_receipt_reading_user_studied',
            ['reading_id', 'user_id', 'studied_at'],
            unique=False,
        )
        batch_op.create_index(
            'ix_read_receipt_studied_on_user', ['studied_on', 'user_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('read_receipt', schema=None) as batch_op:
        batch_op.drop_index('ix_read_receipt_studied_on_user')
        batch_op.drop_index('ix_read_receipt_reading_user_studied')
