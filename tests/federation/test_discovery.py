"""What another server sees when it looks this node's members and groups up."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.remote.actors import parse_actor
from federation.signing import keystore, rfc9421, signatures
from federation.signing.instance import instance_actor
from federation.signing.keys import decode_multikey, load_public_key_pem
from federation.signing.keystore import local_keys
from federation.signing.policy import Verified
from node.actors import find_actor
from node.kinds import ActorKind
from node.site import Site
from node.suspensions import suspend_account
from tests.api_client import Api

AS2 = {"Accept": "application/activity+json"}
LD = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}


async def _fetch(api: Api, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    async with api.client.get(path, headers=headers or {}) as response:
        if response.content_type.endswith("json"):
            return response.status, await response.json(content_type=None)
        return response.status, await response.text()


async def _get(api: Api, path: str, headers: dict[str, str] | None = None) -> Any:
    status, body = await _fetch(api, path, headers)
    assert status == 200, body
    return body


async def test_webfinger_resolves_members_and_groups_unambiguously(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "grief-circle")
    jrd = await _get(api, "/.well-known/webfinger?resource=acct:ana@node.test")
    assert jrd["subject"] == "acct:ana@node.test"
    self_link = next(link for link in jrd["links"] if link["rel"] == "self")
    assert self_link["href"] == "http://node.test/members/ana"
    assert self_link["type"] == "application/activity+json"
    jrd = await _get(api, "/.well-known/webfinger?resource=acct:GRIEF-circle@node.test")
    assert jrd["links"][0]["href"] == "http://node.test/groups/grief-circle"
    assert jrd["links"][0]["properties"]["https://www.w3.org/ns/activitystreams#type"] == "Group"
    jrd = await _get(api, "/.well-known/webfinger?resource=http://node.test/groups/grief-circle")
    assert jrd["subject"] == "acct:grief-circle@node.test"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 400),
        ("?resource=ana", 400),
        ("?resource=acct:nobody@node.test", 404),
        ("?resource=acct:ana@elsewhere.example", 404),
    ],
    ids=["missing", "not-a-resource", "unknown", "other-domain"],
)
async def test_webfinger_refuses_what_it_cannot_answer(api: Api, query: str, status: int) -> None:
    await api.register("ana")
    got, body = await _fetch(api, "/.well-known/webfinger" + query)
    assert got == status
    assert body["code"]


async def test_host_meta_and_nodeinfo(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    await api.post(ana, "circle", "Hello")
    xml = await _get(api, "/.well-known/host-meta")
    assert 'template="http://node.test/.well-known/webfinger?resource={uri}"' in xml
    links = await _get(api, "/.well-known/nodeinfo")
    assert links["links"][0]["href"] == "http://node.test/nodeinfo/2.1"
    info = await _get(api, "/nodeinfo/2.1")
    assert info["software"]["name"] == "kinfolk"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["users"]["total"] == 1
    assert info["usage"]["localPosts"] == 1


async def test_nodeinfo_counts_only_posts_anyone_may_read(
    api: Api, sessions: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    """A private group's posts, and posts held, deleted, removed or by a suspended account,
    leave ``localPosts`` as it was: polling it tells nobody that a private group is busy."""

    async def local_posts() -> int:
        count: int = (await _get(api, "/nodeinfo/2.1"))["usage"]["localPosts"]
        return count

    ana, ben, cy = await api.register("ana"), await api.register("ben"), await api.register("cy")
    await api.create_group(ana, "circle")
    await api.create_group(ana, "hidden", visibility="private")
    for member in (ben, cy):
        await api.join(member, "circle")
    thread = await api.post(ana, "circle", "Open to all", title="Hello")
    await api.reply(ben, thread["id"], "Welcome")
    assert await local_posts() == 2
    users = (await _get(api, "/nodeinfo/2.1"))["usage"]["users"]
    assert (users["total"], users["activeMonth"]) == (3, 2)

    await api.post(ana, "hidden", "Only for us", title="Between us")
    assert await local_posts() == 2
    gone = await api.post(ben, "circle", "I regret this")
    (await api.call("DELETE", f"/api/v1/posts/{gone['id']}", as_=ben)).expect(204)
    removed = await api.post(cy, "circle", "Buy my course")
    answer = await api.call(
        "POST", f"/api/v1/posts/{removed['id']}/remove", as_=ana, json={"reason": "spam"}
    )
    answer.expect(204)
    assert await local_posts() == 2
    settings = {"hold_new_members_posts": True}
    patched = await api.call("PATCH", "/api/v1/groups/circle/settings", as_=ana, json=settings)
    patched.expect(200)
    dan = await api.register("dan")
    await api.join(dan, "circle")
    held = await api.post(dan, "circle", "My first post")
    assert held["held"] is True
    assert await local_posts() == 2
    async with sessions.begin() as session:
        await suspend_account(session, Site("http://node.test"), None, "ben", reason="x", now=now)
    assert await local_posts() == 1  # ben's reply is hidden like a removed one


@pytest.mark.parametrize("accept", [AS2, LD], ids=["activity+json", "ld+json"])
async def test_member_is_a_person_with_both_keys(api: Api, accept: dict[str, str]) -> None:
    await api.register("ana")
    person = await _get(api, "/members/ana", accept)
    assert person["type"] == "Person"
    assert person["id"] == "http://node.test/members/ana"
    assert person["inbox"] == "http://node.test/members/ana/inbox"
    assert person["endpoints"]["sharedInbox"] == "http://node.test/inbox"
    assert person["publicKey"]["owner"] == person["id"]
    rsa_key = load_public_key_pem(person["publicKey"]["publicKeyPem"])
    assert isinstance(rsa_key, rsa.RSAPublicKey)
    assert rsa_key.key_size == 2048
    (method,) = person["assertionMethod"]
    assert method["type"] == "Multikey"
    assert method["controller"] == person["id"]
    assert isinstance(decode_multikey(method["publicKeyMultibase"]), ed25519.Ed25519PublicKey)
    # The keys are made once and kept.
    again = await _get(api, "/members/ana", accept)
    assert again["publicKey"] == person["publicKey"]


async def test_serving_an_actor_never_parses_a_private_key(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
) -> None:
    """Every fetch of an actor publishes its public keys as stored: parsing the private
    RSA key (30-45 ms) has no place in answering one, however often peers ask."""
    await api.register("ana")
    await _get(api, "/members/ana", AS2)  # the keys are made on first use

    def refuse(pem: str | bytes) -> None:
        raise AssertionError("a private key was parsed to publish an actor")

    monkeypatch.setattr(keystore, "load_private_key_pem", refuse)
    person = await _get(api, "/members/ana", AS2)
    monkeypatch.undo()
    async with sessions.begin() as session:
        ana = await find_actor(session, "ana", "node.test", ActorKind.PERSON)
        keys = await local_keys(session, ana, now=now)
    assert person["publicKey"]["publicKeyPem"] == keys.rsa_public_pem
    (method,) = person["assertionMethod"]
    assert decode_multikey(method["publicKeyMultibase"]) == keys.ed25519.public_key()


async def test_browsers_get_html(api: Api) -> None:
    await api.register("ana")
    page = await _get(api, "/members/ana", {"Accept": "text/html"})
    assert "<h1>ana</h1>" in page


async def test_group_actor_carries_lemmy_and_fep_1b12_fields(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle", join_policy="approval", description="Be kind")
    group = await _get(api, "/groups/circle", AS2)
    assert group["type"] == "Group"
    assert group["manuallyApprovesFollowers"] is True
    assert group["attributedTo"] == "http://node.test/groups/circle/moderators"
    assert group["postingRestrictedToMods"] is False
    assert group["summary"] == "<p>Be kind</p>"
    followers = await _get(api, "/groups/circle/followers", AS2)
    assert followers == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "http://node.test/groups/circle/followers",
        "type": "OrderedCollection",
        "totalItems": 1,
    }


KEY_DOCUMENT = {
    "@context",
    "id",
    "type",
    "preferredUsername",
    "inbox",
    "endpoints",
    "publicKey",
    "assertionMethod",
    "discoverable",
}


async def test_private_groups_and_their_posts_are_not_served_unsigned(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(
        ana,
        "hidden",
        visibility="private",
        display_name="Hidden Circle",
        description="Where we talk about it",
    )
    post = await api.post(ana, "hidden", "Only for us")
    # The group's actor, unsigned: its keys and inbox only (see the next test).
    status, about = await _fetch(api, "/groups/hidden", AS2)
    assert status == 200
    assert set(about) == KEY_DOCUMENT
    assert "Hidden Circle" not in str(about)
    assert "Where we talk" not in str(about)
    assert (await _fetch(api, "/groups/hidden", {"Accept": "text/html"}))[0] == 404
    for collection in ("followers", "outbox", "featured", "moderators"):
        assert (await _fetch(api, f"/groups/hidden/{collection}", AS2))[0] == 404
    assert (await _fetch(api, f"/posts/{post['id']}", AS2))[0] == 404


async def test_a_private_groups_signatures_verify_with_the_keys_fetched_unsigned(
    api: Api, sessions: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    """Many servers fetch a signer's key without signing: a private group's actor answers
    them with its keys, so what the group signs (its Accepts) verifies there too."""
    ana = await api.register("ana")
    await api.create_group(ana, "hidden", visibility="private")
    status, document = await _fetch(api, "/groups/hidden", AS2)
    assert status == 200, document
    assert document["discoverable"] is False
    assert document["inbox"] == "http://node.test/groups/hidden/inbox"
    fetched = {key.key_id: key.key for key in parse_actor(document).keys}
    async with sessions.begin() as session:
        group = await find_actor(session, "hidden", "node.test", ActorKind.GROUP)
        keys = await local_keys(session, group, now=now)
    assert set(fetched) == {keys.rsa_key_id, keys.ed25519_key_id}
    url, body = "http://peer.example/inbox", b'{"type": "Accept"}'
    headers = {"Content-Type": "application/activity+json"}
    cavage = signatures.sign_request(
        "POST", url, headers, body, key_id=keys.rsa_key_id, private_key=keys.rsa, now=now
    )
    verified = signatures.verify_request(
        "POST", url, cavage, body, key=fetched[keys.rsa_key_id], now=now
    )
    assert isinstance(verified, Verified), verified
    signed = rfc9421.sign_request(
        "POST", url, headers, body, key_id=keys.ed25519_key_id, private_key=keys.ed25519, now=now
    )
    verified = rfc9421.verify_request(
        "POST", url, signed, body, key=fetched[keys.ed25519_key_id], now=now
    )
    assert isinstance(verified, Verified), verified


async def test_posts_are_pages_and_notes_with_audience(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    thread = await api.post(ana, "circle", "Hi *all*", title="Hello", content_warning="grief")
    reply = await api.reply(ana, thread["id"], "A reply")
    page = await _get(api, f"/posts/{thread['id']}", AS2)
    assert page["type"] == "Page"
    assert page["name"] == "Hello"
    assert page["audience"] == "http://node.test/groups/circle"
    assert page["summary"] == "grief"
    assert page["sensitive"] is True
    assert "https://www.w3.org/ns/activitystreams#Public" in page["to"]
    note = await _get(api, f"/posts/{reply['id']}", AS2)
    assert note["type"] == "Note"
    assert note["inReplyTo"] == thread["uri"]


async def test_instance_actor(api: Api) -> None:
    actor = await _get(api, "/actor", AS2)
    assert actor["type"] == "Application"
    assert actor["id"] == "http://node.test/actor"


async def test_two_first_uses_of_the_instance_actor_at_once_agree_on_one(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    site = Site("http://node.test")

    async def first_use() -> str:
        async with sessions.begin() as session:
            return (await instance_actor(session, site, now=now)).uri

    assert set(await asyncio.gather(first_use(), first_use(), first_use())) == {
        "http://node.test/actor"
    }
