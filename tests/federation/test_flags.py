"""Reports across nodes: each server's captured ``Flag`` read into reports here, and the
``Flag`` this node sends (from its instance actor, never naming the member)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers.flags import on_flag
from federation.outbox.dispatch import dispatch_once
from federation.protocol.activities import reason_with_rule
from federation.protocol.readings import read_activity
from federation.protocol.vocab import AS_CONTEXT
from federation.tables import Delivery, OutgoingActivity, RemoteActor
from node import rules
from node.actors import upsert_remote_actor
from node.federation_policy import storage
from node.groups import remote_groups
from node.kinds import ActorKind, GroupRole, JoinPolicy, MembershipState, NodeRole
from node.posts import remote_posts
from node.reports import filing, report_queue
from node.rules import RuleChange
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.moderation import Report
from node.storage.models.posts import Post
from node.views import Viewer
from tests.node.factories import Node
from tests.shared_fixtures import SHARED_FIXTURES, activitypub_fixture

MBIN_FLAG_SNAPSHOT = (
    SHARED_FIXTURES
    / "activitypub-extra/MbinOrg+mbin/tests/Unit/ActivityPub/Outbox/JsonSnapshots"
    / "FlagTest__testFlagPost__1.json"
)


def mbin_snapshot() -> dict[str, Any]:
    """Mbin's own outbound Flag, its scrubbed ids made real."""
    document: dict[str, Any] = json.loads(MBIN_FLAG_SNAPSHOT.read_text(encoding="utf-8"))
    document["id"] = "https://kbin.test/reports/1"
    document["object"] = "https://kbin.test/m/test/t/1"
    return document


# (the Flag, the kind of its actor, posts of a group here it names, with their authors, reason)
SERVERS: dict[str, tuple[Callable[[], dict[str, Any]], ActorKind, list[tuple[str, str]], str]] = {
    "lemmy": (
        lambda: activitypub_fixture("lemmy/activities/community/report_page.json"),
        ActorKind.PERSON,
        [("http://enterprise.lemmy.ml/post/7", "http://enterprise.lemmy.ml/u/writer")],
        "report this post",
    ),
    "mastodon": (
        lambda: activitypub_fixture("mastodon/activities/flag.json"),
        ActorKind.APPLICATION,
        [
            ("https://example.com/posts/380590", "https://example.com/users/1"),
            ("https://example.com/posts/380591", "https://example.com/users/1"),
        ],
        "Please take a look at this user and their posts",
    ),
    "mbin": (
        lambda: activitypub_fixture("mbin/activities/flag.json"),
        ActorKind.PERSON,
        [("https://lemmy-test/post/4", "https://lemmy-test/u/BentiGorlich")],
        "dikjhgasdpas dsaü",
    ),
    "mbin-snapshot": (
        mbin_snapshot,
        ActorKind.PERSON,
        [("https://kbin.test/m/test/t/1", "https://kbin.test/u/writer")],
        "",  # Mbin sends null when no reason is given
    ),
}


async def remote(session: AsyncSession, node: Node, uri: str, kind: ActorKind) -> Actor:
    handle = uri.rstrip("/").rsplit("/", 1)[-1]
    domain = uri.split("/")[2]
    return await upsert_remote_actor(
        session,
        uri=uri,
        kind=kind,
        handle=handle,
        domain=domain,
        display_name=handle,
        summary="",
        now=node.now,
    )


async def group_row(session: AsyncSession, handle: str) -> Group:
    group = await session.scalar(
        select(Group).join(Actor, Actor.id == Group.actor_id).where(Actor.handle_key == handle)
    )
    assert group is not None
    return group


async def posted_here(node: Node, held: list[tuple[str, str]]) -> None:
    """``circle`` is a group here; each author (elsewhere) joined it and wrote the post."""
    ana = await node.member("ana")
    await node.group(ana, "circle")
    async with node.sessions.begin() as session:
        group = await group_row(session, "circle")
        for post_uri, author_uri in held:
            author = await remote(session, node, author_uri, ActorKind.PERSON)
            joined = select(Membership).where(Membership.member_id == author.id)
            if await session.scalar(joined) is None:
                session.add(
                    Membership(
                        group_id=group.id,
                        member_id=author.id,
                        state=MembershipState.APPROVED,
                        role=GroupRole.MEMBER,
                        created_at=node.now,
                        updated_at=node.now,
                    )
                )
                await session.flush()
            await remote_posts.store_remote_post(
                session,
                uri=post_uri,
                author=author,
                group=group,
                in_reply_to_uri=None,
                title="A post",
                content_html="<p>hi</p>",
                content_warning="",
                language="en",
                published_at=node.now,
                edited_at=None,
                now=node.now,
            )


async def take(fed: Federation, node: Node, flag: dict[str, Any], kind: ActorKind) -> None:
    """What the inbox worker does with a Flag, once prefetch has stored its actor."""
    async with node.sessions.begin() as session:
        await remote(session, node, flag["actor"], kind)
    async with node.sessions.begin() as session:
        await on_flag(fed, session, read_activity(flag), None)


async def stored(node: Node) -> list[Report]:
    async with node.sessions() as session:
        return list(await session.scalars(select(Report).order_by(Report.id)))


@pytest.mark.parametrize("server", list(SERVERS))
async def test_each_servers_flag_becomes_a_report_for_the_groups_moderators(
    fed: Federation, node: Node, server: str
) -> None:
    make, kind, held, reason = SERVERS[server]
    flag = make()
    await posted_here(node, held)
    await take(fed, node, flag, kind)
    made = await stored(node)
    assert [r.target_uri for r in made] == [post for post, _ in held]
    assert made[0].uri == flag["id"]
    assert {(r.local, r.reason, r.state.value, r.group_id is not None) for r in made} == {
        (False, reason, "open", True)
    }
    ana = await node.run(lambda s: _viewer(s, "ana"))
    queue = await node.run(lambda s: report_queue.list_group_reports(s, node.site, ana, "circle"))
    assert len(queue.items) == len(held)
    # The same Flag delivered again adds nothing.
    await take(fed, node, flag, kind)
    assert len(await stored(node)) == len(held)


async def _viewer(session: AsyncSession, handle: str) -> Viewer:
    actor = await session.scalar(select(Actor).where(Actor.handle_key == handle, Actor.local))
    assert actor is not None
    return Viewer(account_id=0, actor_id=actor.id, role=NodeRole.MEMBER)


async def test_a_flag_from_a_domain_whose_reports_are_rejected_makes_none(
    fed: Federation, node: Node
) -> None:
    make, kind, held, _ = SERVERS["lemmy"]
    await posted_here(node, held)
    await node.run(lambda s: storage.set_rule(s, "ds9.lemmy.ml", "reject-reports", now=node.now))
    fed.policy.invalidate()
    await take(fed, node, make(), kind)
    assert await stored(node) == []


async def test_a_flag_about_nothing_we_hold_is_ignored_without_error(
    fed: Federation, node: Node
) -> None:
    make, kind, _, _ = SERVERS["mastodon"]
    await take(fed, node, make(), kind)
    assert await stored(node) == []


async def test_a_flag_a_group_announces_is_not_taken(fed: Federation, node: Node) -> None:
    make, kind, held, _ = SERVERS["lemmy"]
    await posted_here(node, held)
    flag = make()
    async with node.sessions.begin() as session:
        await remote(session, node, flag["actor"], kind)
        await on_flag(fed, session, read_activity(flag), "http://enterprise.lemmy.ml/c/main")
    assert await stored(node) == []


# --- the Flag we send -------------------------------------------------------------------

FAR_GROUP = "https://far.example/c/faraway"
THIRD_AUTHOR = "https://third.example/u/pat"


async def far_world(node: Node, author: str = THIRD_AUTHOR) -> tuple[Viewer, str]:
    """``ben`` (here) belongs to ``faraway`` on far.example, where ``author`` posted."""
    ben = await node.member("ben")
    async with node.sessions.begin() as session:
        group_actor = await remote(session, node, FAR_GROUP, ActorKind.GROUP)
        group = await remote_groups.upsert_remote_group(
            session,
            group_actor,
            join_policy=JoinPolicy.OPEN,
            posting_restricted_to_moderators=False,
        )
        writer = await remote(session, node, author, ActorKind.PERSON)
        host = author.split("/")[2]
        session.add_all(
            [
                RemoteActor(
                    actor_id=group_actor.id,
                    inbox=f"{FAR_GROUP}/inbox",
                    shared_inbox="https://far.example/inbox",
                    fetched_at=node.now,
                ),
                RemoteActor(
                    actor_id=writer.id,
                    inbox=f"{author}/inbox",
                    shared_inbox=f"https://{host}/inbox",
                    fetched_at=node.now,
                ),
                Membership(
                    group_id=group.id,
                    member_id=ben.actor_id,
                    state=MembershipState.APPROVED,
                    role=GroupRole.MEMBER,
                    created_at=node.now,
                    updated_at=node.now,
                ),
            ]
        )
        post = await remote_posts.store_remote_post(
            session,
            uri=f"{author}/post/1",
            author=writer,
            group=group,
            in_reply_to_uri=None,
            title="Pills",
            content_html="<p>cheap</p>",
            content_warning="",
            language="en",
            published_at=node.now,
            edited_at=None,
            now=node.now,
        )
        return ben, post.public_id


async def flags_queued(node: Node) -> list[tuple[dict[str, Any], list[str]]]:
    """Each Flag on the delivery queue, with the inboxes it goes to."""
    async with node.sessions() as session:
        queued = []
        for outgoing in await session.scalars(select(OutgoingActivity)):
            activity: dict[str, Any] = json.loads(outgoing.payload)
            if activity["type"] == "Flag":
                statement = select(Delivery.inbox).where(Delivery.activity_id == outgoing.id)
                queued.append((activity, sorted(await session.scalars(statement))))
    return queued


async def sent(node: Node) -> tuple[dict[str, Any], list[str]]:
    """Dispatch what is pending; the one Flag queued and the inboxes it goes to."""
    async with node.sessions.begin() as session:
        await dispatch_once(session, node.site, now=node.now)
    [(flag, inboxes)] = await flags_queued(node)
    return flag, inboxes


async def test_a_report_about_a_group_elsewhere_goes_to_the_group_and_the_authors_node(
    node: Node,
) -> None:
    ben, post_id = await far_world(node)
    admin = await node.member("ada", role=NodeRole.ADMIN)
    [rule] = await node.run(lambda s: rules.set_node_rules(s, admin, [RuleChange("No selling")]))
    made = await node.run(
        lambda s: filing.file_report(
            s,
            node.site,
            ben,
            post_id=post_id,
            reason="Selling pills",
            node_rule_id=rule.id,
            forward=True,
            now=node.now,
        )
    )
    flag, inboxes = await sent(node)
    assert flag == {
        "@context": AS_CONTEXT,
        "id": node.site.report_uri(made.public_id),
        "type": "Flag",
        "actor": f"{node.site.base_url}/actor",
        "object": [f"{THIRD_AUTHOR}/post/1", THIRD_AUTHOR],
        "content": "Selling pills\n\nRule: No selling",
        "summary": "Selling pills\n\nRule: No selling",
        "to": [FAR_GROUP],
        "cc": [THIRD_AUTHOR],
        "audience": FAR_GROUP,
    }
    assert inboxes == [f"{FAR_GROUP}/inbox", "https://third.example/inbox"]
    assert "ben" not in json.dumps(flag)
    seen = await node.run(lambda s: report_queue.get_report(s, ben, made.public_id))
    assert seen.forwarded_at == node.now


async def test_without_consent_only_the_groups_node_is_told(node: Node) -> None:
    ben, post_id = await far_world(node)
    await node.run(
        lambda s: filing.file_report(
            s, node.site, ben, post_id=post_id, reason="spam", now=node.now
        )
    )
    flag, inboxes = await sent(node)
    assert (flag["to"], "cc" in flag, inboxes) == ([FAR_GROUP], False, [f"{FAR_GROUP}/inbox"])


async def test_an_author_on_the_groups_node_is_told_once(node: Node) -> None:
    ben, post_id = await far_world(node, author="https://far.example/u/pat")
    await node.run(
        lambda s: filing.file_report(
            s, node.site, ben, post_id=post_id, reason="spam", forward=True, now=node.now
        )
    )
    _, inboxes = await sent(node)
    assert inboxes == [f"{FAR_GROUP}/inbox"]


async def test_a_member_elsewhere_is_reported_to_their_node_with_consent(node: Node) -> None:
    ben, _ = await far_world(node)
    await node.run(
        lambda s: filing.file_report(
            s,
            node.site,
            ben,
            acct="pat@third.example",
            reason="threats",
            forward=True,
            now=node.now,
        )
    )
    flag, inboxes = await sent(node)
    assert (flag["object"], flag["to"], flag["summary"]) == (
        [THIRD_AUTHOR],
        [THIRD_AUTHOR],
        "threats",
    )
    assert "audience" not in flag
    assert inboxes == ["https://third.example/inbox"]


def test_the_reason_names_the_cited_rule() -> None:
    assert reason_with_rule("spam", None) == "spam"
    assert reason_with_rule("", "Be kind") == "Rule: Be kind"
    assert reason_with_rule("rude", "Be kind") == "rude\n\nRule: Be kind"


async def test_a_report_about_a_group_here_leaves_only_with_consent(node: Node) -> None:
    author = "https://third.example/u/pat"
    await posted_here(node, [(f"{author}/post/9", author)])
    ben, dan = await node.member("ben"), await node.member("dan")
    await node.join(ben, "circle")
    await node.join(dan, "circle")
    async with node.sessions.begin() as session:
        writer = await session.scalar(select(Actor).where(Actor.uri == author))
        assert writer is not None
        session.add(
            RemoteActor(
                actor_id=writer.id,
                inbox=f"{author}/inbox",
                shared_inbox="https://third.example/inbox",
                fetched_at=node.now,
            )
        )
        post_id = await session.scalar(select(Post.public_id).where(Post.uri == f"{author}/post/9"))
    assert post_id is not None
    # The group is moderated here: without consent, nothing leaves ...
    await node.run(
        lambda s: filing.file_report(
            s, node.site, dan, post_id=post_id, reason="spam", now=node.now
        )
    )
    async with node.sessions.begin() as session:
        await dispatch_once(session, node.site, now=node.now)
    assert await flags_queued(node) == []
    # ... with it, the author's node is told.
    await node.run(
        lambda s: filing.file_report(
            s, node.site, ben, post_id=post_id, reason="spam", forward=True, now=node.now
        )
    )
    flag, inboxes = await sent(node)
    circle = node.site.group_uri("circle")
    assert (flag["to"], flag["audience"], "cc" in flag) == ([author], circle, False)
    assert flag["object"] == [f"{author}/post/9", author]
    assert inboxes == ["https://third.example/inbox"]
