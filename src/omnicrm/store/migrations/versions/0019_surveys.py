"""Surveys (NPS / CSI questionnaires) and their invitations.

Revision ID: 0019
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omnicrm.store.schema.base

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("surveys",)
depends_on: str | Sequence[str] | None = None

UTC = omnicrm.store.schema.base.UtcDateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('surveys',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_surveys'))
    )
    op.create_table('survey_invitations',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('survey', sa.String(length=40), nullable=False),
    sa.Column('customer_id', BIGID, nullable=False),
    sa.Column('order_id', BIGID, nullable=True),
    sa.Column('event_id', BIGID, nullable=True),
    sa.Column('store_id', BIGID, nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('invited_at', UTC, nullable=False),
    sa.Column('answered_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['survey'], ['surveys.code'], name=op.f('fk_survey_invitations_survey_surveys')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_survey_invitations_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_survey_invitations_order_id_orders')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_survey_invitations_event_id_events')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_survey_invitations_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitations')),
    sa.UniqueConstraint('key', name=op.f('uq_survey_invitations_key'))
    )
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_invitations_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_invitations_survey_invited_at'), ['survey', 'invited_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_invitations_survey_invited_at'))
        batch_op.drop_index(batch_op.f('ix_survey_invitations_customer_id'))
    op.drop_table('survey_invitations')
    op.drop_table('surveys')
