"""Crisis resources on the pages: admins and group moderators edit them; everyone sees
them where they may be needed (start page, sign-up, a group, its compose form, every
thread), the group's first, in the visitor's language and country."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.crisis import editing
from node.crisis.resources import ResourceEntry, Translation
from node.kinds import ContactKind, NodeRole
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import Account
from node.views import Viewer
from tests.conftest import Client
from tests.node.factories import Node
from tests.web.test_moderation_pages import post_form, sign_in
from tests.web.test_pages import page

SAMARITANS = ResourceEntry(
    name="Samaritans", kind=ContactKind.PHONE, value="116 123", country="GB", languages=("en",)
)
SEELSORGE = ResourceEntry(
    name="TelefonSeelsorge",
    kind=ContactKind.PHONE,
    value="0800 111 0 111",
    country="DE",
    languages=("de",),
    hours="24/7",
    translations=(Translation("de", hours="rund um die Uhr"),),
)


@dataclass(frozen=True)
class World:
    node: Node
    member: Viewer


@pytest.fixture
async def world(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> World:
    node = Node(sessions, site, passwords, now)
    admin = await node.member("ada", role=NodeRole.ADMIN)
    owner = await node.member("olga")
    member = await node.member("mia")
    await node.group(owner, "circle", display_name="The Circle")
    await node.join(member, "circle")
    await node.run(lambda s: editing.set_node_resources(s, admin, [SAMARITANS, SEELSORGE]))
    return World(node, member)


def order(html: str, *names: str) -> list[str]:
    found = [(html.find(name), name) for name in names if name in html]
    return [name for _, name in sorted(found)]


async def test_every_page_where_it_may_be_needed_shows_where_to_find_help(
    client: Client, world: World
) -> None:
    await sign_in(client, "olga")
    status, location, _ = await post_form(
        client,
        "/groups/circle/crisis",
        "/groups/circle/crisis",
        {"name_0": "Grief line", "kind_0": "text", "value_0": "+44 7700 900123"},
    )
    assert (status, location) == (303, "/groups/circle/crisis?done=crisis_saved")
    post = await world.node.post(world.member, "circle", "Hello")
    await sign_in(client, "mia")
    for path in ("/groups/circle", "/groups/circle/compose", f"/posts/{post.public_id}"):
        status, html = await page(client, path)
        assert status == 200, path
        assert "If you need help now" in html, path
        # The group's own first, then the node's.
        assert order(html, "Grief line", "Samaritans") == ["Grief line", "Samaritans"], path
        assert '<a href="sms:+447700900123">+44 7700 900123</a>' in html, path
    client.session.cookie_jar.clear()
    for path in ("/", "/signup"):
        status, html = await page(client, path)
        assert "If you need help now" in html, path
        assert '<a href="tel:116123">116 123</a>' in html, path
        assert "Grief line" not in html, path  # a group's own are shown with the group


async def test_the_visitor_language_and_country_choose_order_and_text(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    _, html = await page(client, "/", **{"Accept-Language": "de-DE,de;q=0.9"})
    assert order(html, "Samaritans", "TelefonSeelsorge") == ["TelefonSeelsorge", "Samaritans"]
    assert "rund um die Uhr" in html
    _, html = await page(client, "/", **{"Accept-Language": "en-GB"})
    assert order(html, "Samaritans", "TelefonSeelsorge") == ["Samaritans", "TelefonSeelsorge"]
    assert "24/7" in html
    # A member who lives in Germany (their setting) is not shown the British line.
    async with sessions.begin() as session:
        await session.execute(
            update(Account).where(Account.id == world.member.account_id).values(crisis_country="DE")
        )
    await sign_in(client, "mia")
    _, html = await page(client, "/")
    assert "TelefonSeelsorge" in html
    assert "Samaritans" not in html


async def test_only_admins_and_the_group_moderators_edit_them(client: Client, world: World) -> None:
    await sign_in(client, "mia")
    for path in ("/admin/crisis", "/groups/circle/crisis"):
        status, _ = await page(client, path)
        assert status == 403, path
    await sign_in(client, "ada")
    status, html = await page(client, "/admin/crisis")
    assert status == 200
    assert 'value="Samaritans"' in html
    # A contact that cannot be reached is said beside its field, nothing lost.
    status, _, html = await post_form(
        client,
        "/admin/crisis",
        "/admin/crisis",
        {
            "name_0": "Samaritans",
            "kind_0": "phone",
            "value_0": "116 123",
            "name_1": "Chat",
            "kind_1": "chat",
            "value_1": "not an address",
        },
    )
    assert status == 422
    assert 'id="value_1"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="not an address"' in html
    # Emptying a row deletes it.
    status, _, _ = await post_form(
        client,
        "/admin/crisis",
        "/admin/crisis",
        {
            "name_0": "",
            "value_0": "",
            "name_1": "Samaritans",
            "kind_1": "phone",
            "value_1": "116 123",
        },
    )
    assert status == 303
    _, html = await page(client, "/")
    assert "TelefonSeelsorge" not in html
    assert "Samaritans" in html
