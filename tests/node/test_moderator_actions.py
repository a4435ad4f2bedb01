"""Moderators' acts on posts: removal that can be undone, locked threads, pre-moderation,
the log of pins and join decisions, and a log that need not name who acted."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import group_settings, held_posts, locks, moderation, pins
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.groups.membership import decide_membership
from node.kinds import JoinPolicy, ModAction, NodeRole, Visibility
from node.passwords import Passwords
from node.posts import reading, removal, support, writing
from node.site import Site
from node.storage.models.events import Event
from node.storage.models.groups import Membership
from node.storage.models.posts import Post
from node.views import GroupView, PostView, Viewer
from tests.node.factories import Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def circle(node: Node, **options: object) -> tuple[Viewer, Viewer, Viewer]:
    """``ana`` owns the group ``circle``; ``ben`` and ``cy`` have joined it."""
    ana, ben, cy = await node.member("ana"), await node.member("ben"), await node.member("cy")
    await node.group(ana, "circle", **options)
    await node.join(ben, "circle")
    await node.join(cy, "circle")
    return ana, ben, cy


async def events(node: Node) -> list[tuple[str, dict[str, object]]]:
    async with node.sessions() as session:
        rows = (await session.scalars(select(Event).order_by(Event.id))).all()
    return [(row.kind, json.loads(row.data)) for row in rows]


async def kinds(node: Node) -> list[str]:
    return [kind for kind, _ in await events(node)]


async def log(node: Node, viewer: Viewer | None) -> list[moderation.LogEntryView]:
    page = await node.run(lambda s: moderation.list_log(s, node.site, viewer, "circle"))
    return list(page.items)


async def get(
    node: Node, viewer: Viewer | None, post: PostView, *, show_removed: bool = False
) -> PostView:
    return await node.run(
        lambda s: reading.get_post(s, viewer, post.public_id, show_removed=show_removed)
    )


async def threads(node: Node, viewer: Viewer | None, *, show_removed: bool = False) -> list[str]:
    page = await node.run(
        lambda s: reading.list_threads(s, node.site, viewer, "circle", show_removed=show_removed)
    )
    return [view.public_id for view in page.items]


async def replies(node: Node, viewer: Viewer | None, thread: PostView) -> list[PostView]:
    page = await node.run(lambda s: reading.list_replies(s, viewer, thread.public_id))
    return list(page.items)


async def remove(node: Node, moderator: Viewer, post: PostView, reason: str = "") -> None:
    await node.run(
        lambda s: removal.remove_post(s, moderator, post.public_id, reason=reason, now=node.now)
    )


async def restore(node: Node, moderator: Viewer, post: PostView, reason: str = "") -> PostView:
    return await node.run(
        lambda s: removal.restore_post(s, moderator, post.public_id, reason=reason, now=node.now)
    )


async def lock(
    node: Node, moderator: Viewer, post: PostView, *, locked: bool = True, reason: str = ""
) -> PostView:
    return await node.run(
        lambda s: locks.set_locked(
            s, moderator, post.public_id, locked=locked, reason=reason, now=node.now
        )
    )


async def settings(node: Node, moderator: Viewer, **changes: bool) -> GroupView:
    return await node.run(
        lambda s: group_settings.update_settings(
            s,
            node.site,
            moderator,
            "circle",
            now=node.now,
            **changes,
        )
    )


async def held(node: Node, moderator: Viewer) -> list[str]:
    page = await node.run(lambda s: held_posts.list_held(s, node.site, moderator, "circle"))
    return [view.public_id for view in page.items]


async def approve(node: Node, moderator: Viewer, post: PostView) -> PostView:
    return await node.run(
        lambda s: held_posts.approve_post(s, moderator, post.public_id, now=node.now)
    )


async def reject(node: Node, moderator: Viewer, post: PostView, reason: str = "") -> None:
    await node.run(
        lambda s: held_posts.reject_post(s, moderator, post.public_id, reason=reason, now=node.now)
    )


# --- removal and restoring ------------------------------------------------------------


async def test_a_removed_post_is_kept_but_shown_whole_only_to_moderators_who_ask(
    node: Node,
) -> None:
    ana, ben, cy = await circle(node)
    staff = await node.member("sam", role=NodeRole.MODERATOR)
    post = await node.post(ben, "circle", "Buy pills", title="Offer")
    await remove(node, ana, post, "spam")

    async with node.sessions() as session:
        row = await session.scalar(select(Post))
    assert row is not None
    assert (row.content_html, row.title, row.deleted_at) == ("<p>Buy pills</p>", "Offer", None)
    assert row.removed_at == node.now
    for viewer in (None, ben, cy, ana):  # the author and, unasked, the moderators too
        shown = await get(node, viewer, post)
        assert (shown.deleted, shown.removed, shown.content_html, shown.title) == (
            True,
            True,
            "",
            None,
        )
        assert shown.author is None
        assert await threads(node, viewer) == []
    for viewer in (ana, staff):
        shown = await get(node, viewer, post, show_removed=True)
        assert (shown.deleted, shown.removed, shown.content_html, shown.title) == (
            False,
            True,
            "<p>Buy pills</p>",
            "Offer",
        )
        assert await threads(node, viewer, show_removed=True) == [post.public_id]
    # Asking is not enough: only those who moderate see it.
    assert (await get(node, cy, post, show_removed=True)).content_html == ""
    assert await threads(node, cy, show_removed=True) == []
    # Another node is served a tombstone.
    served = await node.run(lambda s: reading.post_for_node(s, post.public_id, None))
    assert (served.deleted, served.content_html) == (True, "")


async def test_restoring_brings_a_post_back_for_everyone_and_travels_with_its_reason(
    node: Node,
) -> None:
    ana, ben, cy = await circle(node)
    post = await node.post(ben, "circle", "It was a joke", title="Joke")
    await remove(node, ana, post, "mistaken")
    restored = await restore(node, ana, post, " it was fine ")
    assert (restored.removed, restored.deleted, restored.content_html) == (
        False,
        False,
        "<p>It was a joke</p>",
    )
    assert await threads(node, cy) == [post.public_id]
    assert (await events(node))[-2:] == [
        (EventKind.POST_REMOVED.value, {"reason": "mistaken"}),
        (EventKind.POST_RESTORED.value, {"reason": "it was fine"}),
    ]
    entries = await log(node, None)
    assert [(e.action, e.reason) for e in entries] == [
        (ModAction.RESTORE_POST, "it was fine"),
        (ModAction.REMOVE_POST, "mistaken"),
    ]
    assert entries[0].target_uri == post.uri
    # Restoring what is not removed changes nothing (and says nothing).
    await restore(node, ana, post)
    assert len(await log(node, None)) == 2


async def test_only_moderators_restore_and_a_deleted_post_cannot_come_back(node: Node) -> None:
    ana, ben, cy = await circle(node)
    post = await node.post(ben, "circle", "Hello")
    await remove(node, ana, post)
    for viewer in (ben, cy):
        with pytest.raises(PermissionDenied):
            await restore(node, viewer, post)
    await node.run(lambda s: writing.delete_post(s, ben, post.public_id, now=node.now))
    with pytest.raises(Conflict, match="nothing left to restore"):
        await restore(node, ana, post)


async def test_a_removed_post_takes_no_replies_edits_or_support(node: Node) -> None:
    ana, ben, cy = await circle(node)
    post = await node.post(ben, "circle", "Hello")
    await remove(node, ana, post)
    with pytest.raises(Conflict):
        await node.reply(cy, post.public_id)
    with pytest.raises(Conflict, match="removed"):
        await node.run(lambda s: writing.edit_post(s, ben, post.public_id, body="x", now=node.now))
    with pytest.raises(Conflict, match="removed"):
        await node.run(lambda s: support.set_support(s, cy, post.public_id, on=True, now=node.now))


async def test_a_removed_reply_is_a_tombstone_in_its_thread(node: Node) -> None:
    ana, ben, cy = await circle(node)
    thread = await node.post(ana, "circle", "Welcome")
    answer = await node.reply(ben, thread.public_id, "Rude words")
    await remove(node, ana, answer)
    [shown] = await replies(node, cy, thread)
    assert (shown.public_id, shown.deleted, shown.removed, shown.content_html) == (
        answer.public_id,
        True,
        True,
        "",
    )
    assert (await get(node, cy, thread)).reply_count == 0


# --- locked threads -------------------------------------------------------------------


async def test_a_locked_thread_takes_replies_from_its_moderators_only(node: Node) -> None:
    ana, ben, cy = await circle(node)
    thread = await node.post(ben, "circle", "Heated topic", title="Topic")
    answer = await node.reply(cy, thread.public_id)
    shown = await lock(node, ana, thread, reason=" cooling off ")
    assert shown.locked is True
    assert (await get(node, cy, answer)).locked is True  # its thread's lock holds for it
    for parent in (thread, answer):  # at any depth
        with pytest.raises(PermissionDenied, match="this thread is locked"):
            await node.reply(cy, parent.public_id)
    await node.reply(ana, thread.public_id, "Locked for a while, friends.")
    assert (await events(node))[-2] == (EventKind.POST_LOCKED.value, {"reason": "cooling off"})

    await lock(node, ana, thread, locked=False)
    assert (await get(node, cy, thread)).locked is False
    await node.reply(cy, answer.public_id, "Thank you")
    entries = await log(node, None)
    assert [(e.action, e.reason) for e in entries] == [
        (ModAction.UNLOCK_THREAD, ""),
        (ModAction.LOCK_THREAD, "cooling off"),
    ]
    assert entries[0].target_actor is not None
    assert entries[0].target_actor.handle == "ben"


async def test_locking_is_for_moderators_thread_starts_and_is_idempotent(node: Node) -> None:
    ana, ben, cy = await circle(node)
    thread = await node.post(ben, "circle", "Topic")
    answer = await node.reply(cy, thread.public_id)
    with pytest.raises(PermissionDenied):
        await lock(node, ben, thread)
    with pytest.raises(InvalidInput, match="only a thread"):
        await lock(node, ana, answer)
    await lock(node, ana, thread)
    await lock(node, ana, thread)
    assert [e.action for e in await log(node, ana)] == [ModAction.LOCK_THREAD]
    assert (await kinds(node)).count(EventKind.POST_LOCKED.value) == 1


# --- pins and join decisions in the log -----------------------------------------------


async def test_pins_and_join_decisions_are_logged(node: Node) -> None:
    ana, ben, cy = await node.member("ana"), await node.member("ben"), await node.member("cy")
    await node.group(ana, "circle", join_policy=JoinPolicy.APPROVAL)
    for viewer in (ben, cy):
        await node.join(viewer, "circle")
    for member, approve_it in (("ben", True), ("cy", False)):
        await node.run(
            lambda s, m=member, a=approve_it: decide_membership(  # type: ignore[misc]
                s, node.site, ana, "circle", m, approve=a, now=node.now
            )
        )
    post = await node.post(ana, "circle", "Read the rules", title="Rules")
    for pinned in (True, False):
        await node.run(
            lambda s, p=pinned: pins.set_pinned(  # type: ignore[misc]
                s, ana, post.public_id, pinned=p, now=node.now
            )
        )
    entries = await log(node, ana)
    assert [(e.action, e.target_actor.handle if e.target_actor else None) for e in entries] == [
        (ModAction.UNPIN, "ana"),
        (ModAction.PIN, "ana"),
        (ModAction.REJECT_MEMBER, "cy"),
        (ModAction.APPROVE_MEMBER, "ben"),
    ]
    assert entries[0].target_uri == post.uri


# --- pre-moderation -------------------------------------------------------------------


async def test_turning_pre_moderation_on_trusts_the_members_already_there(node: Node) -> None:
    ana, ben, cy = await circle(node)
    with pytest.raises(PermissionDenied):
        await settings(node, ben, hold_new_members_posts=True)
    shown = await settings(node, ana, hold_new_members_posts=True)
    assert (shown.hold_new_members_posts, shown.hide_moderator_names) == (True, False)
    dee = await node.member("dee")
    await node.join(dee, "circle")
    async with node.sessions() as session:
        trusted = dict(
            (await session.execute(select(Membership.member_id, Membership.trusted_at))).all()
        )
    assert trusted == {
        ana.actor_id: node.now,
        ben.actor_id: node.now,
        cy.actor_id: node.now,
        dee.actor_id: None,
    }
    assert (await node.post(ben, "circle", "Not new here")).held is False


async def test_a_new_members_post_waits_unseen_until_a_moderator_approves_it(node: Node) -> None:
    ana, _, cy = await circle(node)
    await settings(node, ana, hold_new_members_posts=True)
    dee = await node.member("dee")
    await node.join(dee, "circle")
    before = await kinds(node)

    waiting = await node.post(dee, "circle", "Hello, I am new", title="Hi")
    assert waiting.held is True
    assert await kinds(node) == before  # nothing to send: it stays on this node
    assert (await get(node, dee, waiting)).held is True
    assert (await get(node, ana, waiting)).content_html == "<p>Hello, I am new</p>"
    for viewer in (cy, None):
        with pytest.raises(NotFound):
            await get(node, viewer, waiting)
        assert await threads(node, viewer) == []
    assert await threads(node, dee) == [waiting.public_id]
    assert await threads(node, ana) == [waiting.public_id]
    with pytest.raises(NotFound):
        await node.run(lambda s: reading.post_for_node(s, waiting.public_id, None))
    with pytest.raises(Conflict, match="approval"):
        await node.reply(dee, waiting.public_id)
    with pytest.raises(PermissionDenied):
        await held(node, cy)
    assert await held(node, ana) == [waiting.public_id]

    approved = await approve(node, ana, waiting)
    assert approved.held is False
    assert await threads(node, cy) == [waiting.public_id]
    assert await held(node, ana) == []
    assert (await kinds(node))[-1] == EventKind.POST_CREATED.value
    [entry] = await log(node, ana)
    assert (entry.action, entry.target_uri) == (ModAction.APPROVE_POST, waiting.uri)
    # From now on dee is trusted: her posts and replies go out at once.
    assert (await node.reply(dee, waiting.public_id, "Thanks!")).held is False
    with pytest.raises(Conflict, match="not waiting"):
        await approve(node, ana, waiting)


async def test_a_rejected_post_is_removed_and_never_sent(node: Node) -> None:
    ana, ben, cy = await circle(node)
    await settings(node, ana, hold_new_members_posts=True)
    dee = await node.member("dee")
    await node.join(dee, "circle")
    thread = await node.post(ben, "circle", "Welcome", title="Welcome")
    waiting = await node.reply(dee, thread.public_id, "Buy my course")
    assert waiting.held is True
    assert [r.public_id for r in await replies(node, cy, thread)] == []
    assert [r.public_id for r in await replies(node, dee, thread)] == [waiting.public_id]
    before = await kinds(node)
    with pytest.raises(NotFound):  # a member does not even learn that it waits
        await reject(node, cy, waiting)
    await reject(node, ana, waiting, "spam")
    assert await kinds(node) == before
    assert await held(node, ana) == []
    assert [r.public_id for r in await replies(node, cy, thread)] == []
    assert (await get(node, dee, waiting)).removed is True
    [entry] = await log(node, None)
    assert (entry.action, entry.reason) == (ModAction.REJECT_POST, "spam")
    with pytest.raises(Conflict):
        await approve(node, ana, waiting)


async def test_node_staff_outside_a_private_group_are_not_shown_its_held_posts(
    node: Node,
) -> None:
    """A private group's posts are for its members; node staff who are not one may act on
    what they can read, and a private group's queue is not that (as its posts are not)."""
    ana, dee = await node.member("ana"), await node.member("dee")
    staff = await node.member("sam", role=NodeRole.ADMIN)
    await node.group(ana, "circle", visibility=Visibility.PRIVATE, join_policy=JoinPolicy.APPROVAL)
    await settings(node, ana, hold_new_members_posts=True)
    await node.join(dee, "circle")
    await node.run(
        lambda s: decide_membership(s, node.site, ana, "circle", "dee", approve=True, now=node.now)
    )
    waiting = await node.post(dee, "circle", "Hello, I am new")
    assert await held(node, ana) == [waiting.public_id]
    with pytest.raises(NotFound):
        await held(node, staff)
    with pytest.raises(NotFound):
        await approve(node, staff, waiting)


async def test_moderators_posts_are_never_held(node: Node) -> None:
    ana, _, _ = await circle(node)
    await settings(node, ana, hold_new_members_posts=True)
    bo = await node.member("bo")
    await node.join(bo, "circle")
    async with node.sessions.begin() as session:
        membership = await session.scalar(
            select(Membership).where(Membership.member_id == bo.actor_id)
        )
        assert membership is not None
        membership.role = membership.role.MODERATOR
    assert (await node.post(bo, "circle", "Rules reminder")).held is False


# --- a log that says "a moderator" ----------------------------------------------------


async def test_a_group_may_hide_who_moderated_from_all_but_its_moderators(node: Node) -> None:
    ana, ben, _ = await circle(node)
    staff = await node.member("sam", role=NodeRole.ADMIN)
    post = await node.post(ben, "circle", "Spam")
    await remove(node, ana, post, "spam")
    shown = await settings(node, ana, hide_moderator_names=True)
    assert shown.hide_moderator_names is True
    for viewer in (None, ben):
        [entry] = await log(node, viewer)
        assert (entry.moderator, entry.reason) == (None, "spam")
    for viewer in (ana, staff):
        [entry] = await log(node, viewer)
        assert entry.moderator is not None
        assert entry.moderator.handle == "ana"
    await settings(node, ana, hide_moderator_names=False)
    [entry] = await log(node, None)
    assert entry.moderator is not None
