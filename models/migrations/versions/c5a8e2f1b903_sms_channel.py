"""SMS as a channel of campaigns: attempt channel, campaign texts, opt-out, replies

Revision ID: c5a8e2f1b903
Revises: 7e3a0b5c9d21
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = 'c5a8e2f1b903'
down_revision = '7e3a0b5c9d21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=8), nullable=False,
                                      server_default='voice'))
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_fr', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sms_en', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voice_fallback', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_opted_out_at',
                                      models.base.UTCDateTime(timezone=True), nullable=True))
    op.create_table('sms_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_sid', sa.String(length=34), nullable=False),
    sa.Column('from_number', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('residence_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                            name=op.f('fk_sms_replies_campaign_id_campaigns'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['residence_id'], ['residences.id'],
                            name=op.f('fk_sms_replies_residence_id_residences'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_replies')),
    sa.UniqueConstraint('message_sid', name=op.f('uq_sms_replies_message_sid'))
    )
    with op.batch_alter_table('sms_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_replies_from_number'), ['from_number'])
        batch_op.create_index(batch_op.f('ix_sms_replies_residence_id'), ['residence_id'])
        batch_op.create_index(batch_op.f('ix_sms_replies_campaign_id'), ['campaign_id'])


def downgrade() -> None:
    op.drop_table('sms_replies')
    with op.batch_alter_table('phone_numbers', schema=None) as batch_op:
        batch_op.drop_column('sms_opted_out_at')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('voice_fallback')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('sms_en')
        batch_op.drop_column('sms_fr')
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_column('channel')
