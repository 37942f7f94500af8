"""Alembic environment: runs against the engine the application hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from conference.storage import tables  # noqa: F401  (registers the tables)

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from conference.settings import Settings
    from conference.storage.engine import make_engine

    engine = make_engine(Settings.from_env().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
