"""channels and preferences: branch group robots, SMS copies, reminder preferences

``branch_channel`` holds a branch's group robot (WeCom, DingTalk, Feishu) and
``channel_delivery`` the posts queued for it; ``sms_delivery`` the SMS copies of
messages; ``notification_preference`` a member's choice per reminder kind and
channel; ``message.params`` the parameters a message's text is rendered from in
the reader's language.

Revision ID: c4d5e6f7a815
Revises: b3c4d5e6f714
Create Date: 2026-12-07 21:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4d5e6f7a815"
down_revision = "b3c4d5e6f714"
branch_labels = None
depends_on = None

_STATUS = sa.Enum("pending", "sent", "failed", name="deliverystatus", native_enum=False, length=16)


def upgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))

    op.create_table(
        "sms_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_sms_delivery_message_id_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_delivery")),
        sa.UniqueConstraint("message_id", name=op.f("uq_sms_delivery_message_id")),
    )
    op.create_index("ix_sms_delivery_due", "sms_delivery", ["status", "next_attempt_at"])

    op.create_table(
        "branch_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("wecom", "dingtalk", "feishu", name="channelkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("webhook_url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_unit.id"], name=op.f("fk_branch_channel_branch_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name=op.f("fk_branch_channel_updated_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_channel")),
        sa.UniqueConstraint("branch_id", "kind", name=op.f("uq_branch_channel_branch_id_kind")),
    )
    op.create_index(
        op.f("ix_branch_channel_branch_id"), "branch_channel", ["branch_id"], unique=False
    )

    op.create_table(
        "channel_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["branch_channel.id"],
            name=op.f("fk_channel_delivery_channel_id_branch_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_delivery")),
        sa.UniqueConstraint(
            "channel_id", "dedupe_key", name=op.f("uq_channel_delivery_channel_id_dedupe_key")
        ),
    )
    op.create_index(
        "ix_channel_delivery_due", "channel_delivery", ["status", "next_attempt_at"]
    )

    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("is_wanted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_notification_preference_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "kind", "channel", name=op.f("pk_notification_preference")
        ),
    )


def downgrade():
    op.drop_table("notification_preference")
    op.drop_index("ix_channel_delivery_due", table_name="channel_delivery")
    op.drop_table("channel_delivery")
    op.drop_index(op.f("ix_branch_channel_branch_id"), table_name="branch_channel")
    op.drop_table("branch_channel")
    op.drop_index("ix_sms_delivery_due", table_name="sms_delivery")
    op.drop_table("sms_delivery")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("params")
