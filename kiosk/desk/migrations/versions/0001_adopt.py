"""The desk's tables as the code before Alembic made them; adopts such a database.

Before this migration the desk ran CREATE TABLE IF NOT EXISTS at every start and added
users.stamp with an ALTER; a database made that way (with or without stamp) has no
alembic_version, so this runs on it, creates only what is missing and is recorded as done.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "kiosks" not in present:
        op.create_table("kiosks", sa.Column("site", sa.Text, primary_key=True),
                        sa.Column("kiosk", sa.Text, primary_key=True), sa.Column("online", sa.Integer),
                        sa.Column("status", sa.Text), sa.Column("updated", sa.Double))
    if "requests" not in present:
        op.create_table("requests", sa.Column("id", sa.Text, primary_key=True),
                        *(sa.Column(name, sa.Text) for name in ("site", "kiosk", "place", "topic", "service",
                                                                 "language", "accessibility")),
                        sa.Column("created", sa.Double), sa.Column("accepted", sa.Double),
                        sa.Column("helper", sa.Text), sa.Column("resolved", sa.Double),
                        sa.Column("cancelled", sa.Double), sa.Column("resolution", sa.Text),
                        sa.Column("resolution_service", sa.Text))
    if "users" not in present:
        op.create_table("users", sa.Column("name", sa.Text, primary_key=True), sa.Column("sites", sa.Text),
                        sa.Column("hash", sa.Text), sa.Column("failures", sa.Integer, server_default="0"),
                        sa.Column("locked_until", sa.Double, server_default="0"),
                        sa.Column("stamp", sa.Text, nullable=False, server_default=""))
    elif "stamp" not in {column["name"] for column in sa.inspect(op.get_bind()).get_columns("users")}:
        op.add_column("users", sa.Column("stamp", sa.Text, nullable=False, server_default=""))
    if "login_attempts" not in present:
        op.create_table("login_attempts", sa.Column("name", sa.Text, primary_key=True),
                        sa.Column("failures", sa.Integer, nullable=False),
                        sa.Column("locked_until", sa.Double, nullable=False),
                        sa.Column("updated", sa.Double, nullable=False))
    if "stats" not in present:
        op.create_table("stats", *(sa.Column(name, sa.Text, nullable=False) for name in ("site", "kiosk", "day")),
                        sa.Column("hour", sa.Integer, nullable=False), sa.Column("counter", sa.Text, nullable=False),
                        sa.Column("value", sa.Text, nullable=False), sa.Column("n", sa.Integer, nullable=False),
                        sa.PrimaryKeyConstraint("kiosk", "day", "hour", "counter", "value"))
    if "stats_report" not in {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("stats")}:
        # Covers every query of the statistics page (no table lookups over millions of rows).
        op.create_index("stats_report", "stats", ["counter", "value", "site", "day", "hour", "kiosk", "n"])


def downgrade() -> None:
    raise NotImplementedError("0001 adopts the desk's first tables: there is no older schema to go back to")
