"""Fake Mastodon and Lemmy servers for the rig, speaking as their captured payloads show.

A ``ShapedPeer`` is one remote host on its own loopback address. It serves
WebFinger, its actors' documents (each with a fresh RSA key) and every object it
has published; it records what arrives in any inbox, verified with our own
verifiers against the key the sending node serves (``tests.federation.fake_inbox``);
and it sends activities signed as Mastodon and Lemmy sign them: draft-cavage
``rsa-sha256`` over ``(request-target) host date digest content-type``.

Every payload it builds is a captured one from ``shared/fixtures/activitypub``
(``mastodon/`` and ``lemmy/``; Mastodon's account deletion from Mobilizon's captures
in ``activitypub-extra``): only ids, actors and hosts are rewritten to this
peer and to the rig's nodes, plus the text, title and content warning a test
chooses. Contexts, extra fields, tag shapes and ``to``/``cc`` stay as captured.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.delivery.sender import CONTENT_TYPE
from federation.protocol.vocab import ACTIVITY_JSON
from federation.remote.actors import parse_actor
from federation.signing import signatures
from federation.signing.keys import PublicKey, public_key_to_pem
from tests.api_client import Member
from tests.federation.fake_inbox import Received, signed_key_id, verify_signed
from tests.key_pool import RSA_KEYS
from tests.rig.rig import Rig, RigNode, _free_port
from tests.shared_fixtures import activitypub_fixture, extra_fixture

# What Mastodon (and Lemmy's activitypub-federation) sign on a POST with a body.
SIGNED_HEADERS = ("(request-target)", "host", "date", "digest", "content-type")

T = TypeVar("T")


def rewrite(value: T, replacements: Mapping[str, str]) -> T:
    """``value`` with each key of ``replacements`` replaced in every string, in one pass
    (longest keys first, so ``…/users/kde`` wins over ``…``; no replacement is re-replaced)."""
    pattern = re.compile("|".join(map(re.escape, sorted(replacements, key=len, reverse=True))))

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(lambda match: replacements[match.group(0)], item)
        if isinstance(item, list):
            return [walk(entry) for entry in item]
        if isinstance(item, dict):
            return {key: walk(entry) for key, entry in item.items()}
        return item

    rewritten: T = walk(value)
    return rewritten


def handle_of(actor: dict[str, Any]) -> str:
    """``name@host:port`` of an actor document."""
    return f"{actor['preferredUsername']}@{urlsplit(actor['id']).netloc}"


def shared_inbox(actor: dict[str, Any]) -> str:
    """Where a server delivers to an actor: its shared inbox if it has one, as all do."""
    return str(actor.get("endpoints", {}).get("sharedInbox") or actor["inbox"])


@dataclass
class PeerActor:
    """One actor of a peer, with the private key it signs with."""

    handle: str
    document: dict[str, Any]
    key: rsa.RSAPrivateKey

    @property
    def uri(self) -> str:
        return str(self.document["id"])

    @property
    def key_id(self) -> str:
        return str(self.document["publicKey"]["id"])


class ShapedPeer:
    """One fake remote server; ``await start()``, add actors, then ``deliver``."""

    def __init__(self, host: str, clock: Callable[[], datetime]) -> None:
        self.host = host
        self.port = _free_port(host)
        self.clock = clock
        self.received: list[Received] = []
        self.actors: dict[str, PeerActor] = {}
        self._documents: dict[str, dict[str, Any]] = {}  # what GET serves, by path
        self.gone: set[str] = set()  # paths that answer 410 Gone (deleted)
        self.asked_for: list[str] = []  # the paths of every GET, in order
        self.down = False  # the inbox answers 503, as a server in trouble does
        self._keys: dict[str, PublicKey] = {}  # senders' keys, by keyId
        self._serial = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def domain(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        return f"http://{self.domain}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/.well-known/webfinger", self._webfinger)
        app.router.add_get("/{tail:.*}", self._document)
        app.router.add_post("/{tail:.*}", self._inbox)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self._http = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def publish(self, document: dict[str, Any]) -> dict[str, Any]:
        """Serve ``document`` at its id from now on."""
        self._documents[urlsplit(document["id"]).path] = document
        return document

    def add_actor(self, handle: str, document: dict[str, Any]) -> PeerActor:
        """Publish an actor document with an RSA key of its own (from the tests' pool)."""
        key = RSA_KEYS.draw()
        document["publicKey"]["publicKeyPem"] = public_key_to_pem(key.public_key())
        self.actors[handle] = PeerActor(handle, self.publish(document), key)
        return self.actors[handle]

    def serial(self) -> int:
        return next(self._serial)

    def received_of(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.activity.get("type") == kind]

    async def fetch(self, url: str) -> dict[str, Any]:
        assert self._http is not None, "start() the peer first"
        async with self._http.get(url, headers={"Accept": ACTIVITY_JSON}) as response:
            response.raise_for_status()
            document: dict[str, Any] = await response.json(content_type=None)
            return document

    async def resolve(self, handle: str) -> dict[str, Any]:
        """An actor elsewhere by ``name@host``, as a user typing it would find it."""
        host = handle.rpartition("@")[2]
        jrd = await self.fetch(f"http://{host}/.well-known/webfinger?resource=acct:{handle}")
        (href,) = [link["href"] for link in jrd["links"] if link.get("rel") == "self"]
        return await self.fetch(href)

    async def deliver(self, sender: PeerActor, inbox: str, activity: dict[str, Any]) -> int:
        """POST ``activity`` to ``inbox`` signed by ``sender``; return the status."""
        assert self._http is not None, "start() the peer first"
        body = json.dumps(activity).encode()
        headers = signatures.sign_request(
            "POST",
            inbox,
            {"Content-Type": CONTENT_TYPE},
            body,
            key_id=sender.key_id,
            private_key=sender.key,
            now=self.clock(),
            covered=SIGNED_HEADERS,
        )
        async with self._http.post(inbox, data=body, headers=headers) as response:
            return response.status

    async def _webfinger(self, request: web.Request) -> web.Response:
        name, _, domain = request.query.get("resource", "").removeprefix("acct:").partition("@")
        actor = self.actors.get(name)
        if actor is None or domain != self.domain:
            raise web.HTTPNotFound()
        jrd = {
            "subject": f"acct:{name}@{self.domain}",
            "links": [{"rel": "self", "type": ACTIVITY_JSON, "href": actor.uri}],
        }
        return web.json_response(jrd, content_type="application/jrd+json")

    async def _document(self, request: web.Request) -> web.Response:
        self.asked_for.append(request.path)
        if request.path in self.gone:
            raise web.HTTPGone()
        document = self._documents.get(request.path)
        if document is None:
            raise web.HTTPNotFound()
        return web.json_response(document, content_type=ACTIVITY_JSON)

    async def _inbox(self, request: web.Request) -> web.Response:
        if self.down:
            raise web.HTTPServiceUnavailable()
        body = await request.read()
        headers = dict(request.headers)
        key_id = signed_key_id(headers)
        key = await self._key(key_id) if key_id else None
        url = f"http://{request.host}{request.raw_path}"
        check = verify_signed(url, headers, body, key, self.clock())
        problem = check[1]
        self.received.append(Received.of(request, body, check, 401 if problem else 202))
        return web.Response(status=401 if problem else 202, text=problem or "")

    async def _key(self, key_id: str) -> PublicKey | None:
        """The sender's key, from the actor document its node serves."""
        if key_id not in self._keys:
            try:
                actor = parse_actor(await self.fetch(key_id.split("#", 1)[0]))
            except (aiohttp.ClientError, ValueError):  # Malformed is a ValueError
                return None
            self._keys.update((k.key_id, k.key) for k in actor.keys)
        return self._keys.get(key_id)


# --- Mastodon ---------------------------------------------------------------------------

_MASTO_PERSON = "https://masto.qa.urbanwildlife.biz"
_MASTO_FOLLOWER = "https://masto.asonix.dog"
_MASTO_FOLLOWED = "https://ds9.lemmy.ml/c/testcom"
_MASTO_STATUS = "113306831140126616"


class MastodonPeer(ShapedPeer):
    """A Mastodon server: people who follow, mention, post with a CW and unfollow."""

    def person(self, name: str) -> PeerActor:
        """A Mastodon account (``mastodon/objects/person.json``)."""
        document = rewrite(
            activitypub_fixture("mastodon/objects/person.json"),
            {
                f"{_MASTO_PERSON}/users/mastodon": f"{self.origin}/users/{name}",
                f"{_MASTO_PERSON}/@mastodon": f"{self.origin}/@{name}",
                _MASTO_PERSON: self.origin,
            },
        )
        document.update(preferredUsername=name, name=name.title())
        return self.add_actor(name, document)

    def follow(self, person: PeerActor, target: str) -> dict[str, Any]:
        """``mastodon/activities/follow.json``: an id of the origin and a UUID."""
        captured = activitypub_fixture("mastodon/activities/follow.json")
        return rewrite(
            captured,
            {
                captured["id"]: f"{self.origin}/{uuid.uuid4()}",
                f"{_MASTO_FOLLOWER}/users/asonix": person.uri,
                _MASTO_FOLLOWED: target,
            },
        )

    def undo(self, person: PeerActor, follow: dict[str, Any]) -> dict[str, Any]:
        """``mastodon/activities/undo_follow.json`` of a Follow sent earlier."""
        captured = activitypub_fixture("mastodon/activities/undo_follow.json")
        return rewrite(
            captured,
            {
                captured["id"]: f"{person.uri}#follows/{self.serial()}/undo",
                captured["object"]["id"]: follow["id"],
                f"{_MASTO_FOLLOWER}/users/asonix": person.uri,
                _MASTO_FOLLOWED: follow["object"],
            },
        )

    def delete_account(self, person: PeerActor) -> dict[str, Any]:
        """The account deletes itself: from now on its actor and statuses answer 410, as
        Mastodon's do, and this is the ``Delete`` of the account (the ``Person`` embedded)
        that Mastodon sends every server it knows (as Mobilizon's tests captured it)."""
        prefix = urlsplit(person.uri).path
        self.gone.update(p for p in self._documents if p == prefix or p.startswith(f"{prefix}/"))
        captured = extra_fixture("framasoft+mobilizon/test/fixtures/mastodon-delete-user.json")
        return rewrite(captured, {captured["actor"]: person.uri})

    def mention(
        self,
        person: PeerActor,
        group: dict[str, Any],
        text: str,
        *,
        summary: str | None = None,
        in_reply_to: str | None = None,
    ) -> dict[str, Any]:
        """A public status that mentions ``group`` (an actor document): the Note of
        ``mastodon/objects/note_2.json`` (to Public, cc followers and the group, a Mention
        tag) in the Create of ``mastodon/activities/create_note.json``. A ``summary`` is a
        CW, which Mastodon always sends with ``sensitive: true``."""
        status = str(int(_MASTO_STATUS) + self.serial())
        note = rewrite(
            activitypub_fixture("mastodon/objects/note_2.json"),
            {
                f"https://floss.social/users/kde/statuses/{_MASTO_STATUS}": (
                    f"{person.uri}/statuses/{status}"
                ),
                f"https://floss.social/@kde/{_MASTO_STATUS}": (
                    f"{self.origin}/@{person.handle}/{status}"
                ),
                "https://floss.social/users/kde": person.uri,
                "https://floss.social": self.origin,
                "https://lemmy.kde.social/c/kde/followers": group["followers"],
                "https://lemmy.kde.social/c/kde": group["id"],
                "kde@lemmy.kde.social": handle_of(group),
            },
        )
        mention_paragraph = note["content"].split("</p>", 1)[0] + "</p>"
        content = f"{mention_paragraph}<p>{html.escape(text)}</p>"
        note.update(
            summary=summary,
            sensitive=summary is not None,
            content=content,
            contentMap={"en": content},
            inReplyTo=in_reply_to,
            inReplyToAtomUri=in_reply_to,
            published=_iso(self.clock()),
        )
        create = activitypub_fixture("mastodon/activities/create_note.json")
        create.update(
            {
                "@context": note.pop("@context"),  # the status's full context, on the wire
                "id": f"{note['id']}/activity",
                "actor": person.uri,
                "published": note["published"],
                "to": note["to"],  # Mastodon addresses the Create as its status
                "cc": note["cc"],
                "object": note,
            }
        )
        self.publish({"@context": create["@context"], **note})
        return create

    def direct_note(
        self,
        person: PeerActor,
        recipient: dict[str, Any],
        text: str,
        *,
        in_reply_to: str | None = None,
    ) -> dict[str, Any]:
        """A private mention of ``recipient`` (an actor document): the Note of
        ``mastodon/activities/private_message.json`` (to the one person, cc nobody, a
        Mention tag, the mention first in its content) in the Create of
        ``mastodon/activities/create_note.json``, addressed as the Note. Never published:
        Mastodon serves a direct status to nobody but the people it mentions."""
        captured = activitypub_fixture("mastodon/activities/private_message.json")
        status = str(int(_MASTO_STATUS) + self.serial())
        note = rewrite(
            captured,
            {
                captured["id"]: f"{person.uri}/statuses/{status}",
                captured["url"]: f"{self.origin}/@{person.handle}/{status}",
                "https://mastodon.world/users/nutomic": person.uri,
                "https://ds9.lemmy.ml/u/nutomic": recipient["id"],
                "nutomic@ds9.lemmy.ml": handle_of(recipient),
            },
        )
        content = note["content"].replace(" 444</p>", f" {html.escape(text)}</p>")
        note.update(
            content=content,
            contentMap={"en": content},
            inReplyTo=in_reply_to,
            inReplyToAtomUri=in_reply_to,
            published=_iso(self.clock()),
        )
        create = activitypub_fixture("mastodon/activities/create_note.json")
        create.update(
            {
                "@context": note.pop("@context"),
                "id": f"{note['id']}/activity",
                "actor": person.uri,
                "published": note["published"],
                "to": note["to"],
                "cc": note["cc"],
                "object": note,
            }
        )
        return create


# --- Lemmy ------------------------------------------------------------------------------

_LEMMY = "https://enterprise.lemmy.ml"
_LEMMY_HTTP = "http://enterprise.lemmy.ml"  # the activities were captured on plain http
_LEMMY_ANNOUNCE = "lemmy/activities/community/announce_create_page.json"


class LemmyPeer(ShapedPeer):
    """A Lemmy server: a community that accepts followers and announces its posts."""

    def community(self, name: str) -> PeerActor:
        """A community (``lemmy/objects/group.json``)."""
        document = rewrite(
            activitypub_fixture("lemmy/objects/group.json"),
            {f"{_LEMMY}/c/tenforward": f"{self.origin}/c/{name}", _LEMMY: self.origin},
        )
        document.update(preferredUsername=name, name=name.title())
        return self.add_actor(name, document)

    def person(self, name: str) -> PeerActor:
        """A Lemmy user (``lemmy/objects/person.json``)."""
        document = rewrite(
            activitypub_fixture("lemmy/objects/person.json"),
            {f"{_LEMMY}/u/picard": f"{self.origin}/u/{name}", _LEMMY: self.origin},
        )
        document.update(preferredUsername=name, name=name.title())
        return self.add_actor(name, document)

    def accept(self, community: PeerActor, follow: dict[str, Any]) -> dict[str, Any]:
        """``lemmy/activities/following/accept.json`` of a Follow received."""
        captured = activitypub_fixture("lemmy/activities/following/accept.json")
        return rewrite(
            captured,
            {
                captured["id"]: f"{self.origin}/activities/accept/{uuid.uuid4()}",
                captured["object"]["id"]: follow["id"],
                "http://ds9.lemmy.ml/u/lemmy_alpha": follow["actor"],
                f"{_LEMMY_HTTP}/c/main": community.uri,
            },
        )

    def page(
        self,
        community: PeerActor,
        author: PeerActor,
        title: str,
        text: str,
        *,
        sensitive: bool = False,
        summary: str | None = None,
    ) -> dict[str, Any]:
        """A thread start (``lemmy/objects/page.json``); ``sensitive`` is Lemmy's NSFW."""
        page = rewrite(
            activitypub_fixture("lemmy/objects/page.json"),
            {
                f"{_LEMMY}/post/55143": f"{self.origin}/post/{self.serial()}",
                f"{_LEMMY}/u/picard": author.uri,
                f"{_LEMMY}/c/tenforward": community.uri,
                "tenforward@enterprise.lemmy.ml": f"{community.handle}@{self.domain}",
                _LEMMY: self.origin,
            },
        )
        page.update(
            name=title,
            content=f"<p>{html.escape(text)}</p>\n",
            sensitive=sensitive,
            published=_iso(self.clock()),
        )
        page["source"]["content"] = text
        if summary is not None:
            page["summary"] = summary
        return self.publish(page)

    def comment(
        self, community: PeerActor, author: PeerActor, in_reply_to: str, text: str
    ) -> dict[str, Any]:
        """A reply (``lemmy/objects/comment.json``) to the post or comment ``in_reply_to``."""
        comment = rewrite(
            activitypub_fixture("lemmy/objects/comment.json"),
            {
                f"{_LEMMY}/comment/38741": f"{self.origin}/comment/{self.serial()}",
                f"{_LEMMY}/post/55143": in_reply_to,
                f"{_LEMMY}/u/picard": author.uri,
                f"{_LEMMY}/c/tenforward": community.uri,
                "@tenforward@enterprise.lemmy.ml": f"@{community.handle}@{self.domain}",
                "@picard@enterprise.lemmy.ml": f"@{author.handle}@{self.domain}",
                _LEMMY: self.origin,
            },
        )
        comment.update(content=f"<p>{html.escape(text)}</p>\n", published=_iso(self.clock()))
        comment["source"]["content"] = text
        return self.publish(comment)

    def create(
        self, community: PeerActor, author: PeerActor, page: dict[str, Any]
    ) -> dict[str, Any]:
        """The Create of ``page``, as ``lemmy/…/announce_create_page.json`` wraps it."""
        captured = activitypub_fixture(_LEMMY_ANNOUNCE)["object"]
        create = rewrite(
            {key: value for key, value in captured.items() if key != "object"},
            {
                captured["id"]: f"{self.origin}/activities/create/{uuid.uuid4()}",
                f"{_LEMMY_HTTP}/u/lemmy_beta": author.uri,
                f"{_LEMMY_HTTP}/c/main": community.uri,
            },
        )
        return {**create, "object": page}

    def lock(
        self, community: PeerActor, moderator: PeerActor, thread: str, *, undo: bool = False
    ) -> dict[str, Any]:
        """A moderator's ``Lock`` of a thread (``lemmy/…/community/lock_page.json``), or its
        ``Undo`` (``undo_lock_page.json``), to be announced by the community."""
        name = "undo_lock_page" if undo else "lock_page"
        captured = activitypub_fixture(f"lemmy/activities/community/{name}.json")
        ids = {captured["id"]: f"{self.origin}/activities/{name}/{uuid.uuid4()}"}
        if undo:
            ids[captured["object"]["id"]] = f"{self.origin}/activities/lock/{uuid.uuid4()}"
        return rewrite(
            captured,
            {
                **ids,
                "http://lemmy-alpha:8541/u/lemmy_alpha": moderator.uri,
                "http://lemmy-alpha:8541/post/2": thread,
                "http://lemmy-alpha:8541/c/main": community.uri,
            },
        )

    def removal(
        self, community: PeerActor, moderator: PeerActor, target: str, *, undo: bool = False
    ) -> dict[str, Any]:
        """A moderator's removal (``lemmy/…/deletion/remove_note.json``, a ``Delete`` with the
        reason as summary), or its ``Undo`` (``undo_remove_note.json``), to be announced."""
        name = "undo_remove_note" if undo else "remove_note"
        captured = activitypub_fixture(f"lemmy/activities/deletion/{name}.json")
        ids = {captured["id"]: f"{self.origin}/activities/{name}/{uuid.uuid4()}"}
        if undo:
            ids[captured["object"]["id"]] = f"{self.origin}/activities/delete/{uuid.uuid4()}"
        return rewrite(
            captured,
            {
                **ids,
                f"{_LEMMY_HTTP}/u/lemmy_beta": moderator.uri,
                "http://ds9.lemmy.ml/comment/1": target,
                f"{_LEMMY_HTTP}/c/main": community.uri,
                f"{_LEMMY}/c/main": community.uri,
            },
        )

    def announce(self, community: PeerActor, activity: dict[str, Any] | str) -> dict[str, Any]:
        """``lemmy/activities/community/announce_create_page.json`` around ``activity`` (or
        naming it by its id, as Guppe- and Fedify-style groups do)."""
        captured = activitypub_fixture(_LEMMY_ANNOUNCE)
        announce = rewrite(
            {key: value for key, value in captured.items() if key != "object"},
            {
                captured["id"]: f"{self.origin}/activities/announce/{uuid.uuid4()}",
                f"{_LEMMY_HTTP}/c/main": community.uri,
            },
        )
        return {**announce, "object": activity}


async def join_lemmy_community(
    rig: Rig, lemmy: LemmyPeer, node: RigNode, member: Member, community: PeerActor
) -> str:
    """``member`` of ``node`` joins ``community`` by handle and Lemmy accepts; the handle."""
    handle = f"{community.handle}@{lemmy.domain}"
    joined = await node.api.call("POST", f"/api/v1/groups/{handle}/join", as_=member)
    assert joined.expect(200)["state"] == "pending"
    await rig.settle()
    [follow] = [r for r in lemmy.received_of("Follow") if r.activity["object"] == community.uri]
    assert follow.verified, follow.problem
    follower = await lemmy.fetch(follow.activity["actor"])
    accept = lemmy.accept(community, follow.activity)
    assert await lemmy.deliver(community, shared_inbox(follower), accept) == 202
    await rig.settle()
    assert await node.api.membership(member, handle) == "approved"
    return handle


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
