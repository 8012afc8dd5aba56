"""Server-side staff sessions (revoked on sign-out, new password, new role, deactivation) and
audit entries written for API keys as well as staff.

Revision ID: 0014
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import omnicrm.store.schema.base

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = omnicrm.store.schema.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_staff_sessions_user_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    with op.batch_alter_table("staff_sessions") as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("staff_audit") as batch_op:
        batch_op.alter_column("user_id", existing_type=ID, nullable=True)
        batch_op.add_column(sa.Column("key_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_audit_key_id_api_keys"), "api_keys", ["key_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_staff_audit_key_id_at"), ["key_id", "at"])


def downgrade() -> None:
    with op.batch_alter_table("staff_audit") as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_audit_key_id_at"))
        batch_op.drop_constraint(batch_op.f("fk_staff_audit_key_id_api_keys"), type_="foreignkey")
        batch_op.drop_column("key_id")
        batch_op.alter_column("user_id", existing_type=ID, nullable=False)
    with op.batch_alter_table("staff_sessions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_user_id"))
    op.drop_table("staff_sessions")
