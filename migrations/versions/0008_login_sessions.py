"""login sessions (server-side, per login)

One ``login_session`` row per login (the token's SHA-256, when it began, when
it expires, when and why it ended); the id kept in the session and remember-me
cookies names it. ``user.session_token`` (one token for all of a user's
logins) goes: every existing login ends, and everyone logs in once more.

Revision ID: b8e2f1d5a3c9
Revises: a7d1e0c4f2b8
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e2f1d5a3c9'
down_revision = 'a7d1e0c4f2b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('is_remembered', sa.Boolean(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash')),
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index('ix_login_session_user_open', ['user_id', 'ended_at'], unique=False)
        batch_op.create_index('ix_login_session_expires_at', ['expires_at'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_token', sa.String(length=32), nullable=False, server_default='ended')
        )
    op.drop_table('login_session')
