"""Alembic migrations of the service database (run by `tsunagu db upgrade` and on start-up)."""
