"""The desk database's Alembic migrations, run by `kiosk.desk.schema.upgrade` whenever a
Store opens a database (there is no alembic.ini: the configuration is built in code)."""
