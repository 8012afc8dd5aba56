"""loyalty registry: what the old system said of each migrated member

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omnicrm.store.schema.base

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = omnicrm.store.schema.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "loyalty_registry",
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("card", sa.String(length=32), nullable=False),
        sa.Column("card_state", sa.String(length=16), nullable=False),
        sa.Column("points_balance", sa.BigInteger(), nullable=False),
        sa.Column("period_spend_minor", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=True),
        sa.Column("level_since", _TIME, nullable=True),
        sa.Column("points_expire_at", _TIME, nullable=True),
        sa.Column("enrolled_channel", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", _TIME, nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["loyalty_accounts.id"],
            name=op.f("fk_loyalty_registry_account_id_loyalty_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_loyalty_registry_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_loyalty_registry")),
    )
    with op.batch_alter_table("loyalty_registry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loyalty_registry_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_registry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loyalty_registry_account_id"))
    op.drop_table("loyalty_registry")
