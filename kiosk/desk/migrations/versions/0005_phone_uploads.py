"""Files from a person's own phone to the kiosk: one-time links, files waiting to be fetched.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("upload_links",
                    sa.Column("token", sa.Text, primary_key=True),
                    *(sa.Column(name, sa.Text, nullable=False) for name in ("site", "kiosk", "language")),
                    sa.Column("expires", sa.Double, nullable=False), sa.Column("files", sa.Integer, nullable=False))
    op.create_index("upload_links_kiosk", "upload_links", ["site", "kiosk"])
    op.create_table("uploads",
                    sa.Column("id", sa.Text, primary_key=True), sa.Column("link", sa.Text, nullable=False),
                    *(sa.Column(name, sa.Text, nullable=False) for name in ("site", "kiosk", "fetch", "name", "kind",
                                                                            "sha256")),
                    sa.Column("size", sa.Integer, nullable=False), sa.Column("data", sa.LargeBinary, nullable=False),
                    sa.Column("expires", sa.Double, nullable=False))
    op.create_index("uploads_link", "uploads", ["link"])


def downgrade() -> None:
    op.drop_table("uploads")
    op.drop_table("upload_links")
