"""The ``rig`` fixture: real nodes on loopback, on the backend under test; and ``fedify``,
which starts independent Fedify peers beside them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.rig.fedify import Peers, require_peer
from tests.rig.mobilizon_group_peer import MobilizonGroupPeer
from tests.rig.rig import Rig
from tests.rig.shaped_peers import LemmyPeer, MastodonPeer


@pytest.fixture
async def rig(backend: SqliteDatabases | PostgresDatabases, tmp_path: Path) -> AsyncIterator[Rig]:
    world = Rig(backend, tmp_path)
    yield world
    await world.close()


@pytest.fixture
async def fedify(tmp_path: Path) -> AsyncIterator[Peers]:
    """Starts Fedify peers on demand (skipped, or failed in CI, when none is installed)."""
    peers = Peers(require_peer(IN_CI), tmp_path)
    yield peers
    await peers.stop()


@pytest.fixture
async def mastodon(rig: Rig) -> AsyncIterator[MastodonPeer]:
    """A Mastodon-shaped peer (``tests.rig.shaped_peers``) beside the rig's nodes."""
    peer = MastodonPeer("127.0.0.50", rig.clock)
    await peer.start()
    yield peer
    await peer.close()


@pytest.fixture
async def lemmy(rig: Rig) -> AsyncIterator[LemmyPeer]:
    """A Lemmy-shaped peer (``tests.rig.shaped_peers``) beside the rig's nodes."""
    peer = LemmyPeer("127.0.0.51", rig.clock)
    await peer.start()
    yield peer
    await peer.close()


@pytest.fixture
async def mobilizon_group(rig: Rig) -> AsyncIterator[MobilizonGroupPeer]:
    """A Mobilizon-shaped peer whose group holds events (``tests.rig.mobilizon_group_peer``)."""
    peer = MobilizonGroupPeer("127.0.0.62", rig.clock)
    await peer.start()
    yield peer
    await peer.close()
