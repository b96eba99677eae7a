"""Configuration and catalogue roll-out: the releases of each site, and the kiosks' rings.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("releases",
                    sa.Column("id", sa.Text, primary_key=True),
                    *(sa.Column(name, sa.Text, nullable=False) for name in ("site", "kind")),
                    sa.Column("version", sa.Integer, nullable=False),
                    *(sa.Column(name, sa.Text, nullable=False) for name in ("ring", "sha256", "signature", "fetch",
                                                                            "author")),
                    sa.Column("size", sa.Integer, nullable=False), sa.Column("content", sa.LargeBinary, nullable=False),
                    sa.Column("created", sa.Double, nullable=False), sa.Column("rollback_of", sa.Integer))
    op.create_index("releases_version", "releases", ["site", "kind", "version"], unique=True)
    op.create_table("rings",
                    sa.Column("site", sa.Text, primary_key=True), sa.Column("kiosk", sa.Text, primary_key=True),
                    sa.Column("ring", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("rings")
    op.drop_table("releases")
