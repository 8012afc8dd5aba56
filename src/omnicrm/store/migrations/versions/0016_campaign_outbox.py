"""The campaign outbox (campaign_messages) and each campaign's sending state.

Revision ID: 0016
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omnicrm.store.schema.base

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("outbox",)
depends_on: str | Sequence[str] | None = None

UTC = omnicrm.store.schema.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('campaign_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('campaign', sa.String(length=64), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('expires_at', UTC, nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('due_at', UTC, nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=100), nullable=True),
    sa.Column('lease_until', UTC, nullable=True),
    sa.Column('provider', sa.String(length=32), nullable=True),
    sa.Column('provider_id', sa.String(length=200), nullable=True),
    sa.Column('sent_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_campaign_messages_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_messages')),
    sa.UniqueConstraint('key', name=op.f('uq_campaign_messages_key'))
    )
    with op.batch_alter_table('campaign_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_messages_status_due_at'), ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_messages_customer_id_sent_at'), ['customer_id', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_messages_campaign_status'), ['campaign', 'status'], unique=False)

    op.create_table('campaign_sending',
    sa.Column('campaign', sa.String(length=64), nullable=False),
    sa.Column('consecutive_errors', sa.Integer(), nullable=False),
    sa.Column('paused_at', UTC, nullable=True),
    sa.Column('paused_reason', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('campaign', name=op.f('pk_campaign_sending'))
    )


def downgrade() -> None:
    op.drop_table('campaign_sending')
    with op.batch_alter_table('campaign_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_messages_campaign_status'))
        batch_op.drop_index(batch_op.f('ix_campaign_messages_customer_id_sent_at'))
        batch_op.drop_index(batch_op.f('ix_campaign_messages_status_due_at'))
    op.drop_table('campaign_messages')
