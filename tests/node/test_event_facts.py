"""What node tells whoever sends its events on: the events in order, and the facts each
is about, as values (``node.federated.actors``, ``audiences``, ``follow_requests``, ``group_posts``,
``reaction_records``, ``ban_records``, ``report_forwarding``), with their write-backs."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import follows, moderation, rules
from node.actors import upsert_remote_actor
from node.events import EventKind, PendingEvent, claim_undispatched, mark_dispatched, record
from node.federated.actors import KnownActor, actor_by_id, find_actor_by_id, find_group_by_actor_id
from node.federated.audiences import accepted_follower_ids, approved_member_ids
from node.federated.ban_records import standing_ban
from node.federated.follow_requests import follow_request, join_request, remember_request_uri
from node.federated.outgoing_posts import post_in_group, shared_view
from node.federated.reaction_records import reaction_record, remember_reaction_uri
from node.federated.report_forwarding import mark_forwarded, report_to_forward
from node.groups import remote_groups
from node.kinds import ActorKind, JoinPolicy, NodeRole, ReportState, Visibility
from node.passwords import Passwords
from node.posts import support, writing
from node.reports import filing
from node.rules import RuleChange
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.moderation import Report
from node.storage.models.posts import Post
from node.views import Viewer
from tests.node.factories import Node

PAT = "https://peer.example/users/pat"
CIRCLE_ELSEWHERE = "https://peer.example/c/circle"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _remote(session: AsyncSession, uri: str, kind: ActorKind, now: datetime) -> Actor:
    handle = uri.rsplit("/", 1)[1]
    return await upsert_remote_actor(
        session,
        uri=uri,
        kind=kind,
        handle=handle,
        domain="peer.example",
        display_name=handle,
        summary="",
        now=now,
    )


async def _pending(node: Node) -> list[PendingEvent]:
    return await node.run(lambda s: claim_undispatched(s, limit=100))


async def _the(node: Node, kind: EventKind) -> PendingEvent:
    [event] = [e for e in await _pending(node) if e.kind is kind]
    return event


async def _uri_of(node: Node, viewer: Viewer) -> str:
    return (await node.run(lambda s: actor_by_id(s, viewer.actor_id))).uri


async def test_events_are_claimed_oldest_first_until_marked_dispatched(node: Node) -> None:
    ana = await node.member("ana")

    async def happen(session: AsyncSession) -> None:
        for n in range(3):
            await record(
                session, EventKind.POST_DELETED, actor_id=ana.actor_id, subject_id=n, now=node.now
            )

    await node.run(happen)
    first = await node.run(lambda s: claim_undispatched(s, limit=2))
    assert [(e.kind, e.actor_id, e.subject_id, e.data) for e in first] == [
        (EventKind.POST_DELETED, ana.actor_id, 0, {}),
        (EventKind.POST_DELETED, ana.actor_id, 1, {}),
    ]
    await node.run(lambda s: mark_dispatched(s, [e.id for e in first], now=node.now))
    rest = await _pending(node)
    assert [e.subject_id for e in rest] == [2]


async def test_a_follow_of_a_member_elsewhere_keeps_the_id_it_went_out_with(node: Node) -> None:
    ana = await node.member("ana")

    async def follow_pat(session: AsyncSession) -> None:
        pat = await _remote(session, PAT, ActorKind.PERSON, node.now)
        await follows.request_follow(
            session, await session.get_one(Actor, ana.actor_id), pat, now=node.now
        )

    await node.run(follow_pat)
    event = await _the(node, EventKind.FOLLOW_REQUESTED)
    assert event.subject_id is not None
    request = await node.run(lambda s: follow_request(s, event.subject_id or 0))
    assert request is not None
    assert not request.joins_group
    assert request.follower == KnownActor(
        ana.actor_id, await _uri_of(node, ana), ActorKind.PERSON, local=True
    )
    assert (request.followee.uri, request.followee.local, request.uri) == (PAT, False, None)
    await node.run(lambda s: remember_request_uri(s, request, "https://node.test/activities/f"))
    again = await node.run(lambda s: follow_request(s, event.subject_id or 0))
    assert again is not None
    assert again.uri == "https://node.test/activities/f"
    assert await node.run(lambda s: follow_request(s, 10_000)) is None


async def test_a_join_is_a_follow_of_the_groups_actor(node: Node) -> None:
    ana = await node.member("ana")

    async def known_group(session: AsyncSession) -> None:
        actor = await _remote(session, CIRCLE_ELSEWHERE, ActorKind.GROUP, node.now)
        await remote_groups.upsert_remote_group(
            session, actor, join_policy=JoinPolicy.OPEN, posting_restricted_to_moderators=False
        )

    await node.run(known_group)
    await node.join(ana, "circle@peer.example")
    event = await _the(node, EventKind.JOIN_REQUESTED)
    request = await node.run(lambda s: join_request(s, event.subject_id or 0))
    assert request is not None
    assert request.joins_group
    assert (request.follower.id, request.followee.uri, request.uri) == (
        ana.actor_id,
        CIRCLE_ELSEWHERE,
        None,
    )
    await node.run(lambda s: remember_request_uri(s, request, "https://node.test/activities/j"))
    again = await node.run(lambda s: join_request(s, event.subject_id or 0))
    assert again is not None
    assert again.uri == "https://node.test/activities/j"


async def test_a_post_with_its_group_its_author_and_who_hears_of_it(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", join_policy=JoinPolicy.OPEN)
    await node.group(ana, "quiet", visibility=Visibility.PRIVATE, join_policy=JoinPolicy.OPEN)
    await node.join(ben, "circle")
    written = await node.post(ben, "circle", "Hard week.")
    quiet = await node.post(ana, "quiet", "Hush.")

    async def facts(session: AsyncSession, public_id: str) -> tuple[int, int]:
        row = await session.scalar(select(Post).where(Post.public_id == public_id))
        assert row is not None
        return row.id, row.group_id

    post_id, group_id = await node.run(lambda s: facts(s, written.public_id))
    post = await node.run(lambda s: post_in_group(s, post_id))
    assert post is not None
    assert (post.uri, post.local, post.pending, post.gone) == (written.uri, True, False, False)
    assert post.author == KnownActor(
        ben.actor_id, written.author.uri if written.author else "", ActorKind.PERSON, True
    )
    assert (post.group.id, post.group.actor.uri, post.group.public) == (
        group_id,
        written.group.uri,
        True,
    )
    view = await node.run(lambda s: shared_view(s, post))
    assert (view.uri, view.content_html, view.supported_by_me) == (
        written.uri,
        written.content_html,
        False,
    )
    quiet_id, _ = await node.run(lambda s: facts(s, quiet.public_id))
    private = await node.run(lambda s: post_in_group(s, quiet_id))
    assert private is not None
    assert not private.group.public
    assert await node.run(lambda s: approved_member_ids(s, group_id)) == [
        ana.actor_id,
        ben.actor_id,
    ]
    await node.run(lambda s: writing.delete_post(s, ben, written.public_id, now=node.now))
    deleted = await node.run(lambda s: post_in_group(s, post_id))
    assert deleted is not None
    assert deleted.gone
    assert await node.run(lambda s: post_in_group(s, 10_000)) is None


async def test_followers_elsewhere_are_named_by_their_actors(node: Node) -> None:
    ana = await node.member("ana")

    async def pat_follows_ana(session: AsyncSession) -> int:
        pat = await _remote(session, PAT, ActorKind.PERSON, node.now)
        ana_actor = await session.get_one(Actor, ana.actor_id)
        await follows.request_follow(session, pat, ana_actor, activity_uri=f"{PAT}#f", now=node.now)
        return pat.id

    pat_id = await node.run(pat_follows_ana)
    assert await node.run(lambda s: accepted_follower_ids(s, ana.actor_id)) == [pat_id]
    assert await node.run(lambda s: accepted_follower_ids(s, pat_id)) == []


async def test_our_members_support_gets_its_id_when_it_is_sent(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", join_policy=JoinPolicy.OPEN)
    await node.join(ben, "circle")
    written = await node.post(ben, "circle", "Hard week.")
    await node.run(lambda s: support.set_support(s, ana, written.public_id, on=True, now=node.now))
    event = await _the(node, EventKind.REACTED)
    reaction = await node.run(lambda s: reaction_record(s, event.subject_id or 0))
    assert reaction is not None
    assert reaction.uri is None
    assert (reaction.actor.id, reaction.post.uri, reaction.post.author.id) == (
        ana.actor_id,
        written.uri,
        ben.actor_id,
    )
    await node.run(lambda s: remember_reaction_uri(s, reaction.id, "https://node.test/a/like"))
    again = await node.run(lambda s: reaction_record(s, event.subject_id or 0))
    assert again is not None
    assert again.uri == "https://node.test/a/like"
    await node.run(lambda s: support.set_support(s, ana, written.public_id, on=False, now=node.now))
    assert await node.run(lambda s: reaction_record(s, event.subject_id or 0)) is None


async def test_a_ban_names_its_group_and_member_until_it_is_lifted(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", join_policy=JoinPolicy.OPEN)
    await node.join(ben, "circle")
    ben_uri = await _uri_of(node, ben)
    await node.run(
        lambda s: moderation.ban_member(
            s, node.site, ana, "circle", "ben", reason="rude", now=node.now
        )
    )
    event = await _the(node, EventKind.MEMBER_BANNED)
    ban = await node.run(lambda s: standing_ban(s, event.subject_id or 0))
    assert ban is not None
    assert (ban.member.uri, ban.group.actor.local, ban.group.public) == (ben_uri, True, True)
    group = await node.run(lambda s: find_group_by_actor_id(s, ban.group.actor.id))
    assert group == ban.group
    assert await node.run(lambda s: find_group_by_actor_id(s, ben.actor_id)) is None
    assert await node.run(lambda s: find_group_by_actor_id(s, None)) is None
    assert await node.run(lambda s: find_actor_by_id(s, 10_000)) is None
    await node.run(
        lambda s: moderation.unban_member(s, node.site, ana, "circle", "ben", now=node.now)
    )
    assert await node.run(lambda s: standing_ban(s, event.subject_id or 0)) is None


async def test_a_report_goes_on_with_its_rules_title_and_notes_when_it_did(node: Node) -> None:
    admin = await node.member("dora", role=NodeRole.ADMIN)
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", join_policy=JoinPolicy.OPEN)
    await node.join(ben, "circle")
    written = await node.post(ben, "circle", "Buy my pills")
    await node.run(lambda s: rules.set_node_rules(s, admin, [RuleChange("No selling")]))
    [rule] = await node.run(rules.list_node_rules)
    made = await node.run(
        lambda s: filing.file_report(
            s,
            node.site,
            ana,
            post_id=written.public_id,
            reason="spam",
            node_rule_id=rule.id,
            forward=True,
            now=node.now,
        )
    )

    async def row_of(session: AsyncSession) -> Report:
        row = await session.scalar(select(Report).where(Report.public_id == made.public_id))
        assert row is not None
        return row

    report_id = (await node.run(row_of)).id
    report = await node.run(lambda s: report_to_forward(s, report_id))
    assert report is not None
    assert (report.target_uri, report.post_uri, report.reason, report.rule_title) == (
        written.uri,
        written.uri,
        "spam",
        "No selling",
    )
    assert report.forward
    assert report.target.id == ben.actor_id
    assert report.group is not None
    assert report.group.uri == written.group.uri
    await node.run(lambda s: mark_forwarded(s, report_id, now=node.now))
    assert (await node.run(row_of)).forwarded_at == node.now


async def test_a_report_from_elsewhere_is_not_sent_on(node: Node) -> None:
    async def flagged(session: AsyncSession) -> int:
        pat = await _remote(session, PAT, ActorKind.PERSON, node.now)
        report = Report(
            public_id="R1",
            uri=f"{PAT}#flag",
            local=False,
            reporter_id=pat.id,
            target_uri=PAT,
            target_actor_id=pat.id,
            reason="",
            forward=False,
            state=ReportState.OPEN,
            resolution="",
            created_at=node.now,
        )
        session.add(report)
        await session.flush()
        return report.id

    report_id = await node.run(flagged)
    assert await node.run(lambda s: report_to_forward(s, report_id)) is None
