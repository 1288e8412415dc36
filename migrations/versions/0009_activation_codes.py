"""activation codes instead of phone-derived first passwords

Revision ID: c9f3a2e6b4d0
Revises: b8e2f1d5a3c9
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9f3a2e6b4d0'
down_revision = 'b8e2f1d5a3c9'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
