"""campaign templates staff can edit, seeded with the four built-in ones (issue 15, h2)

Revision ID: d2c4e6a8b0f2
Revises: c15a7e0b1f02
Create Date: 2026-12-01 17:15:00
"""
from alembic import op
import sqlalchemy as sa
import models.base
from models.template import builtin_rows


revision = 'd2c4e6a8b0f2'
down_revision = 'c15a7e0b1f02'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'campaign_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=True),
        sa.Column('name_fr', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('priority', sa.String(length=16), nullable=False),
        sa.Column('message_fr', sa.Text(), nullable=False),
        sa.Column('message_en', sa.Text(), nullable=False),
        sa.Column('sms_fr', sa.Text(), nullable=False),
        sa.Column('sms_en', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.String(length=254), nullable=False),
        sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_templates')),
        sa.UniqueConstraint('key', name=op.f('uq_campaign_templates_key')),
    )
    op.bulk_insert(table, builtin_rows())


def downgrade() -> None:
    op.drop_table('campaign_templates')
