"""Predictions: model versions and the customers' scores.

Revision ID: 0023
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omnicrm.store.schema.base

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("predict",)
depends_on: str | Sequence[str] | None = None

UTC = omnicrm.store.schema.base.UtcDateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('prediction_models',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('trained_at', UTC, nullable=False),
    sa.Column('window_from', UTC, nullable=True),
    sa.Column('as_of', UTC, nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('charts', sa.JSON(), nullable=False),
    sa.Column('artifact', sa.LargeBinary(), nullable=True),
    sa.Column('customers_scored', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prediction_models')),
    sa.UniqueConstraint('kind', 'version', name=op.f('uq_prediction_models_kind_version'))
    )
    op.create_table('customer_predictions',
    sa.Column('model_id', BIGID, nullable=False),
    sa.Column('customer_id', BIGID, nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('label', sa.String(length=80), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['model_id'], ['prediction_models.id'], name=op.f('fk_customer_predictions_model_id_prediction_models'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_predictions_customer_id_customers')),
    sa.PrimaryKeyConstraint('model_id', 'customer_id', name=op.f('pk_customer_predictions'))
    )


def downgrade() -> None:
    op.drop_table('customer_predictions')
    op.drop_table('prediction_models')
