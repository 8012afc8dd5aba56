"""Personal-data rights: erasures and the suppression list of erased identifiers' hashes.

Revision ID: 0012
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omnicrm.store.schema.base

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("privacy",)
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = omnicrm.store.schema.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "privacy_erasures",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("profile_ids", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("erased_at", UTC, nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_privacy_erasures_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_erasures")),
    )
    op.create_index(
        op.f("ix_privacy_erasures_customer_id"), "privacy_erasures", ["customer_id"], unique=False
    )
    op.create_table(
        "privacy_suppressions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("erasure_id", BIG_ID, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["erasure_id"],
            ["privacy_erasures.id"],
            name=op.f("fk_privacy_suppressions_erasure_id_privacy_erasures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_suppressions")),
        sa.UniqueConstraint("digest", name=op.f("uq_privacy_suppressions_digest")),
    )
    op.create_index(
        op.f("ix_privacy_suppressions_erasure_id"),
        "privacy_suppressions",
        ["erasure_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_privacy_suppressions_erasure_id"), table_name="privacy_suppressions")
    op.drop_table("privacy_suppressions")
    op.drop_index(op.f("ix_privacy_erasures_customer_id"), table_name="privacy_erasures")
    op.drop_table("privacy_erasures")
