"""The ``rig`` fixture: real nodes on loopback, on the backend under test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.databases import PostgresDatabases, SqliteDatabases
from tests.rig.rig import Rig


@pytest.fixture
async def rig(backend: SqliteDatabases | PostgresDatabases, tmp_path: Path) -> AsyncIterator[Rig]:
    world = Rig(backend, tmp_path)
    yield world
    await world.close()
