"""campaigns: the operator's caps and quiet hours, an audience rule on a trigger

Revision ID: 0020
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omnicrm.store.schema.base

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = omnicrm.store.schema.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaign_policy",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("channel_day", sa.Integer(), nullable=False),
        sa.Column("channel_week", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("quiet_from_hour", sa.Integer(), nullable=False),
        sa.Column("quiet_until_hour", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_policy")),
    )
    with op.batch_alter_table("campaign_triggers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audience", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_triggers", schema=None) as batch_op:
        batch_op.drop_column("audience")
    op.drop_table("campaign_policy")
