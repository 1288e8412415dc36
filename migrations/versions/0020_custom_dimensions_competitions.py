"""dimensions (issue 18): a committee's own score dimensions, their values, 比学习 competitions

Revision ID: b9c0d1e2f320
Revises: a8b9c0d1e219
Create Date: 2026-12-07 21:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b9c0d1e2f320"
down_revision = "a8b9c0d1e219"
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade():
    op.create_table(
        "custom_dimension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("weight", sa.Numeric(5, 2), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("computed_from", sa.String(length=32), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("quarters", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("custom_dimension", "committee_id", "org_unit"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_dimension")),
        sa.UniqueConstraint(
            "committee_id",
            "scheme",
            "name",
            name=op.f("uq_custom_dimension_committee_id_scheme_name"),
        ),
    )
    op.create_index("ix_custom_dimension_committee_id", "custom_dimension", ["committee_id"])
    op.create_table(
        "dimension_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dimension_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(9, 2), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        _fk("dimension_value", "dimension_id", "custom_dimension"),
        _fk("dimension_value", "user_id", "user"),
        _fk("dimension_value", "entered_by_id", "user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dimension_value")),
        sa.UniqueConstraint(
            "dimension_id",
            "year",
            "quarter",
            "user_id",
            name=op.f("uq_dimension_value_dimension_id_year_quarter_user_id"),
        ),
    )
    op.create_index("ix_dimension_value_user", "dimension_value", ["user_id"])
    op.create_table(
        "member_birth",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("born_year", sa.SmallInteger(), nullable=False),
        _fk("member_birth", "user_id", "user"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_member_birth")),
    )
    op.create_table(
        "competition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("is_named", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("competition", "committee_id", "org_unit"),
        _fk("competition", "created_by_id", "user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competition")),
    )
    op.create_index("ix_competition_committee_id", "competition", ["committee_id"])
    op.create_table(
        "competition_branch",
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        _fk("competition_branch", "competition_id", "competition"),
        _fk("competition_branch", "branch_id", "org_unit"),
        sa.PrimaryKeyConstraint("competition_id", "branch_id", name=op.f("pk_competition_branch")),
    )
    op.create_index("ix_competition_branch_branch", "competition_branch", ["branch_id"])
    op.create_table(
        "competition_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("score", sa.Numeric(7, 2), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        _fk("competition_snapshot", "competition_id", "competition"),
        _fk("competition_snapshot", "branch_id", "org_unit"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competition_snapshot")),
        sa.UniqueConstraint(
            "competition_id",
            "branch_id",
            "day",
            name=op.f("uq_competition_snapshot_competition_id_branch_id_day"),
        ),
    )


def downgrade():
    op.drop_table("competition_snapshot")
    op.drop_index("ix_competition_branch_branch", table_name="competition_branch")
    op.drop_table("competition_branch")
    op.drop_index("ix_competition_committee_id", table_name="competition")
    op.drop_table("competition")
    op.drop_table("member_birth")
    op.drop_index("ix_dimension_value_user", table_name="dimension_value")
    op.drop_table("dimension_value")
    op.drop_index("ix_custom_dimension_committee_id", table_name="custom_dimension")
    op.drop_table("custom_dimension")
