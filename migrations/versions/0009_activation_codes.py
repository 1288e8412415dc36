"""activation codes instead of phone-derived first passwords

Adds ``activation_code``: one row per user holding a keyed hash (HMAC-SHA256
with the app's secret key) of their one live activation code, when it was
issued and by whom, when it expires, when it was used, and the wrong tries.

It also ends the phone-derived first passwords. Until now an added or imported
member's first password was the last 6 digits of their phone (or member
number), to be changed at first login, and a reset gave a temporary password
with the same flag. The rule: every account whose ``must_change_password`` is
still set has never chosen its own password, so its password is replaced by an
unusable one ("!" and random text, which no password matches); the member
activates the account with a code from their secretary. Accounts whose
members chose a password (the flag cleared) keep it. The old passwords are
not restored by the downgrade.

Revision ID: c9f3a2e6b4d0
Revises: b8e2f1d5a3c9
Create Date: 2026-12-07 18:00:00.000000

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c9f3a2e6b4d0'
down_revision = 'b8e2f1d5a3c9'
branch_labels = None
depends_on = None

BATCH = 1000


def _unusable_password() -> str:
    """As ``accounts.services.unusable_password`` (a migration does not import the app)."""
    return "!" + secrets.token_urlsafe(24)


def end_first_passwords(connection) -> int:
    """Give every account still on a first (or temporary) password an unusable one."""
    user = sa.table(
        'user',
        sa.column('id', sa.Integer),
        sa.column('password_hash', sa.String),
        sa.column('must_change_password', sa.Boolean),
    )
    ids = connection.execute(
        sa.select(user.c.id).where(
            user.c.must_change_password.is_(True), ~user.c.password_hash.startswith('!')
        )
    ).scalars().all()
    statement = (
        sa.update(user)
        .where(user.c.id == sa.bindparam('user_id'))
        .values(password_hash=sa.bindparam('new_hash'))
    )
    for start in range(0, len(ids), BATCH):
        connection.execute(
            statement,
            [{'user_id': i, 'new_hash': _unusable_password()} for i in ids[start:start + BATCH]],
        )
    return len(ids)


def upgrade():
    op.create_table(
        'activation_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_attempts', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['issued_by_id'],
            ['user.id'],
            name=op.f('fk_activation_code_issued_by_id_user'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['user.id'],
            name=op.f('fk_activation_code_user_id_user'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_code')),
        sa.UniqueConstraint('user_id', name=op.f('uq_activation_code_user_id')),
    )
    end_first_passwords(op.get_bind())


def downgrade():
    op.drop_table('activation_code')
