"""Identity controls: operator thresholds, the circuit breaker and its batches, review decisions
recorded with who made them and why an item was queued.

Revision ID: 0024
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omnicrm.store.schema.base

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = omnicrm.store.schema.base.UtcDateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "identity_controls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merge_at", sa.Float(), nullable=False),
        sa.Column("review_at", sa.Float(), nullable=False),
        sa.Column("breaker_factor", sa.Float(), nullable=False),
        sa.Column("breaker_floor", sa.Integer(), nullable=False),
        sa.Column("breaker_window", sa.Integer(), nullable=False),
        sa.Column("stream_batch", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("breaker_open_since", UTC, nullable=True),
        sa.Column("breaker_reason", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_controls")),
    )
    op.create_table(
        "identity_batches",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("merges", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("tripped", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_batches")),
    )
    with op.batch_alter_table("identity_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_batches_kind_id"), ["kind", "id"])
    with op.batch_alter_table("identity_review_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("queued_because", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_review_queue", schema=None) as batch_op:
        batch_op.drop_column("queued_because")
        batch_op.drop_column("decided_by")
    with op.batch_alter_table("identity_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_batches_kind_id"))
    op.drop_table("identity_batches")
    op.drop_table("identity_controls")
