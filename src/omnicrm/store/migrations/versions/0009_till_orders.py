"""Link an order to the till's loyalty operation that confirmed it.

Revision ID: 0009
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = ("till_orders",)
depends_on: str | Sequence[str] | None = ("0003",)  # loyalty_operations


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(
            sa.Column(
                "loyalty_operation_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_orders_loyalty_operation_id"), ["loyalty_operation_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_loyalty_operation_id_loyalty_operations"),
            "loyalty_operations",
            ["loyalty_operation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_orders_loyalty_operation_id_loyalty_operations"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_orders_loyalty_operation_id"), type_="unique")
        batch_op.drop_column("loyalty_operation_id")
