"""The email digest as a member who asked for one receives it: counts by kind and a
link, never what anyone wrote, who, or where; not during their quiet hours; at most
once a day; only when something is new; stopped by its own link."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.errors import InvalidInput
from node.kinds import Visibility
from node.mail import addresses
from node.mail.digest import counts_by_group, queue_digests
from node.mail.kinds import DigestFrequency, MailKind
from node.mail.links import LinkNotValid, MailContext
from node.notifications.quiet import set_quiet_hours
from node.passwords import Passwords
from node.site import Site
from node.storage.models.mail import MemberEmail, OutgoingMail
from node.views import Viewer
from tests.node.factories import Node

MARKER = "xylophonequartz"  # a word that must never leave in a digest
MAIL = MailContext(Site("http://node.test"), "Circle Node")


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def with_address(node: Node, member: Viewer, address: str, *, verified: bool = True) -> None:
    async with node.sessions.begin() as session:
        session.add(
            MemberEmail(
                account_id=member.account_id,
                address=address,
                address_key=address.casefold(),
                verified_at=node.now if verified else None,
                created_at=node.now,
            )
        )


async def digests(node: Node, at: datetime) -> int:
    return await node.run(lambda s: queue_digests(s, MAIL, now=at))


async def queued(node: Node) -> list[OutgoingMail]:
    async with node.sessions() as session:
        rows = await session.scalars(
            select(OutgoingMail)
            .where(OutgoingMail.kind == MailKind.DIGEST)
            .order_by(OutgoingMail.id)
        )
        return list(rows)


async def a_world(node: Node) -> tuple[Viewer, Viewer, str]:
    """Ana, who asked for a daily digest, and Bo, who replies to her in a private group."""
    ana = await node.member("ana")
    bo = await node.member("bodhi")
    await node.group(
        ana, "secret-circle", visibility=Visibility.PRIVATE, display_name="Hidden Ones"
    )
    await node.join(bo, "secret-circle")
    post = await node.post(ana, "secret-circle", "How do you all cope?", title="Coping")
    await with_address(node, ana, "ana@example.org")
    await node.run(lambda s: addresses.set_digest(s, ana, DigestFrequency.DAILY))
    return ana, bo, post.public_id


async def test_a_digest_counts_and_names_nothing(node: Node) -> None:
    _ana, bo, post = await a_world(node)
    later = node.now + timedelta(minutes=5)
    await node.reply(bo, post, f"Walking helps. {MARKER}", at=later)
    await node.reply(bo, post, f"And tea. {MARKER}", at=later)

    assert await digests(node, later) == 1
    [mail] = await queued(node)
    assert mail.recipient == "ana@example.org"
    assert mail.subject == "What is new for you on Circle Node"
    assert "you have 2 new replies on Circle Node." in mail.body
    assert "http://node.test/notifications" in mail.body
    assert re.search(r"http://node\.test/email/unsubscribe/\S+", mail.body)
    for secret in (MARKER, "Walking", "bodhi", "secret-circle", "Hidden Ones", "Coping"):
        assert secret not in mail.body
        assert secret not in mail.subject


async def test_nothing_new_no_digest_and_at_most_one_a_day(node: Node) -> None:
    _ana, bo, post = await a_world(node)
    assert await digests(node, node.now + timedelta(hours=1)) == 0  # nothing new
    await node.reply(bo, post, "One.", at=node.now + timedelta(hours=2))
    assert await digests(node, node.now + timedelta(hours=3)) == 1
    await node.reply(bo, post, "Two.", at=node.now + timedelta(hours=4))
    assert await digests(node, node.now + timedelta(hours=5)) == 0  # not a day yet
    assert await digests(node, node.now + timedelta(hours=27)) == 1
    first, second = await queued(node)
    assert "1 new reply on" in first.body
    assert "1 new reply on" in second.body  # only what came after the first


async def test_the_digest_waits_for_the_end_of_quiet_hours(node: Node) -> None:
    ana, bo, post = await a_world(node)
    await node.run(
        lambda s: set_quiet_hours(
            s, ana.account_id, time_zone="Europe/Berlin", start=time(22, 0), end=time(7, 0)
        )
    )
    evening = datetime.fromisoformat("2026-11-21T21:30:00+00:00")  # 22:30 in Berlin
    await node.reply(bo, post, "Thinking of you.", at=evening)
    assert await digests(node, evening + timedelta(minutes=5)) == 0
    assert await digests(node, evening + timedelta(hours=7)) == 0  # 05:30 in Berlin
    morning = datetime.fromisoformat("2026-11-22T06:00:00+00:00")  # 07:00 in Berlin
    assert await digests(node, morning) == 1


async def test_only_a_verified_address_that_asked_gets_one(node: Node) -> None:
    _ana, bo, post = await a_world(node)
    cy = await node.member("cy")
    await with_address(node, cy, "cy@example.org", verified=False)
    with pytest.raises(InvalidInput):
        await node.run(lambda s: addresses.set_digest(s, cy, DigestFrequency.DAILY))
    dee = await node.member("dee")
    await with_address(node, dee, "dee@example.org")  # verified, but never asked
    await node.join(cy, "secret-circle")
    await node.join(dee, "secret-circle")
    cy_post = await node.post(cy, "secret-circle", "Hi")
    dee_post = await node.post(dee, "secret-circle", "Hello")
    at = node.now + timedelta(minutes=1)
    for target in (post, cy_post.public_id, dee_post.public_id):
        await node.reply(bo, target, "Welcome.", at=at)
    assert await digests(node, at) == 1
    assert [m.recipient for m in await queued(node)] == ["ana@example.org"]


async def test_the_link_in_a_digest_turns_it_off(node: Node) -> None:
    ana, bo, post = await a_world(node)
    await node.reply(bo, post, "Hi.", at=node.now + timedelta(minutes=1))
    await digests(node, node.now + timedelta(minutes=1))
    [mail] = await queued(node)
    [token] = re.findall(r"/email/unsubscribe/(\S+)", mail.body)
    await node.run(lambda s: addresses.unsubscribe(s, token, now=node.now))
    view = await node.run(lambda s: addresses.get_email(s, ana))
    assert view is not None
    assert view.digest is DigestFrequency.OFF
    await node.reply(bo, post, "Again.", at=node.now + timedelta(days=2))
    assert await digests(node, node.now + timedelta(days=2)) == 0
    with pytest.raises(LinkNotValid):
        await node.run(lambda s: addresses.unsubscribe(s, "x" * 43, now=node.now))


def test_kinds_are_counted_in_groups_in_a_fixed_order() -> None:
    counts = {"join_approved": 1, "reply": 2, "thread_locked": 1, "content_removed": 2, "new": 1}
    assert counts_by_group(counts) == {"replies": 2, "posts": 3, "groups": 1, "other": 1}
