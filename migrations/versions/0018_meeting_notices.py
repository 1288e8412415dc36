"""meeting notices, 民主评议 ratings, 补学 tasks and joint meetings (issue 18)

The notices sent (one row per event), an index of the trail by time, a member's rating
by a 民主评议党员 meeting and a member's 补学 task for a meeting they missed.

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
    op.create_table(
        "meeting_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "rating",
            sa.Enum(
                "excellent",
                "qualified",
                "basically_qualified",
                "unqualified",
                name="rating",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("votes", sa.JSON(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["user.id"], name=op.f("fk_meeting_rating_entered_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_rating_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_meeting_rating_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_rating")),
        sa.UniqueConstraint(
            "meeting_id", "user_id", name=op.f("uq_meeting_rating_meeting_id_user_id")
        ),
    )
    op.create_index("ix_meeting_rating_user", "meeting_rating", ["user_id"])
    op.create_table(
        "makeup_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["user.id"], name=op.f("fk_makeup_task_assigned_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_makeup_task_attempt_id_attempt"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_makeup_task_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quiz.id"], name=op.f("fk_makeup_task_quiz_id_quiz"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_makeup_task_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_makeup_task")),
        sa.UniqueConstraint(
            "meeting_id", "user_id", name=op.f("uq_makeup_task_meeting_id_user_id")
        ),
    )
    op.create_index("ix_makeup_task_user", "makeup_task", ["user_id", "completed_at"])
    op.create_table(
        "meeting_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_unit.id"], name=op.f("fk_meeting_participant_branch_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_participant_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participant")),
        sa.UniqueConstraint(
            "meeting_id", "branch_id", name=op.f("uq_meeting_participant_meeting_id_branch_id")
        ),
    )
    op.create_index("ix_meeting_participant_branch", "meeting_participant", ["branch_id"])


def downgrade():
    op.drop_index("ix_meeting_participant_branch", table_name="meeting_participant")
    op.drop_table("meeting_participant")
    op.drop_index("ix_makeup_task_user", table_name="makeup_task")
    op.drop_table("makeup_task")
    op.drop_index("ix_meeting_rating_user", table_name="meeting_rating")
    op.drop_table("meeting_rating")
    op.drop_index("ix_meeting_event_at", table_name="meeting_event")
    op.drop_index("ix_meeting_notice_meeting_id", table_name="meeting_notice")
    op.drop_table("meeting_notice")
