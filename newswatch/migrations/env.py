"""Alembic environment: runs on the connection newswatch hands over (see store.migrate), or on
NEWSWATCH_DATABASE_URL when alembic is run by hand (`alembic -c newswatch/alembic.ini upgrade head`)."""

from alembic import context
from sqlalchemy import create_engine

import newswatch.feedback  # noqa: F401  (its tables: feedback, mutes)
from newswatch.settings import Settings
from newswatch.store import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = create_engine(Settings().resolved_database_url)
    with engine.begin() as own_connection:
        _run_on(own_connection)


def _run_on(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )
    with context.begin_transaction():
        context.run_migrations()


run()
