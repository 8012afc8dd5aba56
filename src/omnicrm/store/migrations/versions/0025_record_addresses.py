"""Addresses as identity evidence: one postal address per raw record, and birth dates kept as
typed when they are no calendar date.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_addresses",
        sa.Column("record_type", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("house", sa.String(length=40), nullable=True),
        sa.Column("flat", sa.String(length=40), nullable=True),
        sa.Column("postcode", sa.String(length=20), nullable=True),
        sa.Column("raw", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("record_type", "record_id", name=op.f("pk_record_addresses")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date_raw", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("birth_date_raw")
    op.drop_table("record_addresses")
