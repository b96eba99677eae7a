"""Booked times with a site's digital-support helpers.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("bookings",
                    sa.Column("id", sa.Text, primary_key=True),
                    *(sa.Column(name, sa.Text, nullable=False) for name in ("site", "kiosk", "provider",
                                                                            "provider_name", "starts")),
                    sa.Column("minutes", sa.Integer, nullable=False),
                    *(sa.Column(name, sa.Text, nullable=False) for name in ("topic", "service", "language",
                                                                            "accessibility", "code")),
                    sa.Column("created", sa.Double, nullable=False), sa.Column("cancelled", sa.Double),
                    sa.Column("cancelled_by", sa.Text))
    op.create_index("bookings_live", "bookings", ["site", "provider", "starts"], unique=True,
                    sqlite_where=sa.text("cancelled IS NULL"), postgresql_where=sa.text("cancelled IS NULL"))
    op.create_index("bookings_kiosk", "bookings", ["kiosk", "starts"])


def downgrade() -> None:
    op.drop_table("bookings")
