"""Conversations by consent between members of two Kinfolk nodes: the request travels
alone, nothing more flows until the person asked says yes, messages go both ways to the
other member's own inbox, and after either ends it nothing more is taken. Each node
holds its member's boundaries: a request from outside them is refused there, quietly."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import aiohttp
from sqlalchemy import select

from federation.protocol.vocab import CONVERSATION_CONTEXT, PUBLIC, with_context
from federation.signing import signatures
from federation.tables import Delivery, InboxItem, OutgoingActivity, QueueState
from node.kinds import ContactPolicy
from tests.api_client import Member
from tests.jsonld import expand_all, undefined_terms
from tests.rig.rig import Rig, RigNode, database_of, keys_of
from tests.web.test_pages import HTML, csrf_of
from web.keys import FEDERATION
from web.pages.session import SESSION_COOKIE

API = "/api/v1/conversations"
ASKING = "Hi Bea, I read what you wrote about Sundays. Could we talk?"
ANSWER = "Yes, I'd like that. Sundays are hard here too."
THANKS = "Thank you.\n\nIt helps to know I'm not the only one."


async def received(node: RigNode) -> list[tuple[dict[str, Any], QueueState, str | None]]:
    """What a node's inbox took in, oldest first: the activity, how it ended, and why."""
    async with database_of(node) as session:
        items = await session.scalars(select(InboxItem).order_by(InboxItem.id))
        return [(json.loads(i.payload), i.state, i.last_error) for i in items]


async def sent(node: RigNode) -> list[tuple[dict[str, Any], str]]:
    """What a node queued for other servers, oldest first: each activity and its inbox."""
    async with database_of(node) as session:
        rows = await session.execute(
            select(OutgoingActivity.payload, Delivery.inbox)
            .join(Delivery, Delivery.activity_id == OutgoingActivity.id)
            .order_by(Delivery.id)
        )
        return [(json.loads(payload), inbox) for payload, inbox in rows]


async def set_contact_policy(node: RigNode, member: Member, policy: ContactPolicy) -> None:
    """The member chooses who may ask them (their boundaries)."""
    chosen = await node.api.call(
        "PUT", "/api/v1/boundaries", as_=member, json={"contact_policy": policy.value}
    )
    chosen.expect(200)


async def block_node(node: RigNode, member: Member, domain: str) -> None:
    """The member blocks a whole node for themselves."""
    blocked = await node.api.call(
        "POST", "/api/v1/node_blocks", as_=member, json={"domain": domain}
    )
    assert blocked.status in {200, 201}, blocked.json


async def deliver(signer: RigNode, handle: str, target: RigNode, activity: dict[str, Any]) -> None:
    """POST a signed activity to ``target``'s shared inbox as ``handle`` of ``signer``,
    as that node would (to forge what its member's node would not send)."""
    keys = await keys_of(signer, handle)
    body = json.dumps(activity).encode()
    headers = signatures.sign_request(
        "POST",
        f"{target.settings.base_url}/inbox",
        {"Content-Type": "application/activity+json"},
        body,
        key_id=keys.rsa_key_id,
        private_key=keys.rsa,
        now=target.clock() - timedelta(seconds=1),
    )
    del headers["Host"]
    assert target.client is not None
    async with target.client.post("/inbox", data=body, headers=headers) as response:
        assert response.status == 202, await response.text()


def forged_message(author: str, recipient: str, conversation: str, text: str, n: int) -> Any:
    """A message in ``conversation`` as a Kinfolk node sends one (``context`` names it)."""
    note = {
        "id": f"{author}/forged/{n}",
        "type": "Note",
        "attributedTo": author,
        "to": [recipient],
        "cc": [],
        "context": conversation,
        "content": f"<p>{text}</p>",
        "tag": [{"type": "Mention", "href": recipient}],
    }
    create = {"id": f"{author}/forged/{n}/create", "type": "Create", "actor": author}
    return with_context({**create, "to": [recipient], "object": note}, context=CONVERSATION_CONTEXT)


async def items(node: RigNode, member: Member, path: str) -> list[Any]:
    return list((await node.api.call("GET", path, as_=member)).expect(200)["items"])


async def two_nodes_sharing_a_group(rig: Rig) -> tuple[RigNode, RigNode, Member, Member]:
    """Ana on alpha and Bea on beta, both in Bea's circle on beta: by default, each may
    ask the other."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    ana, bea = await a.member("ana"), await b.member("bea")
    await b.api.create_group(bea, "circle")
    await a.api.join(ana, f"circle@{b.domain}")
    await rig.settle()
    assert await a.api.membership(ana, f"circle@{b.domain}") == "approved"
    return a, b, ana, bea


async def test_two_members_of_two_nodes_talk_only_once_asked_and_accepted(rig: Rig) -> None:
    a, b, ana, bea = await two_nodes_sharing_a_group(rig)
    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": ASKING})
    on_a = asked.expect(201)
    assert on_a["state"] == "requested"
    # Ana can write nothing more until Bea says yes.
    early = await a.api.call("POST", f"{API}/{on_a['id']}/messages", as_=ana, json={"text": "?"})
    assert early.expect(403)["code"] == "conversation_closed"
    await rig.settle()

    # Only the request went, to Bea's own inbox, as a private mention asking to talk.
    [(request, inbox)] = [(act, to) for act, to in await sent(a) if act["type"] != "Follow"]
    bea_uri = f"{b.settings.base_url}/members/bea"
    assert inbox == f"{bea_uri}/inbox"
    assert request["type"] == "Create"
    assert request["contactRequest"] is True
    assert request["to"] == request["object"]["to"] == [bea_uri]
    assert request["object"]["cc"] == []
    assert PUBLIC not in json.dumps(request)
    conversation = request["object"]["context"]
    # Beta's inbox took in the request alone (beside Ana's joining the circle).
    assert [act["type"] for act, *_ in await received(b) if act["type"] != "Follow"] == ["Create"]
    # Bea sees who asks among her requests, and the words once she opens it.
    [waiting] = await items(b, bea, f"{API}/requests")
    assert waiting["other"]["acct"] == f"ana@{a.domain}"
    [first] = await items(b, bea, f"{API}/{waiting['id']}/messages")
    assert first["text"] == ASKING

    # A message Ana's node would not send before the answer is refused on beta.
    ana_uri = f"{a.settings.base_url}/members/ana"
    await deliver(a, "ana", b, forged_message(ana_uri, bea_uri, conversation, "Hello??", 1))
    await rig.settle()
    *_, (forged, state, error) = await received(b)
    assert forged["id"].endswith("/forged/1/create")
    assert state is QueueState.FAILED
    assert error is not None
    assert "accepted" in error
    assert len(await items(b, bea, f"{API}/{waiting['id']}/messages")) == 1

    # Bea says yes: Ana's node hears it, and they talk.
    (await b.api.call("POST", f"{API}/{waiting['id']}/accept", as_=bea)).expect(200)
    await rig.settle()
    shown = (await a.api.call("GET", f"{API}/{on_a['id']}", as_=ana)).expect(200)
    assert shown["state"] == "accepted"
    answer = await b.api.call(
        "POST", f"{API}/{waiting['id']}/messages", as_=bea, json={"text": ANSWER}
    )
    answer.expect(201)
    await rig.settle()
    thanks = await a.api.call(
        "POST", f"{API}/{on_a['id']}/messages", as_=ana, json={"text": THANKS}
    )
    thanks.expect(201)
    await rig.settle()
    texts_a = [m["text"] for m in await items(a, ana, f"{API}/{on_a['id']}/messages")]
    texts_b = [m["text"] for m in await items(b, bea, f"{API}/{waiting['id']}/messages")]
    assert texts_a == texts_b == [THANKS, ANSWER, ASKING]  # newest first, unchanged

    # Bea's answer threads under Ana's request, Ana's thanks under Bea's answer.
    from_b = [act for act, _ in await sent(b)]
    [accept] = [act for act in from_b if act["type"] == "Accept" and act["object"] == request["id"]]
    [bea_create] = [act for act in from_b if act["type"] == "Create"]
    assert accept["to"] == [ana_uri]
    assert accept["actor"] == bea_uri
    assert bea_create["object"]["inReplyTo"] == request["object"]["id"]
    ana_create = [act for act, _ in await sent(a) if act["type"] == "Create"][-1]
    assert ana_create["object"]["inReplyTo"] == bea_create["object"]["id"]

    # Bea ends it; Ana's node shows it ended, and nothing more is taken on beta.
    (await b.api.call("POST", f"{API}/{waiting['id']}/end", as_=bea)).expect(200)
    await rig.settle()
    ended = (await a.api.call("GET", f"{API}/{on_a['id']}", as_=ana)).expect(200)
    assert (ended["state"], ended["ended_by_me"]) == ("ended", False)
    late = await a.api.call("POST", f"{API}/{on_a['id']}/messages", as_=ana, json={"text": "wait"})
    late.expect(403)
    await deliver(a, "ana", b, forged_message(ana_uri, bea_uri, conversation, "one more", 2))
    await rig.settle()
    *_, (forged, state, error) = await received(b)
    assert forged["id"].endswith("/forged/2/create")
    assert state is QueueState.FAILED
    assert error is not None
    assert "ended" in error
    assert len(await items(b, bea, f"{API}/{waiting['id']}/messages")) == 3
    # Everything the two nodes sent reads whole to a JSON-LD processor.
    for activity, _ in [*await sent(a), *await sent(b)]:
        assert undefined_terms(expand_all(activity)) == set(), activity["type"]


async def test_a_declined_request_reads_not_available_to_the_asker(rig: Rig) -> None:
    a, b, ana, bea = await two_nodes_sharing_a_group(rig)
    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": ASKING})
    on_a = asked.expect(201)
    await rig.settle()
    [waiting] = await items(b, bea, f"{API}/requests")

    (await b.api.call("POST", f"{API}/{waiting['id']}/decline", as_=bea, json={})).expect(200)
    await rig.settle()

    shown = (await a.api.call("GET", f"{API}/{on_a['id']}", as_=ana)).expect(200)
    assert shown["state"] == "not_available"
    [reject] = [act for act, _ in await sent(b) if act["type"] == "Reject"]
    assert set(reject) == {"@context", "id", "type", "actor", "object", "to"}  # no reason


async def test_the_asker_may_withdraw_and_the_request_leaves_the_requests(rig: Rig) -> None:
    a, b, ana, bea = await two_nodes_sharing_a_group(rig)
    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": ASKING})
    on_a = asked.expect(201)
    await rig.settle()

    (await a.api.call("POST", f"{API}/{on_a['id']}/end", as_=ana)).expect(200)
    await rig.settle()

    assert await items(b, bea, f"{API}/requests") == []
    [leave] = [act for act, _ in await sent(a) if act["type"] == "Leave"]
    assert leave["object"].startswith(f"{a.settings.base_url}/conversations/")


async def test_a_request_from_outside_the_members_groups_is_refused_on_their_node(
    rig: Rig,
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    ana, bea = await a.member("ana"), await b.member("bea")

    # Someone beta does not have reads as any other refusal.
    nobody = await a.api.call("POST", API, as_=ana, json={"to": f"nobody@{b.domain}", "text": "Hi"})
    assert nobody.expect(403)["code"] == "not_available"
    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": ASKING})
    asked.expect(201)  # alpha cannot know beta's boundaries; beta decides
    await rig.settle()

    assert await items(b, bea, f"{API}/requests") == []
    [(request, state, error)] = await received(b)
    assert request["contactRequest"] is True
    assert state is QueueState.FAILED
    assert error is not None
    assert "not available" in error
    # Nothing answers: Ana's node learns nothing of why.
    assert [act["type"] for act, _ in await sent(b)] == []

    # Once Bea lets anyone ask, a new request reaches her.
    await set_contact_policy(b, bea, ContactPolicy.ANYONE)
    (await a.api.call("POST", f"{API}/{asked.json['id']}/end", as_=ana)).expect(200)
    again = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": "Hi?"})
    again.expect(201)
    await rig.settle()
    [waiting] = await items(b, bea, f"{API}/requests")
    assert waiting["other"]["acct"] == f"ana@{a.domain}"


async def test_a_request_from_a_node_the_member_blocked_is_refused(rig: Rig) -> None:
    a, b, ana, bea = await two_nodes_sharing_a_group(rig)
    await block_node(b, bea, a.domain)

    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": ASKING})
    asked.expect(201)
    await rig.settle()

    assert await items(b, bea, f"{API}/requests") == []
    *_, (request, state, _error) = await received(b)
    assert request["contactRequest"] is True
    assert state is QueueState.FAILED


async def test_nobody_else_speaks_for_a_conversation(rig: Rig) -> None:
    """A member of a third node cannot write in it, answer the request or end it: each
    try is refused on the node that holds it, and the two see nothing of it."""
    a, b, ana, bea = await two_nodes_sharing_a_group(rig)
    c = await rig.add_node("gamma")
    await c.member("cal")
    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": ASKING})
    on_a = asked.expect(201)
    await rig.settle()
    [request] = [act for act, _ in await sent(a) if act["type"] == "Create"]
    conversation = request["object"]["context"]
    cal_uri = f"{c.settings.base_url}/members/cal"
    ana_uri = f"{a.settings.base_url}/members/ana"
    bea_uri = f"{b.settings.base_url}/members/bea"
    # Cal knows both, as anyone may (their actors are public).
    for uri in (ana_uri, bea_uri):
        assert c.server is not None
        await c.server.app[FEDERATION].resolve_actor(uri)

    # Cal says yes to Ana's request, on alpha, in Bea's place.
    accept = {"id": f"{cal_uri}/forged/accept", "type": "Accept", "actor": cal_uri}
    await deliver(c, "cal", a, {**accept, "object": request["id"], "to": [ana_uri]})
    # Cal ends the conversation.
    leave = {"id": f"{cal_uri}/forged/leave", "type": "Leave", "actor": cal_uri}
    await deliver(c, "cal", a, {**leave, "object": conversation, "to": [ana_uri]})
    # Cal writes in it, to Bea, naming it.
    await deliver(c, "cal", b, forged_message(cal_uri, bea_uri, conversation, "psst", 3))
    await rig.settle()

    for node, forged in ((a, "/forged/accept"), (a, "/forged/leave"), (b, "/forged/3/create")):
        [(state, error)] = [
            (s, e) for act, s, e in await received(node) if act["id"].endswith(forged)
        ]
        assert state is QueueState.FAILED, forged
        assert error is not None
        assert cal_uri in error
    shown = (await a.api.call("GET", f"{API}/{on_a['id']}", as_=ana)).expect(200)
    assert shown["state"] == "requested"
    [waiting] = await items(b, bea, f"{API}/requests")
    assert [m["text"] for m in await items(b, bea, f"{API}/{waiting['id']}/messages")] == [ASKING]


async def test_a_member_of_another_node_is_asked_from_the_pages_by_handle(rig: Rig) -> None:
    """Alpha has never heard of Bea: the "Ask to talk" form finds her on beta."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    ana, bea = await a.member("ana"), await b.member("bea")
    await set_contact_policy(b, bea, ContactPolicy.ANYONE)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address
    jar.update_cookies({SESSION_COOKIE: ana.token})
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{a.settings.base_url}/conversations/new", headers=HTML) as page:
            form = await page.text()
        asked = {"csrf_token": csrf_of(form), "to": f"@bea@{b.domain}", "text": ASKING}
        async with http.post(
            f"{a.settings.base_url}/conversations/new",
            data=asked,
            headers=HTML,
            allow_redirects=False,
        ) as response:
            assert response.status == 303, await response.text()
    await rig.settle()

    [waiting] = await items(b, bea, f"{API}/requests")
    assert waiting["other"]["acct"] == f"ana@{a.domain}"


async def test_a_block_closes_the_conversation_on_both_nodes(rig: Rig) -> None:
    a, b, ana, bea = await two_nodes_sharing_a_group(rig)
    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": ASKING})
    on_a = asked.expect(201)
    await rig.settle()
    [waiting] = await items(b, bea, f"{API}/requests")
    (await b.api.call("POST", f"{API}/{waiting['id']}/accept", as_=bea)).expect(200)
    await rig.settle()

    # Bea blocks Ana: the Block reaches alpha, and the conversation is over on both
    # nodes (no Leave of its own is sent: the Block says more).
    blocked = await b.api.call("POST", "/api/v1/blocks", as_=bea, json={"acct": f"ana@{a.domain}"})
    assert blocked.status in {200, 201}, blocked.json
    await rig.settle()
    on_b = (await b.api.call("GET", f"{API}/{waiting['id']}", as_=bea)).expect(200)
    assert (on_b["state"], on_b["ended_by_me"]) == ("ended", True)
    ended = (await a.api.call("GET", f"{API}/{on_a['id']}", as_=ana)).expect(200)
    assert (ended["state"], ended["ended_by_me"]) == ("ended", False)
    assert "Leave" not in [act["type"] for act, _ in await sent(b)]
    late = await a.api.call("POST", f"{API}/{on_a['id']}/messages", as_=ana, json={"text": "?"})
    late.expect(403)
