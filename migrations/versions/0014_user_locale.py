"""user language: the language a user chose in the account menu

``user.locale`` holds ``"zh"`` or ``"en"`` once a user picks a language with
the switch in the account menu; NULL means "follow the browser's language".

Revision ID: b3c4d5e6f714
Revises: a2b3c4d5e613
Create Date: 2026-12-07 20:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3c4d5e6f714"
down_revision = "a2b3c4d5e613"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("locale")
