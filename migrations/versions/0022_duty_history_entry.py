"""rotafix (issue 18): the member on duty submits the day's 党史今天 entry with the reading

Revision ID: f3a4b5c6d724
Revises: c0d1e2f3a421
Create Date: 2026-12-07 22:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3a4b5c6d724"
down_revision = "c0d1e2f3a421"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reading") as batch:
        batch.add_column(sa.Column("history_year", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("history_title", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("history_text", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("reading") as batch:
        batch.drop_column("history_text")
        batch.drop_column("history_title")
        batch.drop_column("history_year")
