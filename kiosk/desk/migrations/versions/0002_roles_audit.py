"""Staff roles and disabled accounts; the audit log.

Every existing user becomes a helper (what every user could do before roles).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("role", sa.Text, nullable=False, server_default="helper"))
    op.add_column("users", sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table("audit",
                    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                              autoincrement=True),
                    sa.Column("at", sa.Double, nullable=False), sa.Column("actor", sa.Text, nullable=False),
                    sa.Column("action", sa.Text, nullable=False),
                    sa.Column("site", sa.Text, nullable=False, server_default=""),
                    sa.Column("kiosk", sa.Text, nullable=False, server_default=""),
                    sa.Column("detail", sa.Text, nullable=False, server_default="{}"))
    op.create_index("audit_at", "audit", ["at"])
    op.create_index("audit_site", "audit", ["site", "at"])


def downgrade() -> None:
    op.drop_table("audit")
    with op.batch_alter_table("users") as users:
        users.drop_column("disabled")
        users.drop_column("role")
