"""campaigns: scheduled launch, follow-up link, approval, hotline announcement (issue 15)

Revision ID: c15a7e0b1f02
Revises: c3d9e2f1a7b4
Create Date: 2026-12-01 14:45:00
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = 'c15a7e0b1f02'
down_revision = 'c3d9e2f1a7b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_at', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('scheduled_by', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('follow_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('approved_at', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('announce', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('announce_until', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_campaigns_scheduled', ['status', 'scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_follows_id'), ['follows_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_follows_id_campaigns'), 'campaigns',
                                    ['follows_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_follows_id_campaigns'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_campaigns_follows_id'))
        batch_op.drop_index('ix_campaigns_scheduled')
        for name in ('announce_until', 'announce', 'approved_at', 'approved_by', 'follow_kind',
                     'follows_id', 'scheduled_by', 'scheduled_at'):
            batch_op.drop_column(name)
