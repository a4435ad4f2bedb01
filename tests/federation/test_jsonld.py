"""What a JSON-LD peer (Fedify, say) reads in the documents this node serves.

Mastodon and Lemmy read our documents as plain JSON; Fedify and other JSON-LD
processors expand them first, and a term the ``@context`` does not define becomes
a blank-node property (the ActivityStreams context maps unknown terms to ``_:``)
that they ignore: an undefined ``assertionMethod`` once hid our Ed25519 key, so
our RFC 9421 Ed25519 signatures could not be verified. Every document is expanded
here with PyLD, the contexts served from the copies cached in the shared fixtures
and nothing fetched (``tests.jsonld``).
"""

from __future__ import annotations

from typing import Any

from tests.api_client import Api
from tests.jsonld import expand, expand_all, undefined_terms

AS2 = {"Accept": "application/activity+json"}
SEC = "https://w3id.org/security#"
AS = "https://www.w3.org/ns/activitystreams#"


async def _get(api: Api, path: str) -> dict[str, Any]:
    async with api.client.get(path, headers=AS2) as response:
        assert response.status == 200, path
        document: dict[str, Any] = await response.json(content_type=None)
        return document


def _assert_keys_readable(document: dict[str, Any]) -> None:
    """The Ed25519 key as a FEP-521a ``Multikey`` in ``assertionMethod``, and the RSA key
    still under security v1's ``publicKey``, as a JSON-LD processor reads them."""
    node = expand(document)
    (method,) = node[SEC + "assertionMethod"]
    (published,) = document["assertionMethod"]
    assert method["@id"] == published["id"]
    assert method["@type"] == [SEC + "Multikey"]
    assert method[SEC + "controller"] == [{"@id": document["id"]}]
    assert method[SEC + "publicKeyMultibase"] == [
        {"@type": SEC + "multibase", "@value": published["publicKeyMultibase"]}
    ]
    (rsa,) = node[SEC + "publicKey"]
    assert rsa["@id"] == document["publicKey"]["id"]
    assert rsa[SEC + "owner"] == [{"@id": document["id"]}]
    assert rsa[SEC + "publicKeyPem"] == [{"@value": document["publicKey"]["publicKeyPem"]}]


async def test_a_json_ld_peer_finds_both_keys_of_every_actor(api: Api) -> None:
    """Members, groups, the instance actor, and a private group's actor as an unsigned
    fetch gets it (its keys only)."""
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    await api.create_group(ana, "hidden", visibility="private")
    for path in ("/members/ana", "/groups/circle", "/actor", "/groups/hidden"):
        document = await _get(api, path)
        _assert_keys_readable(document)
        assert undefined_terms(expand_all(document)) == set()


async def test_every_term_of_every_document_served_is_defined(api: Api) -> None:
    """Actors, posts and collections keep every property through JSON-LD expansion, our
    own extensions (Lemmy's, Mastodon's, FEP-844e's) included."""
    ana = await api.register("ana")
    await api.create_group(ana, "circle", join_policy="approval", description="Be kind")
    thread = await api.post(ana, "circle", "Hi *all*", title="Hello", content_warning="grief")
    reply = await api.reply(ana, thread["id"], "A reply")
    (await api.call("PUT", f"/api/v1/posts/{thread['id']}/pin", as_=ana)).expect(200)
    paths = [
        "/members/ana",
        "/groups/circle",
        "/actor",
        f"/posts/{thread['id']}",
        f"/posts/{reply['id']}",
        "/groups/circle/followers",
        "/groups/circle/featured",
        "/groups/circle/moderators",
    ]
    for path in paths:
        document = await _get(api, path)
        assert undefined_terms(expand_all(document)) == set(), path

    group = expand(await _get(api, "/groups/circle"))
    assert group[AS + "sensitive"] == [{"@value": False}]
    assert group["https://join-lemmy.org/ns#moderators"] == [
        {"@id": "http://node.test/groups/circle/moderators"}
    ]
    assert group["http://joinmastodon.org/ns#featured"] == [
        {"@id": "http://node.test/groups/circle/featured"}
    ]
    page = expand(await _get(api, f"/posts/{thread['id']}"))
    assert page[AS + "sensitive"] == [{"@value": True}]
    assert page[AS + "audience"] == [{"@id": "http://node.test/groups/circle"}]
