"""the due-deliveries index ends with id, the claim's tie-break

Revision ID: 5c1d2e3f4a6b
Revises: 09fdda3ef658
Create Date: 2026-11-26 15:45:00

At launch every delivery of a campaign has the same next_attempt_at, so ordering the claim by
(next_attempt_at, id) made PostgreSQL sort all pending rows for each claim (27 ms at 20,000
residences); with id in the index the claim is one index step (0.2 ms).
"""
from alembic import op


revision = '5c1d2e3f4a6b'
down_revision = '09fdda3ef658'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_deliveries_due', table_name='deliveries')
    op.create_index('ix_deliveries_due', 'deliveries',
                    ['campaign_id', 'status', 'next_attempt_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_deliveries_due', table_name='deliveries')
    op.create_index('ix_deliveries_due', 'deliveries',
                    ['campaign_id', 'status', 'next_attempt_at'], unique=False)
