"""Index events by (customer_id, kind, occurred_at): a cart is read from a customer's
add_to_cart / remove_from_cart events since their last order, on the till's calculate.

Revision ID: 0011
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("carts",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_customer_id_kind_occurred_at"),
            ["customer_id", "kind", "occurred_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_customer_id_kind_occurred_at"))
