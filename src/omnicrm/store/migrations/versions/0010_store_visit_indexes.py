"""store visit indexes: a store's receipts and sensor sightings by time, for corroborating a MAC
or a face incrementally

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-01 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_orders_store_id_placed_at'), ['store_id', 'placed_at'], unique=False
        )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_events_store_id_occurred_at'), ['store_id', 'occurred_at'], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_store_id_occurred_at'))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_store_id_placed_at'))
