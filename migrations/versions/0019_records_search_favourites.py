"""records (issue 18): records as documents, readable times, reading PDFs, search, favourites

Revision ID: a8b9c0d1e219
Revises: f7a8b9c0d118
Create Date: 2026-12-07 21:25:00.000000

"""

# revision identifiers, used by Alembic.
revision = "a8b9c0d1e219"
down_revision = "f7a8b9c0d118"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
