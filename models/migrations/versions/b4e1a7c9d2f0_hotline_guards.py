"""hotline guards: per-residence password lockout, daily quotas

Revision ID: b4e1a7c9d2f0
Revises: 5c1d2e3f4a6b
Create Date: 2026-12-01 11:00:00

Wrong hotline passwords are counted per residence as well as per number, and the daily caps
(temporary passwords, verification call-backs) are counters changed by one atomic statement;
numbers awaiting confirmation are found by an index (unconfirmed registrations expire).
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = 'b4e1a7c9d2f0'
down_revision = '5c1d2e3f4a6b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hotline_quotas',
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('since', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_hotline_quotas'))
    )
    with op.batch_alter_table('residences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_auth_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('failed_auth_since', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('locked_until', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_numbers_verified_at'), ['verified_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_numbers_verified_at'))
    with op.batch_alter_table('residences', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_auth_since')
        batch_op.drop_column('failed_auth_count')
    op.drop_table('hotline_quotas')
