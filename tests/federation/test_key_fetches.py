"""Fetching a remote actor's key: once, however many requests need it at once (S4).

A new actor's first activities often arrive together (a thread, a flurry of
replies): the node must fetch its key once, not once per request, both while
the fetch is in flight and when a request found no key just before another
request's fetch finished. A refresh without that (a rotated key) still fetches.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.context import Federation
from federation.remote.http import Egress, client_session
from federation.signing.keys import generate_rsa_key, public_key_to_pem
from federation.signing.policy import TimeWindow
from node.site import Site

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]


async def test_each_key_is_fetched_once_however_many_requests_need_it(
    aiohttp_server: AiohttpServer,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    now: datetime,
) -> None:
    pem = public_key_to_pem(generate_rsa_key().public_key())
    fetches: Counter[str] = Counter()

    async def actor(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        fetches[name] += 1
        await asyncio.sleep(0.05)  # a peer's answer takes a while
        uri = f"http://{request.host}/users/{name}"
        return web.json_response(
            {
                "id": uri,
                "type": "Person",
                "preferredUsername": name,
                "inbox": f"{uri}/inbox",
                "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": pem},
            },
            content_type="application/activity+json",
        )

    app = web.Application()
    app.router.add_get("/users/{name}", actor)
    server = await aiohttp_server(app)
    base = str(server.make_url("")).rstrip("/")
    egress = Egress(allow_private_addresses=True, allow_http=True)
    async with client_session(egress, user_agent="kinfolk-test") as http:
        fed = Federation(
            site=site,
            sessions=sessions,
            http=http,
            egress=egress,
            clock=lambda: now,
            window=TimeWindow(),
        )
        crowd = f"{base}/users/crowd#main-key"
        found = await asyncio.gather(*(fed.key(crowd, refresh=True) for _ in range(50)))
        assert fetches["crowd"] == 1
        assert {key.key_id for key in found if key is not None} == {crowd}

        # One request misses the key; another request's fetch finishes meanwhile.
        late = f"{base}/users/late#main-key"
        looked = time.monotonic()
        first = await fed.key(late, refresh=True)
        second = await fed.key(late, refresh=True, since=looked)
        assert fetches["late"] == 1
        assert first is not None
        assert second is not None
        assert second.key_id == first.key_id == late

        # A refresh asked for after that fetch (a signature the held key refused) fetches.
        await fed.key(late, refresh=True, since=time.monotonic())
        await fed.key(late, refresh=True)
        assert fetches["late"] == 3
