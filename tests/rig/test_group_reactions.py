"""Support across nodes (FEP-1b12): a member's ``Like`` goes to the group, the group
Announces it to its members' nodes, and an ``Undo`` takes it back the same way."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from federation.protocol.vocab import PUBLIC
from federation.signing import signatures
from federation.tables import InboxItem, OutgoingActivity, QueueState
from node.storage.models.posts import Reaction
from tests.api_client import Member
from tests.rig.rig import Rig, RigNode, count, database_of, keys_of
from tests.shared_fixtures import SHARED_FIXTURES

LEMMY_VOTING = SHARED_FIXTURES / "activitypub" / "lemmy" / "activities" / "voting"


async def _reactions(node: RigNode) -> int:
    return await count(node, select(func.count()).select_from(Reaction))


async def _support_seen_by_author(node: RigNode, author: Member, post_id: str) -> int:
    answer = (await node.api.call("GET", f"/api/v1/posts/{post_id}", as_=author)).expect(200)
    return int(answer["support_count"])


async def _support(node: RigNode, member: Member, post_id: str, *, on: bool) -> Any:
    method = "PUT" if on else "DELETE"
    return (await node.api.call(method, f"/api/v1/posts/{post_id}/support", as_=member)).expect(200)


async def _sent(node: RigNode, kind: str) -> list[dict[str, Any]]:
    """The activities of one type a node queued, oldest first (Announces by what they wrap)."""
    async with database_of(node) as session:
        rows = await session.scalars(select(OutgoingActivity.payload).order_by(OutgoingActivity.id))
        payloads = [json.loads(row) for row in rows]
    wrapped = [p["object"] if p["type"] == "Announce" else p for p in payloads]
    return [p for p, inner in zip(payloads, wrapped, strict=True) if inner["type"] == kind]


async def _open_circle(rig: Rig, **group: str) -> tuple[RigNode, RigNode, RigNode, dict[str, Any]]:
    """alpha hosts the open group ``circle``; bea (beta) and cal (gamma) joined; bea posted."""
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle", **group)
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await c.api.join(cal, circle)
    await rig.settle()
    thread = await b.api.post(bea, circle, "Today was a lot.", title="Today")
    await rig.settle()
    return a, b, c, thread


async def _post_id_on(node: RigNode, member: Member, group: str, uri: str) -> str:
    listed = await node.api.call("GET", f"/api/v1/groups/{group}/posts", as_=member)
    [found] = [p["id"] for p in listed.expect(200)["items"] if p["uri"] == uri]
    return str(found)


async def test_support_travels_through_the_group_and_is_taken_back(rig: Rig) -> None:
    a, b, c, thread = await _open_circle(rig)
    mo, bea, cal = a.members["mo"], b.members["bea"], c.members["cal"]
    group_uri = f"{a.settings.base_url}/groups/circle"
    on_c = await _post_id_on(c, cal, f"circle@{a.domain}", thread["uri"])
    on_a = await _post_id_on(a, mo, "circle", thread["uri"])

    assert (await _support(c, cal, on_c, on=True))["supported_by_me"]
    await rig.settle()
    assert await _support_seen_by_author(b, bea, thread["id"]) == 1
    assert [await _reactions(node) for node in (a, b, c)] == [1, 1, 1]
    [like] = await _sent(c, "Like")
    assert {key: like[key] for key in ("type", "actor", "object", "audience", "to")} == {
        "type": "Like",
        "actor": f"{c.settings.base_url}/members/cal",
        "object": thread["uri"],
        "audience": group_uri,
        "to": [group_uri],
    }
    [announce] = await _sent(a, "Like")
    assert (announce["actor"], announce["object"]["id"]) == (group_uri, like["id"])
    assert PUBLIC in announce["to"]  # an open, public group's Announce; never a private one's

    # A member on the group's own node reacts too: the group shares that as well.
    await _support(a, mo, on_a, on=True)
    await rig.settle()
    assert await _support_seen_by_author(b, bea, thread["id"]) == 2
    assert [await _reactions(node) for node in (a, b, c)] == [2, 2, 2]

    await _support(c, cal, on_c, on=False)
    await rig.settle()
    assert await _support_seen_by_author(b, bea, thread["id"]) == 1
    assert [await _reactions(node) for node in (a, b, c)] == [1, 1, 1]
    [undo] = await _sent(c, "Undo")
    assert (undo["object"]["type"], undo["object"]["id"]) == ("Like", like["id"])

    await _support(a, mo, on_a, on=False)
    await rig.settle()
    assert await _support_seen_by_author(b, bea, thread["id"]) == 0
    assert [await _reactions(node) for node in (a, b, c)] == [0, 0, 0]


async def test_a_private_group_shares_support_with_its_members_only(rig: Rig) -> None:
    a, b, c, thread = await _open_circle(rig, visibility="private")
    bea, cal = b.members["bea"], c.members["cal"]
    on_c = await _post_id_on(c, cal, f"circle@{a.domain}", thread["uri"])

    await _support(c, cal, on_c, on=True)
    await rig.settle()
    assert await _support_seen_by_author(b, bea, thread["id"]) == 1
    await _support(c, cal, on_c, on=False)
    await rig.settle()
    assert await _support_seen_by_author(b, bea, thread["id"]) == 0
    sent = [
        *await _sent(c, "Like"),
        *await _sent(c, "Undo"),
        *await _sent(a, "Like"),
        *await _sent(a, "Undo"),
    ]
    assert len(sent) == 4
    addresses = [address for p in sent for key in ("to", "cc") for address in p.get(key, [])]
    assert PUBLIC not in addresses


def _lemmy(name: str, **uris: str) -> dict[str, Any]:
    """A captured Lemmy vote, its lemmy.ml addresses pointed at the rig's nodes."""
    text = (LEMMY_VOTING / name).read_text(encoding="utf-8")
    for old, new in uris.items():
        text = text.replace(old, new)
    document: dict[str, Any] = json.loads(text)
    return document


async def _deliver(signer: RigNode, handle: str, target: RigNode, activity: dict[str, Any]) -> None:
    """POST a signed activity to a node's shared inbox, as the named local actor."""
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


async def _errors(node: RigNode) -> list[str | None]:
    async with database_of(node) as session:
        rows = await session.scalars(
            select(InboxItem.last_error).where(InboxItem.state == QueueState.FAILED)
        )
        return list(rows)


async def test_lemmy_shaped_votes_count_as_support_and_a_dislike_is_ignored(rig: Rig) -> None:
    a, b, c, thread = await _open_circle(rig)
    bea = b.members["bea"]
    cal = f"{c.settings.base_url}/members/cal"
    group_uri = f"{a.settings.base_url}/groups/circle"
    uris = {
        "http://ds9.lemmy.ml/u/lemmy_alpha": cal,
        "http://enterprise.lemmy.ml/u/lemmy_beta": cal,
        "http://ds9.lemmy.ml/comment/1": thread["uri"],
        "http://ds9.lemmy.ml/post/1": thread["uri"],
        "https://enterprise.lemmy.ml/c/tenforward": group_uri,
        "http://ds9.lemmy.ml/activities": f"{c.settings.base_url}/activities",
        "http://enterprise.lemmy.ml/activities": f"{c.settings.base_url}/activities",
    }

    # Lemmy sends the vote to the community's inbox, the post by its URI only.
    like = _lemmy("like_note.json", **uris)
    assert like["object"] == thread["uri"]
    await _deliver(c, "cal", a, like)
    await _deliver(c, "cal", a, _lemmy("dislike_page.json", **uris))
    await rig.settle()
    assert [await _reactions(node) for node in (a, b)] == [1, 1]
    assert await _support_seen_by_author(b, bea, thread["id"]) == 1
    assert await _errors(a) == []  # the Dislike was ignored (no downvotes), not refused

    # Lemmy takes a vote back with a fresh Like id: the voter's support is found all the same.
    undo = _lemmy("undo_like_note.json", **uris)
    assert undo["object"]["id"] != like["id"]
    await _deliver(c, "cal", a, undo)
    await rig.settle()
    assert [await _reactions(node) for node in (a, b)] == [0, 0]

    # A Lemmy community wraps its members' votes in an Announce; beta believes the group
    # for a post made in it.
    announce = {
        "actor": group_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": _lemmy("like_note.json", **uris) | {"id": f"{c.settings.base_url}/likes/9"},
        "cc": [f"{group_uri}/followers"],
        "type": "Announce",
        "id": f"{a.settings.base_url}/activities/announce/lemmy-like",
    }
    await _deliver(a, "circle", b, announce)
    await rig.settle()
    assert await _support_seen_by_author(b, bea, thread["id"]) == 1
    assert await _errors(b) == []
