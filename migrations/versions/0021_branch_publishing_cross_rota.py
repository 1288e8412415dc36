"""publish (issue 18): branch publishing and review, a rota across branches

Revision ID: c0d1e2f3a421
Revises: b9c0d1e2f320
Create Date: 2026-12-07 21:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c0d1e2f3a421"
down_revision = "b9c0d1e2f320"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reading") as batch:
        batch.add_column(sa.Column("branch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("origin_branch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_state", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("review_note", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_reading_branch_id_org_unit"), "org_unit", ["branch_id"], ["id"]
        )
        batch.create_foreign_key(
            batch.f("fk_reading_origin_branch_id_org_unit"),
            "org_unit",
            ["origin_branch_id"],
            ["id"],
        )
        batch.create_foreign_key(
            batch.f("fk_reading_reviewed_by_id_user"), "user", ["reviewed_by_id"], ["id"]
        )
        batch.create_index("ix_reading_branch_id", ["branch_id"])
        batch.create_index("ix_reading_origin_branch_id", ["origin_branch_id"])
        batch.create_index("ix_reading_committee_review", ["committee_id", "review_state"])
    op.create_table(
        "lead_rota_branch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["org_unit.id"],
            name=op.f("fk_lead_rota_branch_committee_id_org_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_unit.id"], name=op.f("fk_lead_rota_branch_branch_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_rota_branch")),
        sa.UniqueConstraint(
            "committee_id", "branch_id", name=op.f("uq_lead_rota_branch_committee_id_branch_id")
        ),
    )
    op.create_index("ix_lead_rota_branch_committee_id", "lead_rota_branch", ["committee_id"])


def downgrade():
    op.drop_index("ix_lead_rota_branch_committee_id", table_name="lead_rota_branch")
    op.drop_table("lead_rota_branch")
    with op.batch_alter_table("reading") as batch:
        batch.drop_index("ix_reading_committee_review")
        batch.drop_index("ix_reading_origin_branch_id")
        batch.drop_index("ix_reading_branch_id")
        batch.drop_constraint(batch.f("fk_reading_reviewed_by_id_user"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_reading_origin_branch_id_org_unit"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_reading_branch_id_org_unit"), type_="foreignkey")
        batch.drop_column("reviewed_by_id")
        batch.drop_column("reviewed_at")
        batch.drop_column("submitted_at")
        batch.drop_column("review_note")
        batch.drop_column("review_state")
        batch.drop_column("origin_branch_id")
        batch.drop_column("branch_id")
