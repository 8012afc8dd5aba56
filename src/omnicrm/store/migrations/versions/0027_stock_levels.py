"""Stock on hand per store or warehouse, SKU and day (the ``stock`` source).

Revision ID: 0027
Revises: 0001 (its own branch: stock is reference data, apart from identity)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("stock",)
depends_on: str | Sequence[str] | None = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stock_levels",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("store_id", BIGID, nullable=False),
        sa.Column("product_id", BIGID, nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("qty_on_hand", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_stock_levels_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_stock_levels_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_levels")),
        sa.UniqueConstraint(
            "source", "source_key", name=op.f("uq_stock_levels_source_source_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("stock_levels")
