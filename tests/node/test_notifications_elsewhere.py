"""Notifications of what a group on another node decides about our members: their post
shared (naming whom it answers) or turned down, removed and restored, their thread
locked, a ban, an answer to a request to join; each with the reason the group gave and
no moderator named."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import locks, moderation, pending_posts, remote_members
from node.actors import upsert_remote_actor
from node.kinds import ActorKind, MembershipState
from node.kinds import NotificationKind as K
from node.notifications import NotificationEntry, notifications_of
from node.passwords import Passwords
from node.posts import remote_posts, removal
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Membership
from node.views import Viewer
from tests.node.factories import Node
from tests.node.test_pending_posts import ELSEWHERE, _group_elsewhere


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _entries(node: Node, viewer: Viewer) -> list[NotificationEntry]:
    page = await node.run(lambda s: notifications_of(s, viewer, now=node.now))
    return list(page.items)


async def test_a_shared_reply_tells_whom_it_answers_and_a_refusal_its_author(node: Node) -> None:
    bea, bo = await node.member("bea"), await node.member("bo")
    group = await _group_elsewhere(node, bea, bo)
    thread = await node.post(bea, ELSEWHERE, "Is anyone awake?", title="Tonight")
    await node.run(lambda s: pending_posts.shared_elsewhere(s, group, thread.uri, now=node.now))
    answer = await node.reply(bo, thread.public_id, "I am, @bea.")
    assert await _entries(node, bea) == []  # not before the group shares it
    await node.run(lambda s: pending_posts.shared_elsewhere(s, group, answer.uri, now=node.now))
    (told,) = await _entries(node, bea)
    assert told.kind is K.REPLY
    assert told.actor is not None
    assert told.actor.handle == "bo"
    other = await node.post(bo, ELSEWHERE, "Another.", title="Mine")
    await node.run(lambda s: pending_posts.declined_elsewhere(s, group, other.uri, now=node.now))
    assert [e.kind for e in await _entries(node, bo)] == [K.POST_DECLINED]


async def test_moderators_acts_elsewhere_reach_the_author_with_the_reason(node: Node) -> None:
    bea = await node.member("bea")
    group = await _group_elsewhere(node, bea)
    thread = await node.post(bea, ELSEWHERE, "Words.", title="Mine")
    await node.run(lambda s: pending_posts.shared_elsewhere(s, group, thread.uri, now=node.now))
    await node.run(
        lambda s: removal.removed_elsewhere(s, group, thread.uri, reason="Rule 1", now=node.now)
    )
    await node.run(
        lambda s: removal.restored_elsewhere(s, group, thread.uri, reason="Sorry", now=node.now)
    )
    await node.run(
        lambda s: locks.locked_elsewhere(
            s, group, thread.uri, locked=True, reason="Calm", now=node.now
        )
    )
    bea_actor = await node.run(lambda s: s.get_one(Actor, bea.actor_id))
    await node.run(
        lambda s: moderation.banned_elsewhere(
            s, group, bea_actor, until=None, reason="Repeated", now=node.now
        )
    )
    seen = {e.kind: e for e in await _entries(node, bea)}
    assert {kind: entry.reason for kind, entry in seen.items()} == {
        K.CONTENT_REMOVED: "Rule 1",
        K.CONTENT_RESTORED: "Sorry",
        K.THREAD_LOCKED: "Calm",
        K.MEMBER_BANNED: "Repeated",
    }
    assert all(entry.actor is None for entry in seen.values())


async def test_an_answer_to_a_request_to_join_elsewhere(node: Node) -> None:
    bea, bo = await node.member("bea"), await node.member("bo")
    group = await _group_elsewhere(node, bea, bo)
    await node.run(lambda s: s.execute(update(Membership).values(state=MembershipState.PENDING)))
    for viewer, accepted in ((bea, True), (bo, False)):

        async def answer(session: AsyncSession, v: Viewer = viewer, yes: bool = accepted) -> bool:
            actor = await session.get_one(Actor, v.actor_id)
            return await remote_members.answered(session, group, actor, accepted=yes, now=node.now)

        assert await node.run(answer)
    assert [e.kind for e in await _entries(node, bea)] == [K.JOIN_APPROVED]
    (refused,) = await _entries(node, bo)
    assert refused.kind is K.JOIN_REJECTED
    assert refused.group is not None
    assert refused.group.acct == ELSEWHERE


async def test_a_reply_from_elsewhere_tells_unless_it_is_old_news(node: Node) -> None:
    bea = await node.member("bea")
    group = await _group_elsewhere(node, bea)
    thread = await node.post(bea, ELSEWHERE, "Words.", title="Mine")
    await node.run(lambda s: pending_posts.shared_elsewhere(s, group, thread.uri, now=node.now))

    async def reply_from_far(session: AsyncSession, n: int, age: timedelta) -> None:
        far = await upsert_remote_actor(
            session,
            uri="https://peer.example/u/kim",
            kind=ActorKind.PERSON,
            handle="kim",
            domain="peer.example",
            display_name="Kim",
            summary="",
            now=node.now,
        )
        await remote_posts.store_remote_post(
            session,
            uri=f"https://peer.example/comment/{n}",
            author=far,
            group=group,
            in_reply_to_uri=thread.uri,
            title=None,
            content_html="<p>Hello</p>",
            content_warning="",
            language="en",
            published_at=node.now - age,
            edited_at=None,
            now=node.now,
        )

    await node.run(lambda s: reply_from_far(s, 1, timedelta(days=30)))  # read from history
    assert await _entries(node, bea) == []
    await node.run(lambda s: reply_from_far(s, 2, timedelta(minutes=5)))
    (told,) = await _entries(node, bea)
    assert told.actor is not None
    assert told.actor.acct == "kim@peer.example"
