"""Alembic environment.

One migration history covers the whole schema: node's tables and federation's
(which share node's metadata), so this file, like the application factory, is a
place where the layers meet. The node runs migrations in-process (``kinfolk
migrate``, and ``kinfolk serve`` on SQLite), handing Alembic an open connection
in ``config.attributes``. Developers who call ``alembic`` directly get a
connection built from the node's settings (``web.config``, as ``kinfolk`` loads them).
"""

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

import federation.tables  # noqa: F401  (federation's tables are part of the one schema)
from node.storage.engine import create_engine
from node.storage.models.base import Base, UTCDateTime
from web.config import load_settings


def _render_item(kind: str, item: Any, autogen: AutogenContext) -> str | Literal[False]:
    # Migrations are frozen history: they name plain SQLAlchemy types, never our
    # own Python-side decorators, which may change later.
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_settings() -> None:
    settings = load_settings()
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


_connection = context.config.attributes.get("connection")
if _connection is not None:
    _run(_connection)
else:
    asyncio.run(_run_from_settings())
