"""login sessions (server-side, per login)

Revision ID: b8e2f1d5a3c9
Revises: a7d1e0c4f2b8
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e2f1d5a3c9'
down_revision = 'a7d1e0c4f2b8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
