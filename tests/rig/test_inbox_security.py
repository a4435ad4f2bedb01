"""What a node does with deliveries it must not trust: refuse with a precise 4xx,
store nothing, and say why."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from federation.signing import signatures
from federation.tables import InboxItem
from tests.pieces import in_pieces, length_header
from tests.rig.rig import Rig, RigNode, count, keys_of, rotate_keys, rows_of

Signed = tuple[dict[str, str], bytes]


def _create(author: str, text: str = "hello") -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{author}/activities/forged-{abs(hash(text))}",
        "type": "Create",
        "actor": author,
        "object": {
            "id": f"{author}/notes/1",
            "type": "Note",
            "attributedTo": author,
            "content": text,
        },
    }


async def _post(node: RigNode, path: str, headers: dict[str, str], body: bytes) -> Any:
    assert node.client is not None
    async with node.client.post(path, data=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def _signed(
    signer: RigNode, handle: str, target: RigNode, activity: dict[str, Any], *, age: float = 0
) -> Signed:
    keys = await keys_of(signer, handle)
    body = json.dumps(activity).encode()
    headers = signatures.sign_request(
        "POST",
        f"{target.settings.base_url}/inbox",
        {"Content-Type": "application/activity+json"},
        body,
        key_id=keys.rsa_key_id,
        private_key=keys.rsa,
        now=target.clock() - timedelta(seconds=age),
    )
    del headers["Host"]  # the client sets it, as a real one would
    return headers, body


async def _nothing_stored(node: RigNode) -> None:
    assert await count(node, select(func.count()).select_from(InboxItem)) == 0


async def test_a_valid_signature_is_accepted(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    await a.member("ana")
    headers, body = await _signed(a, "ana", b, _create(f"{a.settings.base_url}/members/ana"))
    assert (await _post(b, "/inbox", headers, body))[0] == 202
    assert (await _post(b, "/inbox", headers, body))[0] == 202  # repeated: harmless
    assert await count(b, select(func.count()).select_from(InboxItem)) == 1


@pytest.mark.parametrize(
    ("attack", "code"),
    [
        ("tampered-body", "bad_signature"),
        ("replayed-old-date", "bad_signature"),
        ("another-actors-key", "key_not_actors"),
        ("forged-actor-on-another-node", "key_not_actors"),
        ("unsigned", "unsigned"),
    ],
)
async def test_untrustworthy_deliveries_get_401_and_store_nothing(
    rig: Rig, attack: str, code: str
) -> None:
    a, b, c = await rig.add_node("alpha"), await rig.add_node("beta"), await rig.add_node("gamma")
    await a.member("ana")
    await a.member("amos")
    await c.member("cara")
    ana = f"{a.settings.base_url}/members/ana"
    if attack == "tampered-body":
        headers, body = await _signed(a, "ana", b, _create(ana))
        body = body.replace(b"hello", b"HELLO")
    elif attack == "replayed-old-date":
        headers, body = await _signed(a, "ana", b, _create(ana), age=2 * 3600)
    elif attack == "another-actors-key":
        headers, body = await _signed(a, "amos", b, _create(ana))
    elif attack == "forged-actor-on-another-node":
        headers, body = await _signed(c, "cara", b, _create(ana))
    else:
        headers, body = (
            {"Content-Type": "application/activity+json"},
            json.dumps(_create(ana)).encode(),
        )
    status, problem = await _post(b, "/inbox", headers, body)
    assert status == 401, problem
    assert problem["code"] == code
    await _nothing_stored(b)


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
async def test_a_large_create_arriving_in_pieces_is_accepted_whole(rig: Rig, length: bool) -> None:
    """Peers on a real network deliver a long post as many TCP segments: the inbox
    reads them all before checking the digest and the JSON."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    await a.member("ana")
    text = "".join(f"<p>Paragraph {n}: what the last year taught me.</p>" for n in range(9000))
    headers, body = await _signed(a, "ana", b, _create(f"{a.settings.base_url}/members/ana", text))
    assert 400 * 1024 < len(body) < b.settings.max_request_bytes
    assert b.client is not None
    async with b.client.post(
        "/inbox", data=in_pieces(body), headers={**headers, **length_header(body, length=length)}
    ) as response:
        assert response.status == 202, await response.text()
    stored = await rows_of(b, select(InboxItem.payload))
    assert stored == [(body.decode(),)]


async def test_inbox_limits_answer_precisely(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    await a.member("ana")
    activity = _create(f"{a.settings.base_url}/members/ana")
    headers, body = await _signed(a, "ana", b, activity)
    too_big = body + b" " * (1024 * 1024)
    assert (await _post(b, "/inbox", headers, too_big))[1]["code"] == "too_large"
    wrong_type = {**headers, "Content-Type": "text/plain"}
    assert (await _post(b, "/inbox", wrong_type, body))[0] == 415
    assert (await _post(b, "/inbox", headers, b"{not json"))[0] == 400
    assert (await _post(b, "/inbox", headers, b"[1, 2]"))[0] == 400
    assert (await _post(b, "/members/nobody/inbox", headers, body))[0] == 404
    await _nothing_stored(b)


async def test_a_rotated_key_is_fetched_again_once(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    await a.member("ana")
    first, body = await _signed(a, "ana", b, _create(f"{a.settings.base_url}/members/ana", "one"))
    assert (await _post(b, "/inbox", first, body))[0] == 202  # beta now holds ana's key
    await rotate_keys(a, "ana")
    second, body = await _signed(a, "ana", b, _create(f"{a.settings.base_url}/members/ana", "two"))
    status, answer = await _post(b, "/inbox", second, body)
    assert status == 202, answer
    assert await count(b, select(func.count()).select_from(InboxItem)) == 2


async def test_hostile_requests_naming_a_held_key_do_not_make_the_node_fetch_it_each_time(
    rig: Rig,
) -> None:
    """Beta holds ana's key; alpha then goes away. A stale date or a changed body fails
    with any key, so beta says exactly that instead of trying to fetch the key again. A
    signature that does not verify may mean a rotated key: beta tries alpha once, and
    for the next such request within the minute, it does not try again."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    await a.member("ana")
    await a.member("amos")
    ana = f"{a.settings.base_url}/members/ana"
    valid = await _signed(a, "ana", b, _create(ana, "one"))
    stale = await _signed(a, "ana", b, _create(ana, "two"), age=2 * 3600)
    tampered_headers, body = await _signed(a, "ana", b, _create(ana, "three"))
    forged = [await _signed(a, "amos", b, _create(ana, text)) for text in ("four", "five")]
    for headers, _ in forged:  # amos's signature under ana's keyId: does not verify
        headers["Signature"] = headers["Signature"].replace("/amos#", "/ana#")
    assert (await _post(b, "/inbox", *valid))[0] == 202
    await a.stop()
    for headers, sent in (stale, (tampered_headers, body.replace(b"three", b"THREE"))):
        status, problem = await _post(b, "/inbox", headers, sent)
        assert (status, problem["code"]) == (401, "bad_signature"), problem
    status, problem = await _post(b, "/inbox", *forged[0])
    assert (status, problem["code"]) == (401, "key_unavailable"), problem  # alpha tried once
    status, problem = await _post(b, "/inbox", *forged[1])
    assert (status, problem["code"]) == (401, "bad_signature"), problem
    assert problem["detail"] == "signature does not verify"
    assert await count(b, select(func.count()).select_from(InboxItem)) == 1
