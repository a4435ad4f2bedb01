"""Suspending accounts of this node: no sign-in, posts hidden like removed ones, a profile
that says so, and node-level entries in the moderation log; lifting it restores it all."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts, moderation, suspensions
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.kinds import ModAction, NodeRole
from node.passwords import Passwords
from node.posts import reading
from node.site import Site
from node.views import PostView, Viewer
from tests.node.factories import PASSWORD, Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def suspend(
    node: Node, by: Viewer | None, acct: str, reason: str = "spam", *, hours: int = 0
) -> None:
    at = node.now + timedelta(hours=hours)
    await node.run(
        lambda s: suspensions.suspend_account(s, node.site, by, acct, reason=reason, now=at)
    )


async def unsuspend(node: Node, by: Viewer | None, acct: str, *, hours: int = 1) -> None:
    at = node.now + timedelta(hours=hours)
    await node.run(lambda s: suspensions.unsuspend_account(s, node.site, by, acct, now=at))


async def post_seen(
    node: Node, viewer: Viewer | None, public_id: str, *, show_removed: bool = False
) -> PostView:
    return await node.run(
        lambda s: reading.get_post(s, viewer, public_id, show_removed=show_removed)
    )


async def replies_seen(node: Node, viewer: Viewer | None, public_id: str) -> list[PostView]:
    page = await node.run(lambda s: reading.list_replies(s, viewer, public_id))
    return list(page.items)


async def threads(
    node: Node, viewer: Viewer | None, *, show_removed: bool = False
) -> list[str | None]:
    page = await node.run(
        lambda s: reading.list_threads(s, node.site, viewer, "circle", show_removed=show_removed)
    )
    return [post.title for post in page.items]


async def test_a_suspended_account_is_locked_out_hidden_and_restored(node: Node) -> None:
    mo, ann, bob = await node.member("mo"), await node.member("ann"), await node.member("bob")
    staff = await node.member("sam", role=NodeRole.MODERATOR)
    await node.group(mo, "circle")
    for member in (ann, bob):
        await node.join(member, "circle")
    hour = timedelta(hours=1)
    await node.post(mo, "circle", "Welcome", title="mo's", at=node.now - 2 * hour)
    spam = await node.post(bob, "circle", "Buy now", title="bob's", at=node.now - hour)
    lone = await node.post(bob, "circle", "More offers", title="bob's lone")
    answer = await node.reply(ann, spam.public_id, "Hm")
    echo = await node.reply(bob, spam.public_id, "Really")
    token = await node.run(lambda s: accounts.issue_token(s, bob.account_id, now=node.now))

    await suspend(node, staff, "bob", "selling things")

    with pytest.raises(PermissionDenied, match="suspended"):
        await node.run(lambda s: accounts.viewer_for_token(s, token, now=node.now))
    with pytest.raises(PermissionDenied, match="suspended"):
        await node.run(
            lambda s: accounts.authenticate(
                s, node.site, node.passwords, handle="bob", password=PASSWORD
            )
        )
    # Hidden like removed posts: a thread with others' replies stays as a tombstone, a lone
    # one goes; ann's reply stays whole, bob's is a tombstone.
    for viewer in (None, ann, mo):
        assert await threads(node, viewer) == [None, "mo's"]
        seen = await post_seen(node, viewer, spam.public_id)
        assert (seen.deleted, seen.author, seen.content_html) == (True, None, "")
        assert seen.reply_count == 1  # ann's; bob's is not counted
        assert [
            (r.public_id, r.deleted) for r in await replies_seen(node, viewer, spam.public_id)
        ] == [
            (answer.public_id, False),
            (echo.public_id, True),
        ]
    # The group's moderators and node staff see them whole when they ask.
    assert await threads(node, ann, show_removed=True) == [None, "mo's"]  # not a moderator
    for moderator in (mo, staff):
        assert await threads(node, moderator, show_removed=True) == [
            "bob's lone",
            "bob's",
            "mo's",
        ]
        assert (await post_seen(node, moderator, lone.public_id, show_removed=True)).title
    fetched = await node.run(lambda s: reading.post_for_node(s, spam.public_id, "other.example"))
    assert fetched.deleted  # another node fetching it gets a Tombstone
    profile = await node.run(lambda s: accounts.get_profile(s, "bob", node.site.domain))
    assert (profile.suspended, profile.bio, profile.actor.display_name) == (True, "", "bob")

    await unsuspend(node, staff, "bob")
    assert await threads(node, None) == ["bob's lone", "bob's", "mo's"]
    assert await node.run(lambda s: accounts.viewer_for_token(s, token, now=node.now))
    assert not (await node.run(lambda s: accounts.get_profile(s, "bob", "node.test"))).suspended

    log = await node.run(lambda s: suspensions.list_node_log(s, staff))
    assert [(e.action, e.reason) for e in log.items] == [
        (ModAction.UNSUSPEND, ""),
        (ModAction.SUSPEND, "selling things"),
    ]
    assert {e.moderator.acct for e in log.items if e.moderator} == {"sam@node.test"}
    assert {e.target_actor.acct for e in log.items if e.target_actor} == {"bob@node.test"}
    group_log = await node.run(lambda s: moderation.list_log(s, node.site, mo, "circle"))
    assert group_log.items == []  # node-level entries are not a group's


async def test_who_may_suspend_whom(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    moderator = await node.member("sam", role=NodeRole.MODERATOR)
    member = await node.member("ann")
    with pytest.raises(PermissionDenied):
        await suspend(node, member, "sam")
    with pytest.raises(PermissionDenied, match="only an admin"):
        await suspend(node, moderator, "ada")
    with pytest.raises(PermissionDenied, match="your own"):
        await suspend(node, admin, "ada")
    with pytest.raises(InvalidInput, match="not an account of this node"):
        await suspend(node, admin, "pat@other.example")
    with pytest.raises(NotFound):
        await suspend(node, admin, "nobody")
    await suspend(node, admin, "sam")  # an admin may suspend a moderator
    with pytest.raises(Conflict, match="already suspended"):
        await suspend(node, admin, "sam")
    await unsuspend(node, admin, "sam")
    with pytest.raises(NotFound, match="not suspended"):
        await unsuspend(node, admin, "sam")
    with pytest.raises(PermissionDenied):
        await node.run(lambda s: suspensions.list_node_log(s, member))


async def test_the_command_line_acts_without_an_account_and_the_log_pages(node: Node) -> None:
    await node.member("ann")
    for day in range(3):
        await suspend(node, None, "ann", "by the operator", hours=24 * day)
        await unsuspend(node, None, "ann", hours=24 * day + 1)
    first = await node.run(lambda s: suspensions.list_node_log(s, None, limit=4))
    assert len(first.items) == 4
    assert first.next_cursor is not None
    rest = await node.run(
        lambda s: suspensions.list_node_log(s, None, cursor=first.next_cursor, limit=4)
    )
    assert len(rest.items) == 2
    assert rest.next_cursor is None
    entries = [*first.items, *rest.items]
    assert all(entry.moderator is None for entry in entries)
    assert [e.action for e in entries] == [ModAction.UNSUSPEND, ModAction.SUSPEND] * 3
