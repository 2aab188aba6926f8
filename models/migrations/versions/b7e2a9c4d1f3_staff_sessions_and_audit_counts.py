"""staff session versions; aggregated audit rows (count, last_at, aggregate_key)

Revision ID: b7e2a9c4d1f3
Revises: b7e1a0f00d01
Create Date: 2026-12-01 10:50:00

A staff account's session_version is stored in each of its sessions: logout and password
resets bump it, ending every older session. Failed sign-ins are counted on one audit row per
account, client and window instead of one row each (the log can no longer be flushed).
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = 'b7e2a9c4d1f3'
down_revision = 'b7e1a0f00d01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('last_at', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('aggregate_key', sa.String(length=400), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_aggregate_key'),
                                          ['aggregate_key'])


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_aggregate_key'), type_='unique')
        batch_op.drop_column('aggregate_key')
        batch_op.drop_column('last_at')
        batch_op.drop_column('count')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
