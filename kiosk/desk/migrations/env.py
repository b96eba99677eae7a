"""Alembic's environment for the desk: always on the connection the Store hands over
(`config.attributes["connection"]`), never a URL of its own."""

from alembic import context

# One PostgreSQL lock for every desk process's upgrade: two desks started at once on one
# database migrate one after the other, the second finding nothing left to do.
UPGRADE_LOCK = 0x6B696F736B  # "kiosk"

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
    context.run_migrations()
