"""identity indexes: the review queue read best first by status

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-22 12:45:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('identity_review_queue', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_identity_review_queue_status_score'), ['status', 'score'], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('identity_review_queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_review_queue_status_score'))
