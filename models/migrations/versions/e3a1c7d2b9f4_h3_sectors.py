"""map targeting: uploaded sectors, the registry's coordinates indexed (issue 16)

Revision ID: e3a1c7d2b9f4
Revises: d2c4e6a8b0f2
Create Date: 2026-12-01 17:10:00
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = 'e3a1c7d2b9f4'
down_revision = 'd2c4e6a8b0f2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sectors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('geometry', sa.JSON(), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sectors')),
        sa.UniqueConstraint('name', name=op.f('uq_sectors_name')),
    )
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.create_index('ix_addresses_lat_lon', ['latitude', 'longitude'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_index('ix_addresses_lat_lon')
    op.drop_table('sectors')
