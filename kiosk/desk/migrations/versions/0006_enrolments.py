"""Terminals waiting to be enrolled: the code each shows, and what an administrator gave it.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("enrolments",
                    sa.Column("code", sa.Text, primary_key=True),
                    sa.Column("secret", sa.Text, nullable=False, unique=True),
                    *(sa.Column(name, sa.Text, nullable=False) for name in ("address", "mac", "version", "state")),
                    sa.Column("seen", sa.Double, nullable=False), sa.Column("expires", sa.Double, nullable=False),
                    *(sa.Column(name, sa.Text) for name in ("site", "kiosk", "place", "by")),
                    sa.Column("decided", sa.Double))


def downgrade() -> None:
    op.drop_table("enrolments")
