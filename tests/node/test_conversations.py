"""Conversations by consent, as the two members see them: a request, its answer, talking,
the end; what a third member, a boundary and a member of another node meet."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import conversations
from node.actors import upsert_remote_actor
from node.boundaries.muting import mute
from node.boundaries.settings import set_contact_policy
from node.conversations import AlreadyOpen, ConversationClosed, NotAvailable
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.kinds import ActorKind, ContactPolicy, ConversationState
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.events import Event
from node.views import Viewer
from tests.node.factories import Node

PAT = "https://peer.example/users/pat"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def actor(session: AsyncSession, viewer: Viewer) -> Actor:
    return await session.get_one(Actor, viewer.actor_id)


async def allow_anyone(node: Node, viewer: Viewer) -> None:
    """The member's boundary lets anyone ask them."""
    await node.run(lambda s: set_contact_policy(s, viewer, ContactPolicy.ANYONE))


async def friends(node: Node) -> tuple[Viewer, Viewer, Viewer]:
    """``ana``, ``ben`` and ``cat`` share the group ``circle`` (so may ask each other)."""
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    await node.group(ana, "circle")
    for member in (ben, cat):
        await node.join(member, "circle")
    return ana, ben, cat


async def ask(
    node: Node, asker: Viewer, recipient: Viewer, text: str = "Could we talk?"
) -> conversations.ConversationView:
    async def call(session: AsyncSession) -> conversations.ConversationView:
        return await conversations.ask(
            session,
            node.site,
            await actor(session, asker),
            await actor(session, recipient),
            text,
            node.now,
        )

    return await node.run(call)


async def accept(node: Node, conversation_id: int, viewer: Viewer) -> None:
    await node.run(lambda s: conversations.accept(s, conversation_id, viewer.actor_id, node.now))


async def say(
    node: Node, conversation_id: int, author: int, text: str, *, later: int = 0
) -> conversations.MessageView:
    return await node.run(
        lambda s: conversations.send_message(
            s, node.site, conversation_id, author, text, node.now + timedelta(minutes=later)
        )
    )


async def texts(node: Node, conversation_id: int, viewer: int) -> list[str]:
    page = await node.run(lambda s: conversations.messages(s, conversation_id, viewer))
    return [message.text for message in reversed(page.items)]


async def event_kinds(node: Node) -> list[str]:
    return list(await node.run(lambda s: s.scalars(select(Event.kind).order_by(Event.id))))


async def test_a_request_becomes_a_conversation_only_when_accepted(node: Node) -> None:
    ana, ben, _cat = await friends(node)
    asked = await ask(node, ana, ben, "  Hi Ben, could we talk about last week?  ")
    assert asked.state == ConversationState.REQUESTED
    assert asked.asker.handle == "ana"
    assert asked.uri == node.site.conversation_uri(asked.public_id)

    # Ben sees who asks among his requests; the words are message #1, his to open.
    requests = await node.run(lambda s: conversations.requests_for(s, ben.actor_id))
    assert [r.asker.handle for r in requests.items] == ["ana"]
    assert (await node.run(lambda s: conversations.unread_count(s, ben.actor_id))).requests == 1
    assert await texts(node, asked.id, ben.actor_id) == ["Hi Ben, could we talk about last week?"]
    # Ana finds hers among the requests she sent, until Ben answers.
    sent = await node.run(lambda s: conversations.requests_for(s, ana.actor_id, sent=True))
    assert [r.recipient.handle for r in sent.items] == ["ben"]
    assert (await node.run(lambda s: conversations.requests_for(s, ana.actor_id))).items == []
    # Nothing flows before he answers, and only he can answer.
    with pytest.raises(ConversationClosed):
        await say(node, asked.id, ana.actor_id, "Hello?")
    with pytest.raises(PermissionDenied):
        await node.run(lambda s: conversations.accept(s, asked.id, ana.actor_id, node.now))
    assert (await node.run(lambda s: conversations.conversations_of(s, ben.actor_id))).items == []

    accepted = await node.run(lambda s: conversations.accept(s, asked.id, ben.actor_id, node.now))
    assert accepted.state == ConversationState.ACCEPTED
    sent = await node.run(lambda s: conversations.requests_for(s, ana.actor_id, sent=True))
    assert sent.items == []
    with pytest.raises(ConversationClosed):
        await node.run(lambda s: conversations.accept(s, asked.id, ben.actor_id, node.now))
    await say(node, asked.id, ben.actor_id, "Of course.", later=1)
    await say(node, asked.id, ana.actor_id, "Thank you.", later=2)
    await say(node, asked.id, ben.actor_id, "How are you?", later=3)
    assert await texts(node, asked.id, ana.actor_id) == [
        "Hi Ben, could we talk about last week?",
        "Of course.",
        "Thank you.",
        "How are you?",
    ]

    # Ana has not read Ben's last message; Ben has read everything.
    unread = await node.run(lambda s: conversations.unread_count(s, ana.actor_id))
    assert (unread.messages, unread.requests, unread.total) == (1, 0, 1)
    listed = await node.run(lambda s: conversations.conversations_of(s, ana.actor_id))
    assert [(c.public_id, c.unread) for c in listed.items] == [(asked.public_id, 1)]
    assert (await node.run(lambda s: conversations.unread_count(s, ben.actor_id))).total == 0
    await node.run(lambda s: conversations.mark_read(s, asked.id, ana.actor_id, node.now))
    assert (await node.run(lambda s: conversations.unread_count(s, ana.actor_id))).total == 0

    ended = await node.run(lambda s: conversations.end(s, asked.id, ben.actor_id, node.now))
    assert ended.state == ConversationState.ENDED
    assert ended.ended_by is not None
    assert ended.ended_by.handle == "ben"
    # Ended for good: no message from either, no second end, no reopening by accepting.
    for author in (ana, ben):
        with pytest.raises(ConversationClosed):
            await say(node, asked.id, author.actor_id, "One more thing")
    with pytest.raises(ConversationClosed):
        await node.run(lambda s: conversations.end(s, asked.id, ana.actor_id, node.now))
    with pytest.raises(ConversationClosed):
        await node.run(lambda s: conversations.accept(s, asked.id, ben.actor_id, node.now))
    # Ana still reads what was said, and sees it ended.
    seen = await node.run(
        lambda s: conversations.conversation_for(s, asked.public_id, ana.actor_id)
    )
    assert seen.state == ConversationState.ENDED
    assert len(await texts(node, asked.id, ana.actor_id)) == 4
    # Between two members of this node, nothing leaves it.
    assert await event_kinds(node) == []
    # Talking again takes a new request.
    again = await ask(node, ana, ben, "Could we talk again?")
    assert again.id != asked.id
    assert again.state == ConversationState.REQUESTED


async def test_a_third_member_finds_no_conversation_at_all(node: Node) -> None:
    ana, ben, cat = await friends(node)
    talk = await ask(node, ana, ben)
    await node.run(lambda s: conversations.accept(s, talk.id, ben.actor_id, node.now))
    await say(node, talk.id, ben.actor_id, "Only for Ana")
    calls = [
        lambda s: conversations.messages(s, talk.id, cat.actor_id),
        lambda s: conversations.conversation_for(s, talk.public_id, cat.actor_id),
        lambda s: conversations.send_message(s, node.site, talk.id, cat.actor_id, "hi", node.now),
        lambda s: conversations.accept(s, talk.id, cat.actor_id, node.now),
        lambda s: conversations.decline(s, talk.id, cat.actor_id, node.now),
        lambda s: conversations.end(s, talk.id, cat.actor_id, node.now),
        lambda s: conversations.mark_read(s, talk.id, cat.actor_id, node.now),
    ]
    for call in calls:
        with pytest.raises(NotFound) as refused:
            await node.run(call)
        # The same words as for a conversation that does not exist.
        assert refused.value.message == "there is no such conversation"
    with pytest.raises(NotFound):
        await node.run(lambda s: conversations.conversation_for(s, "0" * 32, cat.actor_id))
    assert (await node.run(lambda s: conversations.conversations_of(s, cat.actor_id))).items == []
    assert (await node.run(lambda s: conversations.unread_count(s, cat.actor_id))).total == 0


async def test_a_decline_says_only_not_available_and_a_block_keeps_it_so(node: Node) -> None:
    ana, ben, _cat = await friends(node)
    first = await ask(node, ana, ben)
    declined = await node.run(lambda s: conversations.decline(s, first.id, ben.actor_id, node.now))
    assert declined.state == ConversationState.DECLINED
    with pytest.raises(ConversationClosed):
        await say(node, first.id, ana.actor_id, "Why?")
    assert (await node.run(lambda s: conversations.requests_for(s, ben.actor_id))).items == []
    # A decline is not a block: Ana may ask again one day, and Ben may say no for good.
    second = await ask(node, ana, ben, "Sorry to ask again")
    await node.run(
        lambda s: conversations.decline(s, second.id, ben.actor_id, node.now, block=True)
    )
    with pytest.raises(NotAvailable) as refused:
        await ask(node, ana, ben, "Please?")
    assert refused.value.message == "This person is not available to talk."
    # Ben blocked Ana: he may not ask her either.
    with pytest.raises(NotAvailable):
        await ask(node, ben, ana, "Hello")


async def test_requests_from_muted_people_wait_out_of_sight(node: Node) -> None:
    ana, ben, cat = await friends(node)
    await ask(node, ben, ana)
    await ask(node, cat, ana)

    async def ana_mutes_cat(session: AsyncSession) -> None:
        await mute(session, ana, await actor(session, cat), now=node.now)

    await node.run(ana_mutes_cat)
    requests = await node.run(lambda s: conversations.requests_for(s, ana.actor_id))
    assert [r.asker.handle for r in requests.items] == ["ben"]
    assert (await node.run(lambda s: conversations.unread_count(s, ana.actor_id))).requests == 1


async def test_boundaries_and_strangers_refuse_alike(node: Node) -> None:
    ana, _ben, _cat = await friends(node)
    dan = await node.member("dan")  # shares no group with ana: her default boundary
    messages = set()
    for asker, recipient in ((dan, ana), (ana, ana)):
        with pytest.raises(NotAvailable) as refused:
            await ask(node, asker, recipient)
        messages.add(refused.value.message)

    async def ask_group(session: AsyncSession) -> None:
        group = await session.scalar(select(Actor).where(Actor.handle == "circle"))
        assert group is not None
        await conversations.ask(
            session, node.site, await actor(session, ana), group, "Hello", node.now
        )

    with pytest.raises(NotAvailable) as refused:
        await node.run(ask_group)
    messages.add(refused.value.message)
    assert messages == {"This person is not available to talk."}
    assert (await node.run(lambda s: conversations.requests_for(s, ana.actor_id))).items == []


async def test_an_open_request_or_conversation_is_named_not_doubled(node: Node) -> None:
    ana, ben, _cat = await friends(node)
    talk = await ask(node, ana, ben)
    with pytest.raises(AlreadyOpen) as twice:
        await ask(node, ana, ben)
    assert twice.value.public_id == talk.public_id
    assert "not answered yet" in twice.value.message
    with pytest.raises(AlreadyOpen) as back:
        await ask(node, ben, ana)
    assert "your requests" in back.value.message
    await node.run(lambda s: conversations.accept(s, talk.id, ben.actor_id, node.now))
    with pytest.raises(AlreadyOpen) as open_:
        await ask(node, ben, ana)
    assert "already have a conversation" in open_.value.message
    # The asker may withdraw a request not yet answered; the person asked declines.
    cat_talk = await ask(node, _cat, ana)
    with pytest.raises(ConversationClosed):
        await node.run(lambda s: conversations.end(s, cat_talk.id, ana.actor_id, node.now))
    withdrawn = await node.run(lambda s: conversations.end(s, cat_talk.id, _cat.actor_id, node.now))
    assert withdrawn.state == ConversationState.ENDED
    assert (await node.run(lambda s: conversations.requests_for(s, ana.actor_id))).items == []


async def test_a_request_sent_twice_at_once_opens_one_conversation(node: Node) -> None:
    ana, ben, _cat = await friends(node)
    results = await asyncio.gather(
        ask(node, ana, ben, "Could we talk?"),
        ask(node, ana, ben, "Could we talk?"),
        return_exceptions=True,
    )
    assert sorted(type(result).__name__ for result in results) == [
        "AlreadyOpen",
        "ConversationView",
    ]
    requests = await node.run(lambda s: conversations.requests_for(s, ben.actor_id))
    assert len(requests.items) == 1


async def test_a_message_holds_some_words_and_not_a_book(node: Node) -> None:
    ana, ben, _cat = await friends(node)
    for text in ("", "   ", "a\x00b", "x" * 5001):
        with pytest.raises(InvalidInput) as refused:
            await ask(node, ana, ben, text)
        assert refused.value.field == "text"
    assert "5,000" in refused.value.message
    talk = await ask(node, ana, ben, "x" * 5000)
    await node.run(lambda s: conversations.accept(s, talk.id, ben.actor_id, node.now))
    with pytest.raises(InvalidInput):
        await say(node, talk.id, ben.actor_id, "y" * 5001)
    assert (await say(node, talk.id, ben.actor_id, "y" * 5000)).text == "y" * 5000


async def _pat(session: AsyncSession, now: datetime) -> Actor:
    return await upsert_remote_actor(
        session,
        uri=PAT,
        kind=ActorKind.PERSON,
        handle="pat",
        domain="peer.example",
        display_name="Pat",
        summary="",
        now=now,
    )


async def test_with_a_member_of_another_node_only_our_side_is_recorded(node: Node) -> None:
    ana, ben, _cat = await friends(node)
    pat = await node.run(lambda s: _pat(s, node.now))

    # Our member asks someone there: the request is recorded, message #1 goes with it.
    async def ana_asks_pat(session: AsyncSession) -> conversations.ConversationView:
        return await conversations.ask(
            session, node.site, await actor(session, ana), pat, "Hello Pat", node.now
        )

    outgoing = await node.run(ana_asks_pat)
    assert await event_kinds(node) == [EventKind.CONVERSATION_REQUESTED]
    await node.run(
        lambda s: conversations.set_request_uri(s, outgoing.id, f"{node.site.base_url}/ask/1")
    )
    found = await node.run(
        lambda s: conversations.conversation_by_request_uri(s, f"{node.site.base_url}/ask/1")
    )
    assert found is not None
    assert found.id == outgoing.id

    # Pat asks Ben (whose boundary lets anyone ask), with the ids Pat's node named.
    await node.run(lambda s: conversations.end(s, outgoing.id, ana.actor_id, node.now))
    assert await event_kinds(node) == [
        EventKind.CONVERSATION_REQUESTED,
        EventKind.CONVERSATION_ENDED,
    ]
    await allow_anyone(node, ben)

    async def pat_asks_ben(session: AsyncSession) -> conversations.ConversationView:
        return await conversations.ask(
            session,
            node.site,
            pat,
            await actor(session, ben),
            "Hi Ben",
            node.now,
            uri="https://peer.example/conversations/7",
            request_uri="https://peer.example/activities/7",
            message_uri="https://peer.example/notes/7",
        )

    incoming = await node.run(pat_asks_ben)
    assert incoming.uri == "https://peer.example/conversations/7"
    assert len(await event_kinds(node)) == 2  # a request from there is not sent back
    by_message = await node.run(
        lambda s: conversations.conversation_of_message_uri(s, "https://peer.example/notes/7")
    )
    assert by_message is not None
    assert by_message.id == incoming.id
    by_uri = await node.run(
        lambda s: conversations.conversation_by_uri(s, "https://peer.example/conversations/7")
    )
    assert by_uri is not None
    assert by_uri.id == incoming.id
    between = await node.run(lambda s: conversations.open_between(s, ben.actor_id, pat.id))
    assert between is not None
    assert between.id == incoming.id

    await node.run(lambda s: conversations.accept(s, incoming.id, ben.actor_id, node.now))
    mine = await say(node, incoming.id, ben.actor_id, "Hi Pat")
    theirs = await node.run(
        lambda s: conversations.send_message(
            s, node.site, incoming.id, pat.id, "Thanks", node.now, uri=PAT + "/notes/8"
        )
    )
    assert mine.uri.startswith(node.site.base_url)
    assert theirs.uri == PAT + "/notes/8"
    await node.run(lambda s: conversations.end(s, incoming.id, pat.id, node.now))
    recorded = await node.run(
        lambda s: s.execute(select(Event.kind, Event.actor_id, Event.subject_id).order_by(Event.id))
    )
    assert [tuple(row) for row in recorded][2:] == [
        (EventKind.CONVERSATION_ACCEPTED, ben.actor_id, incoming.id),
        (EventKind.CONVERSATION_MESSAGE, ben.actor_id, mine.id),
    ]


async def test_lists_page_with_cursors_newest_first(node: Node) -> None:
    ana, _ben, _cat = await friends(node)
    others = [await node.member(f"m{i}") for i in range(3)]
    await allow_anyone(node, ana)
    talks = []
    for minutes, other in enumerate(others):

        async def call(session: AsyncSession, other: Viewer = other, minutes: int = minutes) -> int:
            view = await conversations.ask(
                session,
                node.site,
                await actor(session, other),
                await actor(session, ana),
                "Hello",
                node.now + timedelta(minutes=minutes),
            )
            return view.id

        talks.append(await node.run(call))
    first = await node.run(lambda s: conversations.requests_for(s, ana.actor_id, limit=2))
    assert [r.asker.handle for r in first.items] == ["m2", "m1"]
    assert first.next_cursor is not None
    rest = await node.run(
        lambda s: conversations.requests_for(s, ana.actor_id, first.next_cursor, limit=2)
    )
    assert [r.asker.handle for r in rest.items] == ["m0"]
    assert rest.next_cursor is None

    for talk in talks:
        await accept(node, talk, ana)
    # The liveliest first: m0 wrote last.
    await say(node, talks[0], others[0].actor_id, "Still there?", later=10)
    listed = await node.run(lambda s: conversations.conversations_of(s, ana.actor_id, limit=2))
    assert [c.other(ana.actor_id).handle for c in listed.items] == ["m0", "m2"]
    rest = await node.run(
        lambda s: conversations.conversations_of(s, ana.actor_id, listed.next_cursor, limit=2)
    )
    assert [c.other(ana.actor_id).handle for c in rest.items] == ["m1"]

    for n in range(4):
        await say(node, talks[1], ana.actor_id, f"note {n}", later=20 + n)
    page = await node.run(lambda s: conversations.messages(s, talks[1], ana.actor_id, limit=3))
    assert [m.text for m in page.items] == ["note 3", "note 2", "note 1"]
    older = await node.run(
        lambda s: conversations.messages(s, talks[1], ana.actor_id, page.next_cursor, limit=3)
    )
    assert [(m.text, m.first) for m in older.items] == [("note 0", False), ("Hello", True)]
    assert older.next_cursor is None
