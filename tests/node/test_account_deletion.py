"""A member deletes their own account: refused with a wrong password; with the right one
they are signed out for good, their profile is gone, their posts (anonymous ones too)
become tombstones in batches, their conversations end and their ties go, and no one may
take their name."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts, conversations, notifications, stats
from node.account_deletion import audience, deleting, wiping
from node.actors import upsert_remote_actor
from node.errors import AuthenticationFailed, Conflict, Gone, InvalidInput
from node.events import EventKind
from node.export import jobs
from node.federated import ties
from node.federated.actors import known
from node.follows import request_follow
from node.kinds import (
    ActorKind,
    ConversationState,
    GroupRole,
    MembershipState,
    NodeRole,
    NotificationKind,
)
from node.mail import addresses, password_reset
from node.mail.links import LinkNotValid, MailContext
from node.passwords import Passwords
from node.posts import reading
from node.reports import filing, report_queue
from node.site import Site
from node.storage.models.actors import Actor, ApiToken, Follow
from node.storage.models.conversations import Conversation
from node.storage.models.data_exports import DataExport
from node.storage.models.events import Event
from node.storage.models.groups import Group, Membership
from node.storage.models.mail import MailLink, MemberEmail, OutgoingMail
from node.storage.models.notifications import Notification, NotificationSettings
from node.storage.models.posts import Post
from node.storage.models.topic_filters import TopicFilter
from node.topics import filters
from node.views import Viewer
from tests.node.factories import PASSWORD, Node

PAT = "https://peer.example/users/pat"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def delete_own(node: Node, viewer: Viewer, password: str = PASSWORD) -> None:
    await node.run(
        lambda s: deleting.delete_own_account(s, node.passwords, viewer, password, now=node.now)
    )


async def wipe_all(node: Node) -> int:
    total = 0
    while wiped := await node.run(lambda s: wiping.wipe_batch(s, now=node.now)):
        total += wiped
    return total


async def events(node: Node, kind: EventKind) -> int:
    count = await node.run(
        lambda s: s.scalar(select(func.count()).select_from(Event).where(Event.kind == kind))
    )
    return int(count or 0)


async def sign_in(node: Node, handle: str) -> None:
    await node.run(
        lambda s: accounts.authenticate(
            s, node.site, node.passwords, handle=handle, password=PASSWORD
        )
    )


async def circle(node: Node) -> tuple[Viewer, Viewer]:
    """``mo`` runs ``circle`` (anonymous posts allowed), where ``cat`` is a member."""
    mo, cat = await node.member("mo"), await node.member("cat")
    await node.group(mo, "circle")
    async with node.sessions.begin() as session:
        await session.execute(update(Group).values(allow_anonymous_posts=True))
    await node.join(cat, "circle")
    return mo, cat


async def test_a_wrong_password_changes_nothing(node: Node) -> None:
    _, cat = await circle(node)
    post = await node.post(cat, "circle", "Still here", title="mine")

    with pytest.raises(InvalidInput, match="not your password"):
        await delete_own(node, cat, "not my password")

    await sign_in(node, "cat")
    seen = await node.run(lambda s: reading.get_post(s, None, post.public_id))
    assert seen.content_html
    assert not seen.deleted
    assert await events(node, EventKind.ACCOUNT_DELETED) == 0


async def test_a_deleted_account_is_gone_and_its_words_wiped(node: Node) -> None:
    mo, cat = await circle(node)
    thread = await node.post(cat, "circle", "My hard week", title="cat's week")
    answer = await node.reply(mo, thread.public_id, "I hear you")
    echo = await node.reply(cat, thread.public_id, "Thank you")
    hidden = await node.post(cat, "circle", "Nobody knows this", title="anon", anonymous=True)
    token = await node.run(lambda s: accounts.issue_token(s, cat.account_id, now=node.now))
    await node.run(lambda s: filters.set_choices(s, cat, {"self-harm": "hide"}))
    async with node.sessions.begin() as session:
        cat_actor = await session.get_one(Actor, cat.actor_id)
        await request_follow(
            session, await session.get_one(Actor, mo.actor_id), cat_actor, now=node.now
        )
        conversation = await conversations.ask(
            session,
            node.site,
            await session.get_one(Actor, mo.actor_id),
            cat_actor,
            "Talk?",
            node.now,
        )

    await delete_own(node, cat)

    with pytest.raises(AuthenticationFailed):
        await sign_in(node, "cat")
    with pytest.raises(AuthenticationFailed):
        await node.run(lambda s: accounts.viewer_for_token(s, token, now=node.now))
    with pytest.raises(Gone):
        await node.run(lambda s: accounts.get_profile(s, "cat", node.site.domain))
    # Hidden at once, before any batch has run.
    assert (await node.run(lambda s: reading.get_post(s, mo, thread.public_id))).deleted

    assert await wipe_all(node) == 3

    async with node.sessions.begin() as session:
        for public_id in (thread.public_id, echo.public_id, hidden.public_id):
            post = await session.scalar(select(Post).where(Post.public_id == public_id))
            assert post is not None
            assert post.deleted_at is not None
            assert (post.source, post.title, post.content_html) == (None, None, "")
        row = await session.get_one(Conversation, conversation.id)
        assert row.state == ConversationState.DECLINED
        assert row.open_pair is None
        assert (
            await session.scalar(
                select(func.count())
                .select_from(Membership)
                .where(Membership.member_id == cat.actor_id)
            )
            == 0
        )
        assert await session.scalar(select(func.count()).select_from(Follow)) == 0
        assert await session.scalar(select(func.count()).select_from(ApiToken)) == 0
        assert await session.scalar(select(func.count()).select_from(TopicFilter)) == 0
    replies = await node.run(lambda s: reading.list_replies(s, mo, thread.public_id))
    shown = {r.public_id: r for r in replies.items}
    assert shown[answer.public_id].content_html
    assert shown[echo.public_id].deleted
    assert await events(node, EventKind.ACCOUNT_DELETED) == 1
    assert await events(node, EventKind.POST_DELETED) == 3
    assert await wipe_all(node) == 0  # nothing is wiped, or announced, twice


@pytest.mark.parametrize("name", ["cat", "CAT", "Cat"])
async def test_the_name_is_never_given_again(node: Node, name: str) -> None:
    _, cat = await circle(node)
    await delete_own(node, cat)
    with pytest.raises(Conflict, match="taken"):
        await node.member(name)


async def test_wiping_resumes_after_an_interruption(node: Node) -> None:
    _, cat = await circle(node)
    for n in range(3):
        await node.post(cat, "circle", f"Post {n}", title=f"t{n}")
    await delete_own(node, cat)

    assert await node.run(lambda s: wiping.wipe_batch(s, now=node.now, limit=1)) == 1
    # (the worker died here)
    assert await wipe_all(node) == 2
    assert await events(node, EventKind.POST_DELETED) == 3


async def test_a_conversation_with_someone_elsewhere_ends_and_they_are_told(node: Node) -> None:
    _, cat = await circle(node)
    async with node.sessions.begin() as session:
        pat = await upsert_remote_actor(
            session,
            uri=PAT,
            kind=ActorKind.PERSON,
            handle="pat",
            domain="peer.example",
            display_name="Pat",
            summary="",
            now=node.now,
        )
        talk = await conversations.ask(
            session, node.site, await session.get_one(Actor, cat.actor_id), pat, "Hi", node.now
        )
    await delete_own(node, cat)
    async with node.sessions.begin() as session:
        assert (await session.get_one(Conversation, talk.id)).state == ConversationState.ENDED
        event = await session.scalar(select(Event).where(Event.kind == EventKind.ACCOUNT_DELETED))
        assert event is not None
        assert f'"audience":[{pat.id}]' in event.data
    assert await events(node, EventKind.CONVERSATION_ENDED) == 1


async def test_the_last_admin_is_not_deleted(node: Node) -> None:
    ada = await node.member("ada", role=NodeRole.ADMIN)
    with pytest.raises(Conflict, match="only admin"):
        await delete_own(node, ada)
    await sign_in(node, "ada")
    other = await node.member("ops", role=NodeRole.ADMIN)
    await delete_own(node, ada)
    with pytest.raises(Conflict, match="only admin"):
        await delete_own(node, other)


async def test_where_only_anonymous_posts_went_the_actor_is_not_named(node: Node) -> None:
    _, cat = await circle(node)
    async with node.sessions.begin() as session:
        lem = await upsert_remote_actor(
            session,
            uri="https://lemmy.example/u/lem",
            kind=ActorKind.PERSON,
            handle="lem",
            domain="lemmy.example",
            display_name="",
            summary="",
            now=node.now,
        )
        group_id = await session.scalar(select(Group.id))
        assert group_id is not None
        session.add(
            Membership(
                group_id=group_id,
                member_id=lem.id,
                state=MembershipState.APPROVED,
                role=GroupRole.MEMBER,
                created_at=node.now,
                updated_at=node.now,
            )
        )
    await node.post(cat, "circle", "Said without my name", title="anon", anonymous=True)
    assert await node.run(lambda s: audience.holders_of(s, cat.actor_id)) == []
    await node.post(cat, "circle", "Said with my name", title="named")
    assert await node.run(lambda s: audience.holders_of(s, cat.actor_id)) == [lem.id]


async def test_an_account_elsewhere_that_deleted_itself_ends_its_conversations_here(
    node: Node,
) -> None:
    _, cat = await circle(node)
    async with node.sessions.begin() as session:
        pat = await upsert_remote_actor(
            session,
            uri=PAT,
            kind=ActorKind.PERSON,
            handle="pat",
            domain="peer.example",
            display_name="Pat",
            summary="",
            now=node.now,
        )
        talk = await conversations.ask(
            session, node.site, await session.get_one(Actor, cat.actor_id), pat, "Hi", node.now
        )
        await conversations.accept(session, talk.id, pat.id, node.now)
        assert await ties.close_conversations_of(session, known(pat), node.now) == 1
    async with node.sessions.begin() as session:
        row = await session.get_one(Conversation, talk.id)
        assert row.state == ConversationState.ENDED
        assert row.ended_by_id == pat.id


async def test_reports_they_filed_stay_and_say_the_account_was_deleted(node: Node) -> None:
    mo, cat = await circle(node)
    staff = await node.member("sam", role=NodeRole.ADMIN)
    post = await node.post(mo, "circle", "Something unkind", title="mo's")
    await node.run(
        lambda s: filing.file_report(
            s, node.site, cat, post_id=post.public_id, reason="Unkind", now=node.now
        )
    )
    await delete_own(node, cat)
    page = await node.run(lambda s: report_queue.list_reports(s, staff))
    [report] = page.items
    assert report.reason == "Unkind"
    assert report.reporter is not None
    assert report.reporter.handle == "cat"
    assert report.reporter_deleted


async def test_a_deleted_account_is_no_longer_counted_as_a_member(node: Node) -> None:
    _, cat = await circle(node)
    before = await node.run(lambda s: stats.node_stats(s, now=node.now))
    await delete_own(node, cat)
    after = await node.run(lambda s: stats.node_stats(s, now=node.now))
    assert after.members == before.members - 1


async def test_a_groups_only_owner_hands_it_on_first(node: Node) -> None:
    mo, _ = await circle(node)
    with pytest.raises(deleting.SoleOwner, match="only owner of circle") as refused:
        await delete_own(node, mo)
    assert refused.value.groups == ["circle"]
    await sign_in(node, "mo")
    assert await events(node, EventKind.ACCOUNT_DELETED) == 0


async def test_a_deleted_members_archive_goes_with_their_words(node: Node) -> None:
    _, cat = await circle(node)
    await node.post(cat, "circle", "Only mine to take", title="mine")
    await node.run(lambda s: jobs.request_export(s, node.site, cat, now=node.now))

    await delete_own(node, cat)

    archives = await node.run(
        lambda s: s.scalar(
            select(func.count())
            .select_from(DataExport)
            .where(DataExport.account_id == cat.account_id)
        )
    )
    assert archives == 0


async def test_a_deleted_member_is_told_nothing_and_their_notifications_go(node: Node) -> None:
    mo, cat = await circle(node)
    thread = await node.post(cat, "circle", "My hard week", title="cat's week")
    mine = await node.post(mo, "circle", "Mo's news", title="mo's week")
    await node.reply(mo, thread.public_id, "I hear you")  # cat is told
    await node.reply(cat, mine.public_id, "Same here")  # mo is told, naming cat
    await node.run(
        lambda s: notifications.set_quiet_hours(
            s, cat.account_id, time_zone="Europe/Berlin", start=time(22), end=time(7)
        )
    )

    await delete_own(node, cat)

    async with node.sessions.begin() as session:
        for where in (
            Notification.recipient_id == cat.actor_id,
            Notification.actor_id == cat.actor_id,
        ):
            count = await session.scalar(
                select(func.count()).select_from(Notification).where(where)
            )
            assert count == 0
        settings = await session.get(NotificationSettings, cat.account_id)
        assert settings is None
        told = await notifications.notify(
            session, cat.actor_id, NotificationKind.REPLY, now=node.now, actor_id=mo.actor_id
        )
        assert not told


async def test_a_deleted_members_address_links_and_waiting_mail_go(node: Node) -> None:
    _, cat = await circle(node)
    context = MailContext(node.site, "Circle Node")
    await node.run(lambda s: addresses.set_email(s, context, cat, "cat@mail.test", now=node.now))
    reset = await node.run(
        lambda s: password_reset.admin_reset_link(s, node.site, cat, now=node.now)
    )

    await delete_own(node, cat)

    async with node.sessions.begin() as session:
        for model, where in (
            (MemberEmail, MemberEmail.account_id == cat.account_id),
            (MailLink, MailLink.account_id == cat.account_id),
            (OutgoingMail, OutgoingMail.recipient == "cat@mail.test"),
        ):
            assert await session.scalar(select(func.count()).select_from(model).where(where)) == 0
    with pytest.raises(LinkNotValid):
        await node.run(
            lambda s: password_reset.reset_password(
                s, node.passwords, reset.rsplit("/", 1)[1], "a new long password", now=node.now
            )
        )


async def test_mail_waiting_for_someone_else_at_the_same_address_still_goes(node: Node) -> None:
    mo, cat = await circle(node)
    context = MailContext(node.site, "Circle Node")
    await node.run(lambda s: addresses.set_email(s, context, mo, "home@mail.test", now=node.now))
    await node.run(lambda s: addresses.set_email(s, context, cat, "home@mail.test", now=node.now))

    await delete_own(node, cat)

    async with node.sessions.begin() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(OutgoingMail)
            .where(OutgoingMail.recipient == "home@mail.test")
        )
        assert waiting == 2  # mo's link still reaches the address; cat's link is dead
