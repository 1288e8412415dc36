"""performance indexes (issue 13): none needed so far

The exam page reads an attempt's items by ``attempt_item (attempt_id, position)``
and a synchronised start looks up a member's attempts by ``attempt (quiz_id,
user_id, number)``; both are covered by the indexes that exist. This revision
keeps the chain's slot for issue 13's indexes.

Revision ID: e6f7a8b9c017
Revises: d5e6f7a8b916
Create Date: 2026-12-07 21:20:00.000000

"""


# revision identifiers, used by Alembic.
revision = "e6f7a8b9c017"
down_revision = "d5e6f7a8b916"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
