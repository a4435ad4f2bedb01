"""Support across nodes: what reacting records for federation, and remote members' reactions."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import reactions, remote_members
from node.actors import upsert_remote_actor
from node.errors import PermissionDenied
from node.events import EventKind
from node.groups import remote_groups
from node.kinds import ActorKind, JoinPolicy, MembershipState, Visibility
from node.passwords import Passwords
from node.posts import reading, remote_posts, writing
from node.posts.support import set_support
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.events import Event
from node.storage.models.groups import Group
from node.storage.models.posts import Post, Reaction
from node.views import Viewer
from tests.node.factories import Node

PAT = "https://peer.example/users/pat"
SAM = "https://peer.example/users/sam"
LIKE = f"{PAT}/activities/like/1"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _person(session: AsyncSession, uri: str, now: datetime) -> Actor:
    handle = uri.rsplit("/", 1)[1]
    return await upsert_remote_actor(
        session,
        uri=uri,
        kind=ActorKind.PERSON,
        handle=handle,
        domain="peer.example",
        display_name=handle,
        summary="",
        now=now,
    )


async def _events(session: AsyncSession) -> list[tuple[str, dict[str, str]]]:
    rows = await session.execute(select(Event.kind, Event.data).order_by(Event.id))
    return [(kind, json.loads(data)) for kind, data in rows]


async def _count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Reaction)) or 0


async def _circle(node: Node) -> tuple[Viewer, Viewer, str]:
    """``ana`` owns the open group ``circle`` hosted here; ``ben`` posted in it."""
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", join_policy=JoinPolicy.OPEN)
    await node.join(ben, "circle")
    post = await node.post(ben, "circle", "Hard week.")
    return ana, ben, post.public_id


async def _hosted(session: AsyncSession, public_id: str) -> tuple[Actor, Group, Post]:
    post = await session.scalar(select(Post).where(Post.public_id == public_id))
    assert post is not None
    group = await session.get_one(Group, post.group_id)
    return await session.get_one(Actor, group.actor_id), group, post


async def _clear_events(session: AsyncSession) -> None:
    for event in await session.scalars(select(Event)):
        await session.delete(event)


async def test_a_local_member_s_support_and_its_withdrawal_are_recorded_once(node: Node) -> None:
    ana, _, public_id = await _circle(node)
    async with node.sessions.begin() as session:
        await _clear_events(session)

    async def support(on: bool) -> None:
        await node.run(lambda s: set_support(s, ana, public_id, on=on, now=node.now))

    await support(True)
    await support(True)  # idempotent: nothing more to tell
    async with node.sessions.begin() as session:
        reaction = await session.scalar(select(Reaction))
        assert reaction is not None
        [(kind, _)] = await _events(session)
        assert kind == EventKind.REACTED
        assert await session.scalar(select(Event.subject_id)) == reaction.id
        reaction.activity_uri = "http://node.test/activities/like"  # as dispatch names it
    await support(False)
    await support(False)
    async with node.sessions() as session:
        assert [kind for kind, _ in await _events(session)] == [
            EventKind.REACTED,
            EventKind.UNREACTED,
        ]
        _, data = (await _events(session))[1]
        assert data == {"like_uri": "http://node.test/activities/like"}


async def test_a_member_from_elsewhere_supports_and_takes_it_back(node: Node) -> None:
    _, ben, public_id = await _circle(node)
    async with node.sessions.begin() as session:
        await _clear_events(session)
        group_actor, group, post = await _hosted(session, public_id)
        pat = await _person(session, PAT, node.now)
        await remote_members.request_to_join(
            session, group_actor, group, pat, follow_uri=f"{PAT}/follows/1", now=node.now
        )
        await _clear_events(session)

        assert await reactions.store_remote_reaction(
            session, post, pat, activity_uri=LIKE, now=node.now
        )
        assert await reactions.store_remote_reaction(  # delivered twice
            session, post, pat, activity_uri=LIKE, now=node.now
        )
        assert await _count(session) == 1
        assert await _events(session) == [(EventKind.REACTED, {"activity": LIKE})]
    # The author counts the support from the other node like any other.
    assert (await node.run(lambda s: reading.get_post(s, ben, public_id))).support_count == 1

    async with node.sessions.begin() as session:
        _, _, post = await _hosted(session, public_id)
        sam = await _person(session, SAM, node.now)
        with pytest.raises(PermissionDenied, match="another actor"):
            await reactions.remove_remote_reaction(
                session, post, sam, like_uri=LIKE, activity_uri=f"{SAM}/undo/1", now=node.now
            )
    async with node.sessions.begin() as session:
        _, _, post = await _hosted(session, public_id)
        pat = await _person(session, PAT, node.now)
        undo = f"{PAT}/activities/undo/1"
        assert await reactions.remove_remote_reaction(
            session, post, pat, like_uri=LIKE, activity_uri=undo, now=node.now
        )
        assert not await reactions.remove_remote_reaction(
            session, post, pat, like_uri=LIKE, activity_uri=undo, now=node.now
        )
        assert await _count(session) == 0
        assert (await _events(session))[-1] == (
            EventKind.UNREACTED,
            {"like_uri": LIKE, "activity": undo},
        )


async def test_an_undo_naming_a_fresh_like_finds_the_actor_s_support(node: Node) -> None:
    """Lemmy undoes a vote with a new Like (its own id) of the same object."""
    _, _, public_id = await _circle(node)
    async with node.sessions.begin() as session:
        group_actor, group, post = await _hosted(session, public_id)
        pat = await _person(session, PAT, node.now)
        await remote_members.request_to_join(
            session, group_actor, group, pat, follow_uri=f"{PAT}/follows/1", now=node.now
        )
        await reactions.store_remote_reaction(session, post, pat, activity_uri=LIKE, now=node.now)
        assert await reactions.remove_remote_reaction(
            session,
            post,
            pat,
            like_uri=f"{PAT}/activities/like/2",
            activity_uri=f"{PAT}/activities/undo/2",
            now=node.now,
        )
        assert await _count(session) == 0
        # The group tells its members of the Like they know: the one it announced.
        assert (await _events(session))[-1][1]["like_uri"] == LIKE


async def test_outsiders_and_banned_members_cannot_react_in_a_group_hosted_here(
    node: Node,
) -> None:
    _, _, public_id = await _circle(node)
    async with node.sessions.begin() as session:
        group_actor, group, post = await _hosted(session, public_id)
        pat = await _person(session, PAT, node.now)
        with pytest.raises(PermissionDenied, match="not a member"):
            await reactions.store_remote_reaction(
                session, post, pat, activity_uri=LIKE, now=node.now
            )
        await remote_members.request_to_join(
            session, group_actor, group, pat, follow_uri=f"{PAT}/follows/1", now=node.now
        )
        membership = await remote_members.membership_of(session, group, pat)
        assert membership is not None
        membership.state = MembershipState.BANNED
        with pytest.raises(PermissionDenied, match="banned"):
            await reactions.store_remote_reaction(
                session, post, pat, activity_uri=LIKE, now=node.now
            )
        assert await _count(session) == 0


async def test_a_deleted_post_takes_no_support(node: Node) -> None:
    _, ben, public_id = await _circle(node)
    await node.run(lambda s: writing.delete_post(s, ben, public_id, now=node.now))
    async with node.sessions.begin() as session:
        group_actor, group, post = await _hosted(session, public_id)
        pat = await _person(session, PAT, node.now)
        await remote_members.request_to_join(
            session, group_actor, group, pat, follow_uri=f"{PAT}/follows/1", now=node.now
        )
        assert not await reactions.store_remote_reaction(
            session, post, pat, activity_uri=LIKE, now=node.now
        )
        assert await _count(session) == 0


async def test_support_in_a_group_hosted_elsewhere_is_kept_but_not_shared(node: Node) -> None:
    async with node.sessions.begin() as session:
        group_actor = await upsert_remote_actor(
            session,
            uri="https://peer.example/c/circle",
            kind=ActorKind.GROUP,
            handle="circle",
            domain="peer.example",
            display_name="Circle",
            summary="",
            now=node.now,
        )
        group = await remote_groups.upsert_remote_group(
            session,
            group_actor,
            join_policy=JoinPolicy.OPEN,
            posting_restricted_to_moderators=False,
            visibility=Visibility.PUBLIC,
        )
        sam = await _person(session, SAM, node.now)
        post = await remote_posts.store_remote_post(
            session,
            uri=f"{SAM}/notes/1",
            author=sam,
            group=group,
            in_reply_to_uri=None,
            title="Hi",
            content_html="<p>hi</p>",
            content_warning="",
            language="en",
            published_at=node.now,
            edited_at=None,
            now=node.now,
        )
        pat = await _person(session, PAT, node.now)
        # That group's node decides who may react; we keep the count in step.
        assert await reactions.store_remote_reaction(
            session, post, pat, activity_uri=LIKE, now=node.now
        )
        assert await reactions.remove_remote_reaction(
            session, post, pat, like_uri=LIKE, activity_uri=f"{PAT}/undo/1", now=node.now
        )
        assert await _events(session) == []
