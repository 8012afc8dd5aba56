"""campaigns: audiences, audience snapshots, campaigns and their variants

Revision ID: 0017
Revises: 0001
Create Date: 2026-12-03

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import omnicrm.store.schema.base


# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = ('campaigns',)
depends_on: Union[str, Sequence[str], None] = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('audiences',
    sa.Column('id', ID, nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('created_at', omnicrm.store.schema.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', omnicrm.store.schema.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audiences')),
    sa.UniqueConstraint('code', name=op.f('uq_audiences_code'))
    )
    op.create_table('audience_snapshots',
    sa.Column('id', ID, nullable=False),
    sa.Column('audience_id', ID, nullable=False),
    sa.Column('taken_at', omnicrm.store.schema.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('members', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_audience_snapshots_audience_id_audiences')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_snapshots'))
    )
    with op.batch_alter_table('audience_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audience_snapshots_audience_id'), ['audience_id'], unique=False)

    op.create_table('campaigns',
    sa.Column('id', ID, nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('audience_id', ID, nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('starts_at', omnicrm.store.schema.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', omnicrm.store.schema.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('control_bp', sa.Integer(), nullable=False),
    sa.Column('global_control_bp', sa.Integer(), nullable=True),
    sa.Column('offer_code', sa.String(length=64), nullable=True),
    sa.Column('snapshot_id', ID, nullable=True),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('created_at', omnicrm.store.schema.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('launched_at', omnicrm.store.schema.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_campaigns_audience_id_audiences')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['audience_snapshots.id'], name=op.f('fk_campaigns_snapshot_id_audience_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('code', name=op.f('uq_campaigns_code'))
    )
    op.create_table('campaign_variants',
    sa.Column('id', ID, nullable=False),
    sa.Column('campaign_id', ID, nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_variants_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_variants')),
    sa.UniqueConstraint('campaign_id', 'name', name=op.f('uq_campaign_variants_campaign_id_name'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('campaign_variants')
    op.drop_table('campaigns')
    with op.batch_alter_table('audience_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audience_snapshots_audience_id'))

    op.drop_table('audience_snapshots')
    op.drop_table('audiences')
