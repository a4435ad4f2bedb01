"""A member's data export through the JSON API: they ask, see how it stands, download a
ZIP only they can get (another member, staff, anyone signed out: nothing)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.export import jobs
from node.kinds import NodeRole
from tests.api_client import Api, Member
from tests.conftest import Client
from tests.node.export_helpers import archive_files
from tests.web.test_admin_api import staff

EXPORT, ARCHIVE = "/api/v1/account/export", "/api/v1/account/export/archive"


async def _archive(client: Client, member: Member | None) -> tuple[int, dict[str, str], bytes]:
    headers = member.auth if member else {}
    async with client.get(ARCHIVE, headers=headers) as response:
        return response.status, dict(response.headers), await response.read()


async def test_a_member_asks_for_their_archive_and_downloads_it(api: Api, client: Client) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    await api.post(ana, "circle", "Ana's first words")
    (await api.call("GET", EXPORT, as_=ana)).expect(404)  # none asked for yet

    asked = (await api.call("POST", EXPORT, as_=ana)).expect(202)
    assert asked["state"] == "ready"
    assert asked["archive"] == ARCHIVE
    status = (await api.call("GET", EXPORT, as_=ana)).expect(200)
    assert status["size"] > 0
    assert status["expires_at"] > status["requested_at"]

    code, headers, body = await _archive(client, ana)
    assert code == 200
    assert headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"].startswith('attachment; filename="kinfolk-export-')
    assert headers["Cache-Control"] == "no-store"
    assert len(body) == status["size"]
    exported, _page = archive_files(body)
    assert [p["text"] for p in exported["posts"]] == ["Ana's first words"]


async def test_nobody_else_gets_a_members_archive(
    api: Api, client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ana, ben = await api.register("ana"), await api.register("ben")
    sam = await staff(api, sessions, "sam", NodeRole.ADMIN)
    (await api.call("POST", EXPORT, as_=ana)).expect(202)

    code, _headers, _body = await _archive(client, None)
    assert code == 401
    (await api.call("POST", EXPORT)).expect(401)
    for other in (ben, sam):
        code, _headers, body = await _archive(client, other)
        assert code == 404
        assert b"ana" not in body
        (await api.call("GET", EXPORT, as_=other)).expect(404)
    # Ben's own archive is his, not Ana's.
    (await api.call("POST", EXPORT, as_=ben)).expect(202)
    code, _headers, body = await _archive(client, ben)
    exported, _page = archive_files(body)
    assert exported["profile"]["handle"].startswith("ben@")


async def test_the_document_describes_the_export(client: Client) -> None:
    async with client.get("/api/openapi.json") as response:
        document = await response.json()
    archive = document["paths"][ARCHIVE]["get"]
    assert "application/zip" in archive["responses"]["200"]["content"]
    assert set(document["paths"][EXPORT]) == {"get", "post"}


async def test_the_nodes_worker_prepares_a_large_archive_by_itself(
    api: Api, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "SMALL_ACCOUNT_ROWS", 0)  # every account counts as large
    ana = await api.register("ana")
    asked = (await api.call("POST", EXPORT, as_=ana)).expect(202)
    assert (asked["state"], asked["archive"], asked["size"]) == ("requested", None, 0)
    for _ in range(100):  # the worker inside the node looks every second
        status = (await api.call("GET", EXPORT, as_=ana)).expect(200)
        if status["state"] != "requested":
            break
        await asyncio.sleep(0.1)
    assert status["state"] == "ready"
    code, _headers, body = await _archive(client, ana)
    assert code == 200
    assert archive_files(body)[0]["profile"]["handle"].startswith("ana@")
