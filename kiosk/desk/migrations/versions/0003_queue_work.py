"""The queue as helpers work it: when a request was escalated and since when it waits
again (released), notes on requests, who is on duty at which site, kiosks taken away.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("requests", sa.Column("escalated", sa.Double))
    op.add_column("requests", sa.Column("waiting_since", sa.Double))
    op.create_table("notes",
                    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                              autoincrement=True),
                    sa.Column("request", sa.Text, nullable=False), sa.Column("at", sa.Double, nullable=False),
                    sa.Column("author", sa.Text, nullable=False), sa.Column("text", sa.Text, nullable=False))
    op.create_index("notes_request", "notes", ["request", "at"])
    op.create_table("duty",
                    sa.Column("name", sa.Text, primary_key=True), sa.Column("site", sa.Text, primary_key=True),
                    sa.Column("on_duty", sa.Boolean, nullable=False), sa.Column("updated", sa.Double, nullable=False))
    op.create_index("requests_closed", "requests", ["site", "resolved"])
    op.create_table("forgotten",
                    sa.Column("site", sa.Text, primary_key=True), sa.Column("kiosk", sa.Text, primary_key=True),
                    sa.Column("at", sa.Double, nullable=False))


def downgrade() -> None:
    op.drop_table("forgotten")
    op.drop_index("requests_closed", "requests")
    op.drop_table("duty")
    op.drop_table("notes")
    with op.batch_alter_table("requests") as requests:
        requests.drop_column("waiting_since")
        requests.drop_column("escalated")
