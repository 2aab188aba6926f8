"""outbox_jobs: jobs promised in the same transaction as the state that promised them

Revision ID: 7e3a0b5c9d21
Revises: b7e2a9c4d1f3
Create Date: 2026-12-01 11:00:00
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '7e3a0b5c9d21'
down_revision = 'b7e2a9c4d1f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('func', sa.String(length=200), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('queue', sa.String(length=16), nullable=False),
    sa.Column('job_timeout', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('next_try_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('handed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_jobs')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_jobs_key'))
    )
    with op.batch_alter_table('outbox_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_jobs_due', ['state', 'next_try_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_jobs_due')
    op.drop_table('outbox_jobs')
