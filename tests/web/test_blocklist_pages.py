"""The admin's page of shared blocklists and trusted nodes: subscribe, a fetch the egress
guard refuses (shown, nothing changed), the preview, apply, provenance, trust; then the
same through the admin API."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.federation_policy import storage, subscriptions
from node.federation_policy.blocklist_formats import parse_blocklist
from node.kinds import NodeRole
from tests.api_client import Api
from tests.conftest import Client
from tests.web.test_admin_api import staff
from tests.web.test_moderation_pages import (  # noqa: F401 (the fixture)
    World,
    post_form,
    sign_in,
    world,
)
from tests.web.test_pages import page

LISTS = "/admin/federation/lists"


async def test_the_admin_follows_a_shared_list_and_trusts_a_node(
    client: Client,
    api: Api,
    world: World,  # noqa: F811
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await sign_in(client, "ada")
    status, html = await page(client, LISTS)
    assert status == 200
    assert "No lists yet." in html
    status, _, html = await post_form(client, LISTS, LISTS, {"url": "ftp://x", "ceiling": "limit"})
    assert status == 422
    assert "starting with https://" in html
    form = {"url": "http://127.0.0.1:9/list.csv", "name": "Shared list", "ceiling": "suspend"}
    status, location, _ = await post_form(client, LISTS, LISTS, form)
    assert (status, location) == (303, f"{LISTS}?done=list_subscribed")

    # This node may not reach private addresses: the fetch fails, and the page says so.
    status, location, _ = await post_form(client, LISTS, f"{LISTS}/1/refresh", {})
    assert (status, location) == (303, f"{LISTS}?preview=1&done=list_failed")
    _, html = await page(client, location)
    assert "The list could not be fetched. What was applied before stays." in html
    assert "non-public address" in html

    # As a fetch that worked would have stored it: the preview, then apply.
    body = b"#domain,#severity\nbad.example,suspend\nb**.example,suspend\n"
    async with sessions.begin() as session:
        await subscriptions.record_fetched(session, 1, parse_blocklist(body), now=world.node.now)
    _, html = await page(client, f"{LISTS}?preview=1")
    assert "What applying Shared list would change" in html
    assert "bad.example: — → Suspend" in html
    assert "b**.example: the name is obfuscated" in html
    status, location, _ = await post_form(client, f"{LISTS}?preview=1", f"{LISTS}/1/apply", {})
    assert (status, location) == (303, f"{LISTS}?done=list_applied")
    _, html = await page(client, "/admin/federation")
    assert '<th scope="row">bad.example</th>' in html
    assert "<td>Shared list</td>" in html

    # Trusted nodes.
    status, location, _ = await post_form(
        client, LISTS, "/admin/federation/trust", {"domain": "Friend.Example", "trusted": "on"}
    )
    assert (status, location) == (303, f"{LISTS}?done=trusted")
    async with sessions.begin() as session:
        assert (await storage.load_policy(session)).rules["friend.example"].trusted
    _, html = await page(client, LISTS)
    assert "<li>friend.example" in html
    await post_form(client, LISTS, "/admin/federation/trust", {"domain": "friend.example"})
    async with sessions.begin() as session:
        assert "friend.example" not in (await storage.load_policy(session)).rules

    # The admin API: the same services.
    admin = await staff(api, sessions, "quillon", NodeRole.ADMIN)
    F = "/api/v1/admin/federation"
    [listed] = (await api.call("GET", f"{F}/lists", as_=admin)).expect(200)["items"]
    assert (listed["name"], listed["entries"], listed["pending"]) == ("Shared list", 1, False)
    assert listed["last_error"] == ""  # the fetch that worked cleared it
    shown = (await api.call("GET", f"{F}/lists/1/preview", as_=admin)).expect(200)
    assert shown["changes"] == []
    trusted = await api.call("PUT", f"{F}/trusted/near.example", as_=admin)
    assert trusted.expect(200) == {"domain": "near.example", "trusted": True}
    rules = (await api.call("GET", f"{F}/rules", as_=admin)).expect(200)["items"]
    assert [(r["domain"], r["lists"], r["local"], r["trusted"]) for r in rules] == [
        ("bad.example", ["Shared list"], False, False),
        ("near.example", [], True, True),
    ]
    left = (await api.call("DELETE", f"{F}/lists/1", as_=admin)).expect(200)
    assert [(c["domain"], c["change"]) for c in left["changes"]] == [("bad.example", "removed")]
