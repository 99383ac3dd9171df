"""Alembic environment: the service passes its connection in ``config.attributes['connection']``."""

from __future__ import annotations

from alembic import context

from api.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # plain `alembic` CLI use: build an engine from the service settings
        from api.db.engine import make_engine
        from api.settings import Settings

        engine = make_engine(Settings.from_env())
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    raise SystemExit("offline migrations are not supported; run `tsunagu db upgrade`")
run_migrations_online()
