"""quiz import and matching: essay type, rubric, lenient matching rules, external ids

- ``question.qtype`` may be "essay" (the enum is a plain string column);
- ``question_version.model_answer_html`` and ``rubric`` hold an essay's model
  answer and marking criteria;
- ``question_version.match_rules`` and ``question_bank.match_rules`` hold the
  lenient fill-in matching rules (a version's own, a bank's default for new
  questions). Existing banks and versions get none, so nothing already graded
  or in progress is graded differently;
- ``question.external_id`` is the ID column of an imported file, so a
  re-import updates the question.

Revision ID: f1a2b3c4d512
Revises: e7b2c5d8f1a4
Create Date: 2026-12-07 20:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1a2b3c4d512"
down_revision = "e7b2c5d8f1a4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question_bank", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("match_rules", sa.JSON(), server_default="[]", nullable=False)
        )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_question_external_id", ["bank_id", "external_id"], unique=False)
    with op.batch_alter_table("question_version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("model_answer_html", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("rubric", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("match_rules", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("question_version", schema=None) as batch_op:
        batch_op.drop_column("match_rules")
        batch_op.drop_column("rubric")
        batch_op.drop_column("model_answer_html")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index("ix_question_external_id")
        batch_op.drop_column("external_id")
    with op.batch_alter_table("question_bank", schema=None) as batch_op:
        batch_op.drop_column("match_rules")
