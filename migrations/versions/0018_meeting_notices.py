"""meeting notices (issue 18): the notices sent, and recent trail events by time

Revision ID: f7a8b9c0d118
Revises: e6f7a8b9c017
Create Date: 2026-12-07 21:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f7a8b9c0d118"
down_revision = "e6f7a8b9c017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meeting_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_notice_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_notice")),
        sa.UniqueConstraint("key", name=op.f("uq_meeting_notice_key")),
    )
    op.create_index("ix_meeting_notice_meeting_id", "meeting_notice", ["meeting_id"])
    op.create_index("ix_meeting_event_at", "meeting_event", ["at"])


def downgrade():
    op.drop_index("ix_meeting_event_at", table_name="meeting_event")
    op.drop_index("ix_meeting_notice_meeting_id", table_name="meeting_notice")
    op.drop_table("meeting_notice")
