"""A conversation on one node, crawled: its words are in the two members' views and
nowhere else, not for a third member of their group, an anonymous visitor, or another
node fetching as servers do (pages, API, ActivityPub, collections, WebFinger)."""

from __future__ import annotations

from sqlalchemy import select

from node.storage.models.conversations import Conversation, ConversationMessage
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, database_of

BASE = "/api/v1/conversations"
ASKED = "Could we talk about the nights, just us two?"
ANSWERED = "Yes. The nights have been so long lately."
THANKED = "Thank you for saying yes, it means a lot."


async def test_the_words_are_nowhere_but_in_the_two_members_views(rig: Rig) -> None:
    alpha, beta = await rig.add_node("alpha"), await rig.add_node("beta")
    ana, ben, cat = [await alpha.member(name) for name in ("ana", "ben", "cat")]
    await alpha.api.create_group(ana, "circle")
    for member in (ben, cat):
        await alpha.api.join(member, "circle")
    await alpha.api.post(cat, "circle", "Hello, circle")
    asked = await alpha.api.call("POST", BASE, as_=ana, json={"to": "ben", "text": ASKED})
    talk = f"{BASE}/{asked.expect(201)['id']}"
    (await alpha.api.call("POST", f"{talk}/accept", as_=ben)).expect(200)
    for member, text in ((ben, ANSWERED), (ana, THANKED)):
        said = await alpha.api.call("POST", f"{talk}/messages", as_=member, json={"text": text})
        said.expect(201)
    await rig.settle()

    async with database_of(alpha) as session:
        uri = await session.scalar(select(Conversation.uri))
        message_uris = list(await session.scalars(select(ConversationMessage.uri)))
    assert uri is not None
    page = f"/conversations/{talk.rsplit('/', 1)[1]}"
    seeds = [
        "/conversations",
        "/conversations/requests",
        page,
        f"{page}/end",
        uri,
        *message_uris,
        talk,
        f"{talk}/messages",
        BASE,
        f"{BASE}/requests",
    ]
    handles = [f"{name}@{alpha.domain}" for name in ("ana", "ben", "cat")]
    secrets = [ASKED, ANSWERED, THANKED]
    for visitor in (ANONYMOUS, member_of(cat), node_signing(beta)):
        found = await crawl(alpha, visitor, seeds=seeds, handles=handles)
        assert found.leaks(secrets) == []
    # Nothing of it went to beta either.
    on_beta = await crawl(beta, ANONYMOUS, seeds=[uri], handles=handles)
    assert on_beta.leaks(secrets) == []
    # The crawl reaches the words where they belong: both members' own views.
    for member in (ana, ben):
        own = await crawl(alpha, member_of(member), seeds=seeds, handles=handles)
        assert {secret for secret in secrets if own.leaks([secret])} == set(secrets)
