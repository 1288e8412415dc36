"""records (issue 18): PDF attachments of readings and members' favourite readings

Revision ID: a8b9c0d1e219
Revises: f7a8b9c0d118
Create Date: 2026-12-07 21:25:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a8b9c0d1e219"
down_revision = "f7a8b9c0d118"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reading_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_reading_attachment_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["reading_id"],
            ["reading.id"],
            name=op.f("fk_reading_attachment_reading_id_reading"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_attachment")),
    )
    op.create_index(
        "ix_reading_attachment_reading", "reading_attachment", ["reading_id", "id"]
    )
    op.create_table(
        "reading_favourite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reading_id"],
            ["reading.id"],
            name=op.f("fk_reading_favourite_reading_id_reading"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_reading_favourite_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_favourite")),
        sa.UniqueConstraint(
            "user_id", "reading_id", name=op.f("uq_reading_favourite_user_id_reading_id")
        ),
    )
    op.create_index(
        "ix_reading_favourite_user_created", "reading_favourite", ["user_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_reading_favourite_user_created", table_name="reading_favourite")
    op.drop_table("reading_favourite")
    op.drop_index("ix_reading_attachment_reading", table_name="reading_attachment")
    op.drop_table("reading_attachment")
