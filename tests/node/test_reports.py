"""Reports: made by members here or arriving as Flags, seen and worked by the right people."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import moderation, pending_posts, rules
from node.actors import upsert_remote_actor
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.groups import creation, remote_groups
from node.kinds import (
    ActorKind,
    GroupRole,
    JoinPolicy,
    MembershipState,
    ModAction,
    NodeRole,
    ReportState,
    Visibility,
)
from node.passwords import Passwords
from node.posts import remote_posts, removal, writing
from node.reports import filing, remote_reports, report_queue, report_views
from node.rules import RuleChange
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.events import Event
from node.storage.models.groups import Group, Membership
from node.storage.models.moderation import ModerationEntry
from node.storage.models.posts import Post
from node.views import PostView, Viewer
from tests.node.factories import Node

FAR = "https://far.example"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def circle(node: Node) -> tuple[Viewer, Viewer, Viewer, PostView]:
    """``ana`` owns ``circle``; ``ben`` and ``cat`` joined; ``cat`` posted in it."""
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    await node.group(ana, "circle", rules=[creation.RuleInput("Be kind")])
    for member in (ben, cat):
        await node.join(member, "circle")
    return ana, ben, cat, await node.post(cat, "circle", "Buy my pills")


async def report(
    node: Node, viewer: Viewer, *, at: datetime | None = None, **fields: Any
) -> report_views.ReportView:
    fields.setdefault("reason", "spam")
    return await node.run(
        lambda s: filing.file_report(s, node.site, viewer, now=at or node.now, **fields)
    )


async def queue(node: Node, viewer: Viewer, **options: Any) -> list[report_views.ReportView]:
    page = await node.run(lambda s: report_queue.list_reports(s, viewer, **options))
    return list(page.items)


async def group_queue(node: Node, viewer: Viewer, **options: Any) -> list[report_views.ReportView]:
    page = await node.run(
        lambda s: report_queue.list_group_reports(s, node.site, viewer, "circle", **options)
    )
    return list(page.items)


async def close(
    node: Node, viewer: Viewer, public_id: str, *, dismiss: bool = False
) -> report_views.ReportView:
    return await node.run(
        lambda s: report_queue.close_report(
            s, viewer, public_id, dismiss=dismiss, note=" done ", now=node.now
        )
    )


async def events(node: Node) -> list[str]:
    async with node.sessions() as session:
        return list(await session.scalars(select(Event.kind).order_by(Event.id)))


# --- made here --------------------------------------------------------------------------


async def test_a_report_goes_to_the_groups_moderators_and_node_staff(node: Node) -> None:
    ana, ben, _, post = await circle(node)
    staff = await node.member("sam", role=NodeRole.MODERATOR)
    made = await report(node, ben, post_id=post.public_id, reason=" Selling drugs ", forward=True)
    assert (made.state, made.local, made.reason, made.post) == (
        ReportState.OPEN,
        True,
        "Selling drugs",
        post.public_id,
    )
    assert made.target_uri == post.uri
    assert made.target_actor is not None
    assert made.target_actor.handle == "cat"
    assert made.group is not None
    assert made.group.handle == "circle"

    [for_staff] = await queue(node, staff)
    assert for_staff.reporter is not None
    assert for_staff.reporter.handle == "ben"
    # The group's moderators see the report, but not who made it.
    for seen in (await queue(node, ana), await group_queue(node, ana)):
        assert [(r.public_id, r.reporter) for r in seen] == [(made.public_id, None)]
    # Nothing travels: the group and the author are both here.
    assert EventKind.REPORT_FILED.value not in await events(node)


async def test_who_reported_sees_the_state_and_nobody_else_sees_anything(node: Node) -> None:
    ana, ben, cat, post = await circle(node)
    made = await report(node, ben, post_id=post.public_id)
    await close(node, ana, made.public_id)
    own = await node.run(lambda s: report_queue.get_report(s, ben, made.public_id))
    assert (own.state, own.full, own.resolution, own.resolved_by) == (
        ReportState.RESOLVED,
        False,
        "",
        None,
    )
    [mine] = await queue(node, ben, mine=True, state=None)
    assert (mine.public_id, mine.resolution) == (made.public_id, "")
    for stranger in (cat, await node.member("dan")):
        with pytest.raises(NotFound):
            await node.run(lambda s, v=stranger: report_queue.get_report(s, v, made.public_id))  # type: ignore[misc]
    with pytest.raises(PermissionDenied):
        await queue(node, ben)  # moderates nothing
    with pytest.raises(PermissionDenied):
        await group_queue(node, ben)


async def test_moderators_of_another_group_see_none_of_it(node: Node) -> None:
    _, ben, _, post = await circle(node)
    other = await node.member("oli")
    await node.group(other, "other")
    made = await report(node, ben, post_id=post.public_id)
    assert await queue(node, other) == []
    with pytest.raises(NotFound):
        await node.run(lambda s: report_queue.get_report(s, other, made.public_id))
    with pytest.raises(PermissionDenied):
        await group_queue(node, other)


async def test_resolving_and_dismissing_are_logged(node: Node) -> None:
    ana, ben, _, post = await circle(node)
    staff = await node.member("sam", role=NodeRole.ADMIN)
    about_post = await report(node, ben, post_id=post.public_id)
    about_member = await report(node, ben, acct="cat", reason="rude in messages")
    done = await close(node, ana, about_post.public_id)
    assert (done.state, done.resolution, done.resolved_at) == (
        ReportState.RESOLVED,
        "done",
        node.now,
    )
    assert done.resolved_by is not None
    assert done.resolved_by.handle == "ana"
    dismissed = await close(node, staff, about_member.public_id, dismiss=True)
    assert dismissed.state is ReportState.DISMISSED
    with pytest.raises(Conflict):
        await close(node, ana, about_post.public_id)
    # A group's moderator cannot close a report about no group of theirs.
    with pytest.raises(NotFound):
        await close(node, ana, about_member.public_id)

    [entry] = (await node.run(lambda s: moderation.list_log(s, node.site, None, "circle"))).items
    # The log says what was done, not the moderators' note.
    assert (entry.action, entry.target_uri, entry.reason) == (
        ModAction.RESOLVE_REPORT,
        post.uri,
        "",
    )
    async with node.sessions() as session:
        node_level = (
            await session.scalars(select(ModerationEntry).where(ModerationEntry.group_id.is_(None)))
        ).all()
    assert [(e.action, e.target_uri) for e in node_level] == [
        (ModAction.DISMISS_REPORT, node.site.member_uri("cat"))
    ]


async def test_the_reporter_cannot_close_their_report(node: Node) -> None:
    _, ben, _, post = await circle(node)
    made = await report(node, ben, post_id=post.public_id)
    with pytest.raises(PermissionDenied):
        await close(node, ben, made.public_id)


async def test_no_reporting_oneself(node: Node) -> None:
    _, _, cat, post = await circle(node)
    with pytest.raises(PermissionDenied):
        await report(node, cat, post_id=post.public_id)
    with pytest.raises(PermissionDenied):
        await report(node, cat, acct="cat")


async def test_a_second_report_while_the_first_is_open_is_refused(node: Node) -> None:
    ana, ben, _, post = await circle(node)
    first = await report(node, ben, post_id=post.public_id)
    with pytest.raises(Conflict):
        await report(node, ben, post_id=post.public_id, reason="still spam")
    # Someone else may report it too, and once closed it may be reported again.
    await report(node, ana, post_id=post.public_id)
    await close(node, ana, first.public_id, dismiss=True)
    again = await report(node, ben, post_id=post.public_id, reason="back again")
    assert again.public_id != first.public_id


async def test_cited_rules_must_be_the_groups_or_the_nodes(node: Node) -> None:
    ana, ben, _, post = await circle(node)
    admin = await node.member("ada", role=NodeRole.ADMIN)
    [group_rule] = await node.run(lambda s: rules.list_group_rules(s, node.site, ben, "circle"))
    [node_rule] = await node.run(
        lambda s: rules.set_node_rules(s, admin, [RuleChange("No selling")])
    )
    await node.group(ana, "other", rules=[creation.RuleInput("Other rule")])
    [other_rule] = await node.run(lambda s: rules.list_group_rules(s, node.site, ben, "other"))

    cited = await report(
        node,
        ben,
        post_id=post.public_id,
        reason="",
        group_rule_id=group_rule.id,
        node_rule_id=node_rule.id,
    )
    assert cited.group_rule == report_views.CitedRule(group_rule.id, "Be kind")
    assert cited.node_rule == report_views.CitedRule(node_rule.id, "No selling")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"post_id": post.public_id, "group_rule_id": other_rule.id}, "group_rule_id"),
        ({"post_id": post.public_id, "node_rule_id": 999_999}, "node_rule_id"),
        ({"post_id": post.public_id, "node_rule_id": 2**40}, "node_rule_id"),
        ({"acct": "cat", "group_rule_id": group_rule.id}, "group_rule_id"),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as error:
            await report(node, ana, **fields)
        assert error.value.field == field


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": "x" * 1001}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"acct": "cat"}, "post_id"),  # both
        ({"post_id": None}, "post_id"),  # neither
    ],
)
async def test_bad_reports_name_the_field(node: Node, fields: dict[str, Any], field: str) -> None:
    _, ben, _, post = await circle(node)
    with pytest.raises(InvalidInput) as error:
        await report(node, ben, **{"post_id": post.public_id, **fields})
    assert error.value.field == field


async def test_what_cannot_be_seen_cannot_be_reported(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "quiet", visibility=Visibility.PRIVATE, join_policy=JoinPolicy.APPROVAL)
    secret = await node.post(ana, "quiet", "Only for us")
    with pytest.raises(NotFound):
        await report(node, ben, post_id=secret.public_id)
    with pytest.raises(NotFound):
        await report(node, ben, acct="nobody")
    with pytest.raises(NotFound):
        await report(node, ben, post_id="01NOTAPOST")


async def test_a_deleted_post_is_not_reported(node: Node) -> None:
    _, ben, cat, post = await circle(node)
    await node.run(lambda s: writing.delete_post(s, cat, post.public_id, now=node.now))
    with pytest.raises(Conflict):
        await report(node, ben, post_id=post.public_id)


async def test_a_post_already_removed_is_not_reported_again(node: Node) -> None:
    """Removal keeps the text (so it can be restored), but the post is dealt with: no new
    report about it, from here or from another node."""
    ana, ben, _, post = await circle(node)
    await node.run(
        lambda s: removal.remove_post(s, ana, post.public_id, reason="spam", now=node.now)
    )
    with pytest.raises(Conflict):
        await report(node, ben, post_id=post.public_id)
    assert await receive(node, f"{FAR}/flag/removed", [post.uri]) == []


async def test_the_queue_filters_by_state_and_pages_newest_first(node: Node) -> None:
    ana, ben, cat, _ = await circle(node)
    made = []
    for minute in range(3):
        post = await node.post(cat, "circle", f"Post {minute}")
        at = node.now + timedelta(minutes=minute)
        made.append((await report(node, ben, post_id=post.public_id, at=at)).public_id)
    await close(node, ana, made[0])
    page = await node.run(lambda s: report_queue.list_reports(s, ana, limit=1))
    assert [r.public_id for r in page.items] == [made[2]]
    assert page.next_cursor is not None
    rest = await node.run(lambda s: report_queue.list_reports(s, ana, cursor=page.next_cursor))
    assert [r.public_id for r in rest.items] == [made[1]]
    assert rest.next_cursor is None
    assert [r.public_id for r in await queue(node, ana, state=ReportState.RESOLVED)] == [made[0]]
    assert len(await queue(node, ana, state=None)) == 3


# --- across nodes -----------------------------------------------------------------------


async def far_actor(session: AsyncSession, now: datetime, handle: str, kind: ActorKind) -> Actor:
    return await upsert_remote_actor(
        session,
        uri=f"{FAR}/u/{handle}",
        kind=kind,
        handle=handle,
        domain="far.example",
        display_name=handle,
        summary="",
        now=now,
    )


async def far_group(node: Node) -> None:
    """``faraway`` is a group on far.example, with ``pat`` (there) and ``ben`` (here) in it."""
    async with node.sessions.begin() as session:
        actor = await far_actor(session, node.now, "faraway", ActorKind.GROUP)
        await remote_groups.upsert_remote_group(
            session, actor, join_policy=JoinPolicy.OPEN, posting_restricted_to_moderators=False
        )
        await far_actor(session, node.now, "pat", ActorKind.PERSON)


async def far_post(node: Node, group: str, author: str, n: int) -> Post:
    async with node.sessions.begin() as session:
        group_actor = await session.scalar(select(Actor).where(Actor.handle_key == group))
        assert group_actor is not None
        group_row = await session.scalar(select(Group).where(Group.actor_id == group_actor.id))
        assert group_row is not None
        pat = await session.scalar(select(Actor).where(Actor.uri == f"{FAR}/u/{author}"))
        assert pat is not None
        return await remote_posts.store_remote_post(
            session,
            uri=f"{FAR}/post/{n}",
            author=pat,
            group=group_row,
            in_reply_to_uri=None,
            title="Hi",
            content_html="<p>hi</p>",
            content_warning="",
            language="en",
            published_at=node.now,
            edited_at=None,
            now=node.now,
        )


async def test_a_report_about_a_group_elsewhere_is_recorded_to_travel(node: Node) -> None:
    ben, cat = await node.member("ben"), await node.member("cat")
    await far_group(node)
    for member in (ben, cat):
        await node.join(member, "faraway@far.example")
        await node.set_state(member, "faraway", MembershipState.APPROVED)
    theirs = await far_post(node, "faraway", "pat", 1)
    ours = await node.post(cat, "faraway@far.example", "Hello from here")
    # Cat's post is hers alone until the group shares it: nobody can report it before.
    with pytest.raises(NotFound):
        await report(node, ben, post_id=ours.public_id)
    async with node.sessions.begin() as session:
        post = await session.scalar(select(Post).where(Post.public_id == ours.public_id))
        assert post is not None
        group = await session.get_one(Group, post.group_id)
        assert await pending_posts.shared_elsewhere(session, group, post.uri, now=node.now)
    made = await report(node, ben, post_id=theirs.public_id)
    assert made.group is not None
    assert made.group.domain == "far.example"
    await report(node, ben, post_id=ours.public_id)
    # A member elsewhere: it travels only if the reporter agrees.
    await report(node, ben, acct="pat@far.example", forward=False)
    kinds = await events(node)
    assert kinds.count(EventKind.REPORT_FILED.value) == 2  # both posts: the group is elsewhere
    await report(node, cat, acct="pat@far.example", forward=True)
    assert (await events(node)).count(EventKind.REPORT_FILED.value) == 3


async def test_a_group_elsewhere_is_moderated_there_not_here(node: Node) -> None:
    ben, dan = await node.member("ben"), await node.member("dan")
    await far_group(node)
    for member in (ben, dan):
        await node.join(member, "faraway@far.example")
        await node.set_state(member, "faraway", MembershipState.APPROVED)
    async with node.sessions.begin() as session:  # ben moderates it, on its own node
        await session.execute(
            update(Membership)
            .where(Membership.member_id == ben.actor_id)
            .values(role=GroupRole.MODERATOR)
        )
    post = await far_post(node, "faraway", "pat", 1)
    made = await report(node, dan, post_id=post.public_id)
    staff = await node.member("sam", role=NodeRole.MODERATOR)
    # Node staff close our copy here (the node's own log); the group's moderators work
    # the Flag that reached the group's node.
    with pytest.raises(NotFound):
        await close(node, ben, made.public_id)
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: report_queue.list_group_reports(s, node.site, ben, "faraway@far.example")
        )
    closed = await close(node, staff, made.public_id)
    assert closed.state is ReportState.RESOLVED


async def receive(
    node: Node, uri: str, targets: list[str], reason: str = "bad"
) -> list[tuple[str, str, int | None]]:
    async with node.sessions.begin() as session:
        sender = await far_actor(session, node.now, "instance", ActorKind.APPLICATION)
        made = await remote_reports.receive_flag(
            session, uri=uri, reporter=sender, targets=targets, reason=reason, now=node.now
        )
        return [(r.uri, r.target_uri, r.group_id) for r in made]


async def test_a_flag_about_a_post_in_a_group_here_goes_to_its_moderators(node: Node) -> None:
    ana, _, _, post = await circle(node)
    staff = await node.member("sam", role=NodeRole.ADMIN)
    [(uri, target, group_id)] = await receive(
        node, f"{FAR}/flag/1", [post.uri, node.site.member_uri("cat")]
    )
    assert (uri, target) == (f"{FAR}/flag/1", post.uri)
    assert group_id is not None
    [seen] = await group_queue(node, ana)
    assert (seen.local, seen.reason, seen.reporter, seen.forward) == (False, "bad", None, False)
    [for_staff] = await queue(node, staff)
    assert for_staff.reporter is not None
    assert for_staff.reporter.uri == f"{FAR}/u/instance"
    # The same Flag again changes nothing.
    assert await receive(node, f"{FAR}/flag/1", [post.uri]) == []
    assert len(await queue(node, staff)) == 1


async def test_a_flag_naming_an_account_and_its_posts_makes_a_report_per_post(
    node: Node,
) -> None:
    ana, _, cat, post = await circle(node)
    second = await node.post(cat, "circle", "More pills")
    cat_uri = node.site.member_uri("cat")
    made = await receive(
        node, f"{FAR}/flag/2", [cat_uri, post.uri, second.uri, f"{FAR}/post/unknown"]
    )
    assert [(uri, target) for uri, target, _ in made] == [
        (f"{FAR}/flag/2", post.uri),
        (f"{FAR}/flag/2#2", second.uri),
    ]
    # An account alone, ours: a report for the node's staff (no group).
    [(_, target, group_id)] = await receive(node, f"{FAR}/flag/3", [cat_uri])
    assert (target, group_id) == (cat_uri, None)
    assert len(await group_queue(node, ana)) == 2


async def test_a_flag_about_nothing_of_ours_makes_no_report(node: Node) -> None:
    ben = await node.member("ben")
    await far_group(node)
    await node.join(ben, "faraway@far.example")
    theirs = await far_post(node, "faraway", "pat", 1)
    # Their post in their group (we hold a copy), their member, things we never saw.
    assert await receive(node, f"{FAR}/flag/4", [theirs.uri, f"{FAR}/u/pat"]) == []
    assert await receive(node, f"{FAR}/flag/5", [f"{FAR}/post/404"]) == []
    assert await receive(node, f"{FAR}/flag/6", []) == []


async def test_a_flag_about_our_members_post_in_a_group_elsewhere_is_the_nodes(
    node: Node,
) -> None:
    cat = await node.member("cat")
    staff = await node.member("sam", role=NodeRole.MODERATOR)
    await far_group(node)
    await node.join(cat, "faraway@far.example")
    await node.set_state(cat, "faraway", MembershipState.APPROVED)
    ours = await node.post(cat, "faraway@far.example", "Hello from here")
    [(_, target, _)] = await receive(
        node, f"{FAR}/flag/7", [ours.uri, node.site.member_uri("cat")], reason="x" * 5000
    )
    assert target == ours.uri
    [seen] = await queue(node, staff)
    assert len(seen.reason) == filing.REASON_MAX
    closed = await close(node, staff, seen.public_id)
    assert closed.state is ReportState.RESOLVED
    async with node.sessions() as session:
        entry = await session.scalar(select(ModerationEntry))
    assert entry is not None
    assert (entry.group_id, entry.action) == (None, ModAction.RESOLVE_REPORT)
