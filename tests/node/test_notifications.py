"""Notifications as members see them: each kind made where it happens, the rules every
kind keeps (nobody is told of their own acts, nothing from people they muted or
blocked, anonymous writers stay anonymous, a private group's post tells only those who
may read it), grouping, read marks and pages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import conversations, held_posts, locks, moderation
from node.boundaries import blocking, muting
from node.groups import membership
from node.kinds import JoinPolicy, NotificationKind, Visibility
from node.notifications import (
    NotificationEntry,
    mark_all_read,
    mark_entries_read,
    mark_read_up_to,
    notifications_of,
    unread_count,
)
from node.pagination import Page
from node.passwords import Passwords
from node.posts import removal, writing
from node.reports.care_messages import send_kind_message
from node.site import Site
from node.storage.models.actors import Account, Actor
from node.storage.models.conversations import Conversation
from node.storage.models.groups import Group
from node.views import Viewer
from tests.node.factories import Node

K = NotificationKind


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _page(
    node: Node, viewer: Viewer, cursor: str | None = None, limit: int | None = None
) -> Page[NotificationEntry]:
    return await node.run(lambda s: notifications_of(s, viewer, cursor, limit=limit, now=node.now))


async def _entries(node: Node, viewer: Viewer) -> list[NotificationEntry]:
    return list((await _page(node, viewer)).items)


async def _kinds(node: Node, viewer: Viewer) -> list[NotificationKind]:
    return [entry.kind for entry in await _entries(node, viewer)]


async def _unread(node: Node, viewer: Viewer) -> int:
    counted = await node.run(
        lambda s: unread_count(s, viewer.account_id, viewer.actor_id, now=node.now)
    )
    return counted.count


async def _actor(node: Node, viewer: Viewer) -> Actor:
    return await node.run(lambda s: s.get_one(Actor, viewer.actor_id))


async def _set_group(node: Node, handle: str, **values: object) -> None:
    await node.run(
        lambda s: s.execute(
            update(Group)
            .where(
                Group.actor_id
                == select(Actor.id).where(Actor.handle_key == handle).scalar_subquery()
            )
            .values(**values)
        )
    )


async def test_a_reply_tells_the_author_who_answered_and_where(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    post = await node.post(ana, "walkers", "A long day.", title="Evenings")
    await node.reply(ben, post.public_id)
    (entry,) = await _entries(node, ana)
    assert entry.kind is K.REPLY
    assert entry.actor is not None
    assert entry.actor.handle == "ben"
    assert entry.post is not None
    assert (entry.post.public_id, entry.post.thread_title) == (post.public_id, "Evenings")
    assert not entry.read
    assert entry.count == 1
    assert await _unread(node, ana) == 1
    assert await _entries(node, ben) == []


async def test_nobody_is_told_of_their_own_reply_or_mention(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "walkers")
    post = await node.post(ana, "walkers", "Notes to @ana, myself.")
    await node.reply(ana, post.public_id, "And again, @ana.")
    assert await _entries(node, ana) == []


async def test_nothing_from_someone_muted_or_blocked_or_from_a_blocked_node(node: Node) -> None:
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    await node.join(cat, "walkers")
    post = await node.post(ana, "walkers")
    ben_actor, cat_actor = await _actor(node, ben), await _actor(node, cat)
    await node.run(lambda s: muting.mute(s, ana, ben_actor, now=node.now))
    await node.run(lambda s: blocking.block(s, ana, cat_actor, now=node.now))
    await node.reply(ben, post.public_id)
    await node.post(cat, "walkers", "Hello @ana.")
    assert await _entries(node, ana) == []
    assert await _unread(node, ana) == 0


async def test_what_came_before_a_mute_is_no_longer_shown(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    await node.reply(ben, (await node.post(ana, "walkers")).public_id)
    ben_actor = await _actor(node, ben)
    await node.run(lambda s: muting.mute(s, ana, ben_actor, now=node.now))
    assert await _entries(node, ana) == []
    assert await _unread(node, ana) == 0


async def test_anonymous_writers_are_never_named(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle")
    await _set_group(node, "circle", allow_anonymous_posts=True)
    await node.join(ben, "circle")
    hidden = await node.post(ben, "circle", "Hard to say this.", anonymous=True)
    await node.reply(ana, hidden.public_id, "Thank you for saying it, @ben.")
    # Ben, who wrote it, is told of the reply (no one else learns he wrote it).
    (told,) = await _entries(node, ben)
    assert (told.kind, told.actor is not None and told.actor.handle) == (K.REPLY, "ana")
    await node.run(
        lambda s: writing.reply(
            s,
            node.site,
            ben,
            told.post.public_id if told.post else "",
            body="@ana thanks",
            anonymous=True,
            now=node.now,
        )
    )
    (entry,) = await _entries(node, ana)  # his answer, under his own post, names her
    assert entry.kind is K.MENTION
    assert entry.anonymous
    assert entry.actor is None
    assert "ben" not in repr(entry)


async def test_a_private_groups_post_mentioning_a_non_member_tells_no_one(node: Node) -> None:
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    await node.group(ana, "quiet-room", visibility=Visibility.PRIVATE)
    await node.join(ben, "quiet-room")
    await node.post(ana, "quiet-room", "@cat and @ben, welcome.")
    assert await _entries(node, cat) == []
    assert await _kinds(node, ben) == [K.MENTION]


async def test_a_mention_with_this_nodes_domain_counts(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "walkers")
    await node.post(ana, "walkers", f"Hello @ben@{node.site.domain}, and @ben@elsewhere.example.")
    (entry,) = await _entries(node, ben)
    assert entry.kind is K.MENTION
    assert entry.actor is not None


async def test_a_held_post_tells_no_one_until_approved(node: Node) -> None:
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    await node.group(ana, "walkers")
    await _set_group(node, "walkers", hold_new_members_posts=True)
    await node.join(ben, "walkers")
    await node.join(cat, "walkers")
    held = await node.post(ben, "walkers", "Is @cat here?")
    assert await _entries(node, cat) == []
    await node.run(lambda s: held_posts.approve_post(s, ana, held.public_id, now=node.now))
    assert await _kinds(node, cat) == [K.MENTION]
    (approved,) = await _entries(node, ben)
    assert approved.kind is K.POST_APPROVED
    assert approved.actor is None
    other = await node.post(cat, "walkers", "Another.")
    await node.run(
        lambda s: held_posts.reject_post(s, ana, other.public_id, reason="Off topic", now=node.now)
    )
    (declined,) = [e for e in await _entries(node, cat) if e.kind is K.POST_DECLINED]
    assert (declined.reason, declined.actor) == ("Off topic", None)


async def test_moderators_acts_on_my_content_come_with_the_reason_and_no_name(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    post = await node.post(ben, "walkers", title="Mine")
    await node.run(
        lambda s: locks.set_locked(s, ana, post.public_id, locked=True, reason="Calm", now=node.now)
    )
    await node.run(
        lambda s: removal.remove_post(s, ana, post.public_id, reason="Rule 2", now=node.now)
    )
    await node.run(
        lambda s: removal.restore_post(s, ana, post.public_id, reason="My mistake", now=node.now)
    )
    await node.run(
        lambda s: moderation.ban_member(
            s, node.site, ana, "walkers", "ben", reason="Repeated", now=node.now
        )
    )
    seen = {entry.kind: entry for entry in await _entries(node, ben)}
    assert set(seen) == {
        K.THREAD_LOCKED,
        K.CONTENT_REMOVED,
        K.CONTENT_RESTORED,
        K.MEMBER_BANNED,
    }
    assert [seen[k].reason for k in (K.THREAD_LOCKED, K.CONTENT_REMOVED, K.CONTENT_RESTORED)] == [
        "Calm",
        "Rule 2",
        "My mistake",
    ]
    assert seen[K.MEMBER_BANNED].reason == "Repeated"
    assert seen[K.MEMBER_BANNED].group is not None
    assert all(entry.actor is None for entry in seen.values())


async def test_join_answers(node: Node) -> None:
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    await node.group(ana, "walkers", join_policy=JoinPolicy.APPROVAL)
    await node.join(ben, "walkers")
    await node.join(cat, "walkers")
    for who, approve in (("ben", True), ("cat", False)):

        async def decide(session: AsyncSession, member: str = who, yes: bool = approve) -> object:
            return await membership.decide_membership(
                session, node.site, ana, "walkers", member, approve=yes, now=node.now
            )

        await node.run(decide)
    assert await _kinds(node, ben) == [K.JOIN_APPROVED]
    (rejected,) = await _entries(node, cat)
    assert rejected.kind is K.JOIN_REJECTED
    assert rejected.group is not None
    assert rejected.group.handle == "walkers"


async def test_conversations_tell_the_other_person_but_never_what_was_said(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    ana_actor, ben_actor = await _actor(node, ana), await _actor(node, ben)
    view = await node.run(
        lambda s: conversations.ask(s, node.site, ana_actor, ben_actor, "Talk?", node.now)
    )
    row_id = await node.run(lambda s: s.scalar(select(Conversation.id)))
    assert row_id is not None
    assert await _kinds(node, ben) == [K.CONTACT_REQUEST]
    await node.run(lambda s: conversations.accept(s, row_id, ben.actor_id, node.now))
    assert await _kinds(node, ana) == [K.CONVERSATION_ACCEPTED]
    await node.run(
        lambda s: conversations.send_message(s, node.site, row_id, ana.actor_id, "Hi", node.now)
    )
    entry = (await _entries(node, ben))[0]
    assert entry.kind is K.CONVERSATION_MESSAGE
    assert entry.conversation_id == view.public_id
    assert "Hi" not in repr(entry)
    assert "Talk?" not in repr(entry)
    await node.run(lambda s: conversations.mark_read(s, row_id, ben.actor_id, node.now))
    assert await _unread(node, ben) == 0


async def test_a_care_message_names_no_one(node: Node) -> None:
    ana = await node.member("ana")
    await node.run(
        lambda s: send_kind_message(s, member_id=ana.actor_id, group_id=None, now=node.now)
    )
    (entry,) = await _entries(node, ana)
    assert (entry.kind, entry.actor, entry.group) == (K.CARE_MESSAGE, None, None)


async def test_a_suspended_member_is_told_nothing(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    post = await node.post(ana, "walkers")
    await node.run(
        lambda s: s.execute(
            update(Account).where(Account.id == ana.account_id).values(suspended_at=node.now)
        )
    )
    await node.reply(ben, post.public_id)
    assert await _entries(node, ana) == []


async def test_unread_ones_are_grouped_by_kind_and_subject_without_names(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "walkers")
    post = await node.post(ana, "walkers", title="Evenings")
    other = await node.post(ana, "walkers", title="Mornings")
    for index, handle in enumerate(("ben", "cat", "dee")):
        member = await node.member(handle)
        await node.join(member, "walkers")
        await node.reply(member, post.public_id, at=node.now + timedelta(minutes=index))
    eve = await node.member("eve")
    await node.join(eve, "walkers")
    await node.reply(eve, other.public_id, at=node.now + timedelta(minutes=10))
    grouped, single = await _entries(node, ana)
    assert (single.count, single.post and single.post.thread_title) == (3, "Evenings")
    assert single.actor is None
    assert (grouped.count, grouped.actor and grouped.actor.handle) == (1, "eve")
    assert await _unread(node, ana) == 4
    # Marking the group read marks its three; read ones are listed one by one.
    await node.run(lambda s: mark_entries_read(s, ana.actor_id, [single.id], now=node.now))
    entries = await _entries(node, ana)
    assert [(e.count, e.read) for e in entries] == [(1, False), (1, True), (1, True), (1, True)]
    assert await _unread(node, ana) == 1


async def test_mark_read_up_to_one_or_all(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    posts = [await node.post(ana, "walkers", title=f"T{n}") for n in range(3)]
    for n, post in enumerate(posts):
        await node.reply(ben, post.public_id, at=node.now + timedelta(minutes=n))
    oldest_first = sorted(await _entries(node, ana), key=lambda e: e.id)
    await node.run(lambda s: mark_read_up_to(s, ana.actor_id, oldest_first[1].id, now=node.now))
    assert await _unread(node, ana) == 1
    other = await node.member("zed")
    # Someone else's ids change nothing.
    assert (
        await node.run(
            lambda s: mark_entries_read(s, other.actor_id, [oldest_first[2].id], now=node.now)
        )
        == 0
    )
    assert await node.run(lambda s: mark_all_read(s, ana.actor_id, now=node.now)) == 1
    assert await _unread(node, ana) == 0


async def test_pages_newest_first_with_a_cursor_across_read_and_unread(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    posts = [await node.post(ana, "walkers", title=f"T{n}") for n in range(7)]
    for n, post in enumerate(posts):
        await node.reply(ben, post.public_id, at=node.now + timedelta(minutes=n))
    entries = await _entries(node, ana)
    await node.run(
        lambda s: mark_entries_read(s, ana.actor_id, [entries[1].id, entries[4].id], now=node.now)
    )
    seen: list[NotificationEntry] = []
    cursor = None
    while True:
        page = await _page(node, ana, cursor, limit=3)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    titles = [entry.post.thread_title if entry.post else None for entry in seen]
    assert titles == [f"T{n}" for n in reversed(range(7))]
    assert [entry.read for entry in seen] == [False, True, False, False, True, False, False]
