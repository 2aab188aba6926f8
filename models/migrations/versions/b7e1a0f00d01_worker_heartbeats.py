"""worker heartbeats: each dialer worker's liveness, for /healthz and `ivr worker status`

Revision ID: b7e1a0f00d01
Revises: b4e1a7c9d2f0
Create Date: 2026-12-01 10:50:00
"""
import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = 'b7e1a0f00d01'
down_revision = 'b4e1a7c9d2f0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'worker_heartbeats',
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('host', sa.String(length=100), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('beat_at', UTCDateTime(), nullable=False),
        sa.Column('threads_alive', sa.Integer(), nullable=False),
        sa.Column('threads_expected', sa.Integer(), nullable=False),
        sa.Column('last_claim_at', UTCDateTime(), nullable=True),
        sa.Column('last_placed_at', UTCDateTime(), nullable=True),
        sa.Column('calls_placed', sa.Integer(), nullable=False),
        sa.Column('problem', sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats')),
    )


def downgrade() -> None:
    op.drop_table('worker_heartbeats')
