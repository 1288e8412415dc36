"""quiz overrides, essay marking

- ``quiz_override``: an exam's exceptions for one member or one unit (attempts,
  time limit, open and close);
- ``quiz.branch_marking``: secretaries may mark their branch's essays;
- ``attempt.is_marking_pending``: submitted, essays waiting for a marker;
- ``attempt_item``: an essay's marks per criterion, comment, marker and time.

Revision ID: a2b3c4d5e613
Revises: f1a2b3c4d512
Create Date: 2026-12-07 20:55:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a2b3c4d5e613"
down_revision = "f1a2b3c4d512"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quiz_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("attempts_allowed", sa.Integer(), nullable=True),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quiz.id"], name=op.f("fk_quiz_override_quiz_id_quiz"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_quiz_override_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_quiz_override_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_quiz_override_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_override")),
        sa.UniqueConstraint("quiz_id", "user_id", name=op.f("uq_quiz_override_quiz_id_user_id")),
        sa.UniqueConstraint("quiz_id", "unit_id", name=op.f("uq_quiz_override_quiz_id_unit_id")),
    )
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("branch_marking", sa.Boolean(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_marking_pending", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_attempt_marking"), ["quiz_id", "is_marking_pending"])
    with op.batch_alter_table("attempt_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("criterion_marks", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("feedback", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("marked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("marked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_attempt_item_marked_by_id_user"), "user", ["marked_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("attempt_item", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_attempt_item_marked_by_id_user"), type_="foreignkey"
        )
        batch_op.drop_column("marked_at")
        batch_op.drop_column("marked_by_id")
        batch_op.drop_column("feedback")
        batch_op.drop_column("criterion_marks")
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_marking")
        batch_op.drop_column("is_marking_pending")
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.drop_column("branch_marking")
    op.drop_table("quiz_override")
