"""Crisis resources: the node's (its admins keep them) and each group's (its moderators do),
and what a viewer is shown of them, in which order and language."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.crisis import editing
from node.crisis.choosing import CrisisResource, resources_for
from node.crisis.resources import RESOURCES_MAX, ResourceEntry, Translation
from node.errors import InvalidInput, PermissionDenied
from node.events import EventKind
from node.kinds import ContactKind, NodeRole
from node.passwords import Passwords
from node.site import Site
from node.storage.engine import create_engine
from node.storage.migrate import alembic_config
from node.storage.models.actors import Actor
from node.storage.models.events import Event
from node.storage.models.groups import Group
from tests.databases import Database
from tests.node.factories import Node

SAMARITANS = ResourceEntry(
    name="Samaritans",
    kind=ContactKind.PHONE,
    value="116 123",
    country="gb",
    languages=("en",),
    hours="24/7",
    translations=(Translation("de", hours="rund um die Uhr"),),
)
TELEFONSEELSORGE = ResourceEntry(
    name="TelefonSeelsorge",
    kind=ContactKind.PHONE,
    value="0800 111 0 111",
    country="DE",
    languages=("de",),
    note="Anonymous and free",
    translations=(Translation("de", note="Anonym und kostenlos"),),
)
CHAT = ResourceEntry(
    name="Befrienders chat", kind=ContactKind.CHAT, value="https://befrienders.example/chat"
)
GRIEF = ResourceEntry(
    name="Grief line", kind=ContactKind.TEXT, value="+44 7700 900123", languages=("en", "fr")
)


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


def names(shown: tuple[CrisisResource, ...]) -> list[str]:
    return [item.name for item in shown]


async def test_the_admin_keeps_the_node_list_in_order_and_anyone_reads_it(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    saved = await node.run(
        lambda s: editing.set_node_resources(s, admin, [SAMARITANS, TELEFONSEELSORGE, CHAT])
    )
    assert [entry.name for entry in saved] == ["Samaritans", "TelefonSeelsorge", "Befrienders chat"]
    assert saved[0].country == "GB"  # tidied
    assert await node.run(editing.node_resources) == saved
    shown = await node.run(lambda s: resources_for(s, group_id=None, languages=(), country=""))
    assert names(shown) == ["Samaritans", "TelefonSeelsorge", "Befrienders chat"]
    assert shown[0].href == "tel:116123"
    assert shown[2].href == "https://befrienders.example/chat"
    member = await node.member("bo")
    with pytest.raises(PermissionDenied):
        await node.run(lambda s: editing.set_node_resources(s, member, [CHAT]))


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (ResourceEntry(name="", kind=ContactKind.PHONE, value="112"), "resources[0].name"),
        (ResourceEntry(name="x", kind=ContactKind.PHONE, value="call us"), "resources[0].value"),
        (
            ResourceEntry(name="x", kind=ContactKind.WEB, value="javascript:alert(1)"),
            "resources[0].value",
        ),
        (ResourceEntry(name="x", kind=ContactKind.CHAT, value="116 123"), "resources[0].value"),
        (
            ResourceEntry(name="x", kind=ContactKind.PHONE, value="112", country="GER"),
            "resources[0].country",
        ),
        (
            ResourceEntry(name="x", kind=ContactKind.PHONE, value="112", languages=("english",)),
            "resources[0].languages",
        ),
        (ResourceEntry(name="x" * 121, kind=ContactKind.PHONE, value="112"), "resources[0].name"),
        (
            ResourceEntry(name="x", kind=ContactKind.PHONE, value="112", note="n" * 501),
            "resources[0].note",
        ),
        (
            ResourceEntry(
                name="x",
                kind=ContactKind.PHONE,
                value="112",
                translations=(Translation("de", "a"), Translation("DE", "b")),
            ),
            "resources[0].translations[1].language",
        ),
    ],
)
async def test_a_resource_that_cannot_be_reached_or_read_is_refused(
    node: Node, entry: ResourceEntry, field: str
) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    with pytest.raises(InvalidInput) as refused:
        await node.run(lambda s: editing.set_node_resources(s, admin, [entry]))
    assert refused.value.field == field


async def test_a_list_is_bounded(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    with pytest.raises(InvalidInput):
        await node.run(lambda s: editing.set_node_resources(s, admin, [CHAT] * (RESOURCES_MAX + 1)))


async def test_group_moderators_keep_their_group_list_and_it_is_shown_first(
    node: Node, site: Site
) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    mod = await node.member("mo")
    member = await node.member("bo")
    group = await node.group(mod, "grief-circle")
    await node.join(member, "grief-circle")
    await node.run(lambda s: editing.set_node_resources(s, admin, [SAMARITANS, CHAT]))
    await node.run(
        lambda s: editing.set_group_resources(s, site, mod, "grief-circle", [GRIEF], now=node.now)
    )
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: editing.set_group_resources(s, site, member, "grief-circle", [], now=node.now)
        )
    listed = await node.run(lambda s: editing.group_resources(s, site, None, "grief-circle"))
    assert [entry.name for entry in listed] == ["Grief line"]
    gid = await node.run(lambda s: _group_row(s, group.actor.uri))
    shown = await node.run(lambda s: resources_for(s, group_id=gid, languages=(), country=""))
    assert names(shown) == ["Grief line", "Samaritans", "Befrienders chat"]
    assert [item.from_group for item in shown] == [True, False, False]
    assert shown[0].href == "sms:+447700900123"
    # The change is an event, so the group's actor travels again to its members' nodes.
    kinds = await node.run(lambda s: _event_kinds(s))
    assert kinds.count(EventKind.GROUP_UPDATED.value) == 1


async def test_the_viewer_country_filters_and_languages_order_and_translate(
    node: Node,
) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    await node.run(
        lambda s: editing.set_node_resources(s, admin, [SAMARITANS, CHAT, TELEFONSEELSORGE])
    )

    async def shown(languages: tuple[str, ...], country: str, hinted: str = "") -> list[str]:
        items = await node.run(
            lambda s: resources_for(
                s, group_id=None, languages=languages, country=country, hinted_country=hinted
            )
        )
        return [f"{item.name}|{item.hours}|{item.note}" for item in items]

    # Nothing known: as the admin ordered them, default texts.
    assert await shown((), "") == [
        "Samaritans|24/7|",
        "Befrienders chat||",
        "TelefonSeelsorge||Anonymous and free",
    ]
    # German first: the German line first, texts in German where given; nothing dropped.
    assert await shown(("de-AT", "en"), "") == [
        "TelefonSeelsorge||Anonym und kostenlos",
        "Samaritans|rund um die Uhr|",
        "Befrienders chat||",
    ]
    # In Germany (the member's setting): the British line is left out, the chat stays.
    assert await shown(("en",), "de") == [
        "Befrienders chat||",
        "TelefonSeelsorge||Anonymous and free",
    ]
    # A browser's region only orders, never filters.
    assert await shown((), "", hinted="DE") == [
        "TelefonSeelsorge||Anonymous and free",
        "Samaritans|24/7|",
        "Befrienders chat||",
    ]


async def test_a_country_with_no_line_still_gets_every_line(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    await node.run(lambda s: editing.set_node_resources(s, admin, [SAMARITANS]))
    items = await node.run(lambda s: resources_for(s, group_id=None, languages=(), country="FR"))
    assert names(items) == ["Samaritans"]


async def test_a_group_elsewhere_keeps_its_list_there(node: Node, site: Site) -> None:
    mod = await node.member("mo")
    group = await node.group(mod, "grief-circle")
    gid = await node.run(lambda s: _group_row(s, group.actor.uri))

    async def mirror(session: AsyncSession) -> None:
        row = await session.get_one(Group, gid)
        await editing.mirror_group_resources(session, row, [GRIEF], local=True)

    with pytest.raises(PermissionDenied):
        await node.run(mirror)


async def _group_row(session: AsyncSession, uri: str) -> int:
    found = await session.scalar(
        select(Group.id).join(Actor, Actor.id == Group.actor_id).where(Actor.uri == uri)
    )
    assert found is not None
    return found


async def _event_kinds(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(Event.kind).order_by(Event.id)))


async def test_the_node_free_text_lines_become_resources(
    database: Database, site: Site, passwords: Passwords, now: datetime
) -> None:
    """0020 turns each line of the old free text with a reachable contact into a resource,
    in order, and leaves out the lines that cannot be linked."""
    config = alembic_config()

    def migrate(connection: Connection, target: str) -> None:
        config.attributes["connection"] = connection
        if target == "head":
            command.upgrade(config, target)
        else:
            command.downgrade(config, target)

    engine = create_engine(database.url, schema=database.schema)
    lines = "Samaritans — 116 123\nYour GP\nCrisis chat \u2013 https://help.example/chat\n\n"
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0017")
            await connection.execute(
                text(
                    "INSERT INTO node_settings (name, value, updated_at) "
                    "VALUES ('site_crisis_resources', :value, :at)"
                ),
                {"value": lines, "at": now},
            )
            await connection.run_sync(migrate, "head")
            rows = await connection.execute(
                text(
                    "SELECT position, name, kind, value, group_id FROM crisis_resources "
                    "ORDER BY position"
                )
            )
            assert [tuple(row) for row in rows] == [
                (1, "Samaritans", "phone", "116 123", None),
                (2, "Crisis chat", "web", "https://help.example/chat", None),
            ]
            left = await connection.execute(
                text("SELECT count(*) FROM node_settings WHERE name = 'site_crisis_resources'")
            )
            assert left.scalar_one() == 0
    finally:
        await engine.dispose()
