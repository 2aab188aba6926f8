"""portal_accounts: the resident web portal's password, lockout, sessions and consent version

Revision ID: c4d8e2f1a9b3
Revises: 7e3a0b5c9d21
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = 'c4d8e2f1a9b3'
down_revision = 'c5a8e2f1b903'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('residences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('web_password_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('web_password_temporary', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('web_failed_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('web_failed_since', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('web_locked_until', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('web_session_version', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('residences', schema=None) as batch_op:
        for name in ('web_session_version', 'web_locked_until', 'web_failed_since',
                     'web_failed_count', 'web_password_temporary', 'web_password_hash',
                     'consent_version'):
            batch_op.drop_column(name)
