"""Moderation: removals and bans by a group's moderators, and the log that records them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import moderation
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.groups import membership
from node.kinds import MembershipState, ModAction, Visibility
from node.pagination import Page
from node.passwords import Passwords
from node.posts import reading, removal, writing
from node.site import Site
from node.storage.models.events import Event
from node.views import PostView, Viewer
from tests.node.factories import Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def circle(node: Node, **options: object) -> tuple[Viewer, Viewer]:
    """``ana`` owns the group ``circle``; ``ben`` has joined it."""
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", **options)
    await node.join(ben, "circle")
    return ana, ben


async def log(
    node: Node, viewer: Viewer | None, *, cursor: str | None = None, limit: int | None = None
) -> Page[moderation.LogEntryView]:
    return await node.run(
        lambda s: moderation.list_log(s, node.site, viewer, "circle", cursor=cursor, limit=limit)
    )


async def events(node: Node) -> list[tuple[str, dict[str, object]]]:
    async with node.sessions() as session:
        rows = (await session.scalars(select(Event).order_by(Event.id))).all()
    return [(row.kind, json.loads(row.data)) for row in rows]


async def ban(
    node: Node, moderator: Viewer, acct: str, *, reason: str, until: datetime | None = None
) -> None:
    await node.run(
        lambda s: moderation.ban_member(
            s, node.site, moderator, "circle", acct, reason=reason, until=until, now=node.now
        )
    )


async def remove(node: Node, moderator: Viewer, post: PostView, at: datetime) -> None:
    await node.run(lambda s: removal.remove_post(s, moderator, post.public_id, reason="", now=at))


async def test_a_removal_is_the_moderators_act_with_its_reason_in_the_log(node: Node) -> None:
    ana, ben = await circle(node)
    post = await node.post(ben, "circle", "Buy pills")
    await node.run(
        lambda s: removal.remove_post(s, ana, post.public_id, reason=" spam ", now=node.now)
    )
    shown = await node.run(lambda s: reading.get_post(s, ana, post.public_id))
    assert (shown.deleted, shown.content_html, shown.author) == (True, "", None)
    assert (await events(node))[-1] == (EventKind.POST_REMOVED.value, {"reason": "spam"})
    [entry] = (await log(node, None)).items
    assert entry.action is ModAction.REMOVE_POST
    assert entry.moderator is not None
    assert entry.moderator.handle == "ana"
    assert entry.target_actor is not None
    assert entry.target_actor.handle == "ben"
    assert (entry.target_uri, entry.reason, entry.created_at) == (post.uri, "spam", node.now)


async def test_a_moderators_delete_is_a_removal_and_an_authors_is_not(node: Node) -> None:
    ana, ben = await circle(node)
    first, second = await node.post(ben, "circle", "One"), await node.post(ben, "circle", "Two")
    await node.run(lambda s: writing.delete_post(s, ana, first.public_id, now=node.now))
    await node.run(lambda s: writing.delete_post(s, ben, second.public_id, now=node.now))
    kinds = [kind for kind, _ in await events(node)]
    assert kinds[-2:] == [EventKind.POST_REMOVED.value, EventKind.POST_DELETED.value]
    assert [e.target_uri for e in (await log(node, ana)).items] == [first.uri]


async def test_only_moderators_remove_posts(node: Node) -> None:
    ana, ben = await circle(node)
    theirs, own = await node.post(ana, "circle", "Welcome"), await node.post(ben, "circle", "Hi")
    for post in (theirs, own):  # an author deletes their post, but does not "remove" it
        with pytest.raises(PermissionDenied):
            await remove(node, ben, post, node.now)


async def test_a_private_groups_log_is_for_its_moderators(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", visibility=Visibility.PRIVATE)
    await node.join(ben, "circle")  # a member, not a moderator
    with pytest.raises(NotFound):
        await log(node, None)
    with pytest.raises(PermissionDenied):
        await log(node, ben)
    assert (await log(node, ana)).items == []


async def test_the_log_is_paged_newest_first(node: Node) -> None:
    ana, ben = await circle(node)
    made = []
    for minute in range(3):
        post = await node.post(ben, "circle", f"Post {minute}")
        made.append(post.uri)
        await remove(node, ana, post, node.now + timedelta(minutes=minute))
    first = await log(node, ana, limit=2)
    assert first.next_cursor is not None
    rest = await log(node, ana, limit=2, cursor=first.next_cursor)
    assert [e.target_uri for e in [*first.items, *rest.items]] == made[::-1]
    assert rest.next_cursor is None


async def test_a_ban_stops_posting_is_logged_and_can_be_lifted(node: Node) -> None:
    ana, ben = await circle(node)
    until = node.now + timedelta(days=7)
    await ban(node, ana, "ben", reason="harassment", until=until)
    with pytest.raises(PermissionDenied):
        await node.post(ben, "circle", "Still here")
    with pytest.raises(PermissionDenied):
        await node.join(ben, "circle")
    [entry] = (await log(node, ana)).items
    assert (entry.action, entry.reason, entry.expires_at) == (ModAction.BAN, "harassment", until)
    kind, data = (await events(node))[-1]
    assert (kind, data) == (
        EventKind.MEMBER_BANNED.value,
        {"reason": "harassment", "until": until.isoformat()},
    )

    await node.run(
        lambda s: moderation.unban_member(s, node.site, ana, "circle", "ben", now=node.now)
    )
    assert [e.action for e in (await log(node, ana)).items] == [ModAction.UNBAN, ModAction.BAN]
    assert (await node.join(ben, "circle")).state is MembershipState.APPROVED


async def test_a_ban_that_has_ended_no_longer_keeps_the_member_out(node: Node) -> None:
    ana, ben = await circle(node)
    await ban(node, ana, "ben", reason="", until=node.now + timedelta(hours=1))
    later = node.now + timedelta(hours=2)
    joined = await node.run(lambda s: membership.join_group(s, node.site, ben, "circle", now=later))
    assert joined.state is MembershipState.APPROVED


async def test_bans_are_for_moderators_and_must_make_sense(node: Node) -> None:
    ana, ben = await circle(node)
    with pytest.raises(PermissionDenied):
        await ban(node, ben, "ana", reason="")
    with pytest.raises(InvalidInput):
        await ban(node, ana, "ana", reason="")
    with pytest.raises(InvalidInput):
        await ban(node, ana, "ben", reason="", until=node.now)
    with pytest.raises(NotFound):
        await node.run(
            lambda s: moderation.unban_member(s, node.site, ana, "circle", "ben", now=node.now)
        )
