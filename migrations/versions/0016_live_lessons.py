"""live lessons: lessons, invited branches, moderators, comments and watch time

A live 党课 (``studyhub.live``) is watched by the members of its invited
branches; when it ends each branch's 党课 meeting gets the attendance from the
watch time. A reading may be audio-visual (``reading.media_kind``, its length in
``reading.media_seconds``): studied by playing it.

Revision ID: d5e6f7a8b916
Revises: c4d5e6f7a815
Create Date: 2026-12-07 20:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5e6f7a8b916"
down_revision = "c4d5e6f7a815"
branch_labels = None
depends_on = None


def _tz():
    return sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "live_lesson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("host_branch_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("lecturer_name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", _tz(), nullable=False),
        sa.Column("planned_end_at", _tz(), nullable=False),
        sa.Column("ended_at", _tz(), nullable=True),
        sa.Column("stream_url", sa.String(length=500), nullable=True),
        sa.Column("video_key", sa.String(length=200), nullable=True),
        sa.Column("video_mime", sa.String(length=50), nullable=True),
        sa.Column("threshold_percent", sa.SmallInteger(), nullable=False),
        sa.Column("replay_url", sa.String(length=500), nullable=True),
        sa.Column("replay_key", sa.String(length=200), nullable=True),
        sa.Column("makeup_until", _tz(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("attendance_written_at", _tz(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["org_unit.id"], name=op.f("fk_live_lesson_committee_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["host_branch_id"], ["org_unit.id"], name=op.f("fk_live_lesson_host_branch_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_live_lesson_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_lesson")),
    )
    op.create_index("ix_live_lesson_committee_starts", "live_lesson", ["committee_id", "starts_at"])
    op.create_table(
        "live_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("is_guest", sa.Boolean(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["live_lesson.id"],
            name=op.f("fk_live_invitation_lesson_id_live_lesson"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_unit.id"], name=op.f("fk_live_invitation_branch_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_live_invitation_meeting_id_meeting"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_invitation")),
        sa.UniqueConstraint(
            "lesson_id", "branch_id", name=op.f("uq_live_invitation_lesson_id_branch_id")
        ),
    )
    op.create_index("ix_live_invitation_branch", "live_invitation", ["branch_id"])
    op.create_table(
        "live_moderator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["live_lesson.id"],
            name=op.f("fk_live_moderator_lesson_id_live_lesson"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_live_moderator_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_moderator")),
        sa.UniqueConstraint(
            "lesson_id", "user_id", name=op.f("uq_live_moderator_lesson_id_user_id")
        ),
    )
    op.create_table(
        "live_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("offset_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hidden_at", _tz(), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("pinned_at", _tz(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["live_lesson.id"],
            name=op.f("fk_live_comment_lesson_id_live_lesson"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_live_comment_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_unit.id"], name=op.f("fk_live_comment_branch_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"], ["user.id"], name=op.f("fk_live_comment_hidden_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_comment")),
    )
    op.create_index("ix_live_comment_lesson_seq", "live_comment", ["lesson_id", "seq"])
    op.create_index("ix_live_comment_user", "live_comment", ["user_id", "created_at"])
    op.create_table(
        "live_watch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("live_seconds", sa.Integer(), nullable=False),
        sa.Column("replay_seconds", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", _tz(), nullable=False),
        sa.Column("last_seen_at", _tz(), nullable=False),
        sa.Column("made_up_at", _tz(), nullable=True),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["live_lesson.id"],
            name=op.f("fk_live_watch_lesson_id_live_lesson"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_live_watch_user_id_user")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_unit.id"], name=op.f("fk_live_watch_branch_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_watch")),
        sa.UniqueConstraint("lesson_id", "user_id", name=op.f("uq_live_watch_lesson_id_user_id")),
    )
    op.create_index("ix_live_watch_lesson_seen", "live_watch", ["lesson_id", "last_seen_at"])
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_kind", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("media_seconds", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.drop_column("media_seconds")
        batch_op.drop_column("media_kind")
    op.drop_index("ix_live_watch_lesson_seen", table_name="live_watch")
    op.drop_table("live_watch")
    op.drop_index("ix_live_comment_user", table_name="live_comment")
    op.drop_index("ix_live_comment_lesson_seq", table_name="live_comment")
    op.drop_table("live_comment")
    op.drop_table("live_moderator")
    op.drop_index("ix_live_invitation_branch", table_name="live_invitation")
    op.drop_table("live_invitation")
    op.drop_index("ix_live_lesson_committee_starts", table_name="live_lesson")
    op.drop_table("live_lesson")
