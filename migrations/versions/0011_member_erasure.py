"""member erasure: when a departed member's personal data was erased

``member.erased_at`` marks a member whose name, phone, member number and free
text were replaced by a placeholder (``studyhub.org.erasure``); such a member
can never be reactivated.

Revision ID: e7b2c5d8f1a4
Revises: d1a4b7c9e2f3
Create Date: 2026-12-07 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e7b2c5d8f1a4"
down_revision = "d1a4b7c9e2f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
