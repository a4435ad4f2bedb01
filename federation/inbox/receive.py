"""The inbox: verify, store, answer 202; a worker does the rest.

In order, each step cheaper than the next: the media type (415), the JSON
(400, and 400 ``too_deep`` nested beyond ``wire_json.MAX_DEPTH``), the
activity's shape (400), the sender's host against federation policy
(403) — all before any key is fetched — then the signature (401), and finally
one INSERT keyed by the activity id (committed with its neighbours', see
``inbox_writer``), so a repeated delivery is acknowledged and dropped. Every
refusal is an ``InboxRefusal`` with a status, a stable code and a sentence;
the web layer turns it into the answer and a log line.

Signatures: draft-cavage (``Signature``) and RFC 9421 (``Signature-Input``).
The key named by ``keyId`` must belong to the activity's ``actor``. A key from
the cache that fails to verify is fetched again once (the actor may have
rotated it): only when the key can be why (not for a stale date or a wrong
digest), and at most once a minute per key, so hostile requests naming someone's
key neither make us fetch it each time nor push it out of memory. An account's
``Delete`` of itself whose key we never had is accepted without fetching — the
account is usually gone — and so is one whose key failed while its document
answers 404 or 410; the worker checks that it really is gone before deleting
anything (``federation.inbox.account_deletion``). An account that deleted itself
here sends nothing more: 410, before any key is fetched (its keys went with it,
so it is looked for when no key is held).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from federation import metrics
from federation.context import Federation
from federation.delivery.destinations import ED25519, RFC9421
from federation.delivery.destinations import host_of as delivery_host
from federation.inbox.account_deletion import is_account_delete
from federation.inbox.writer import InboxRow
from federation.protocol import wire_json
from federation.protocol.vocab import (
    ACTIVITY_MEDIA_TYPES,
    Malformed,
    host_of,
    id_of,
    require_uri,
    type_of,
)
from federation.remote.actors import RemoteKey
from federation.remote.http import FetchError, FetchErrorKind
from federation.signing import rfc9421, signatures
from federation.signing.policy import Rejected, Verified

log = logging.getLogger("kinfolk.inbox")

# Federation policy: called with the sender's host before any work is done; returns a
# reason to refuse, or None. By default the node's own (``Federation.policy``).
PolicyCheck = Callable[[str], Awaitable[str | None]]


async def open_policy(host: str) -> str | None:
    return None


def _signer_host(headers: Mapping[str, str]) -> str:
    """The host named by the signature's keyId ("" when there is none to read yet)."""
    try:
        _, key_id = _key_id(headers)
    except InboxRefusal:
        return ""  # refused as unsigned by ``authenticate``, after the policy
    try:
        return host_of(key_id) if "://" in key_id else ""
    except ValueError:
        return ""  # not a URL: refused when the key is looked up


async def check_policy(policy: PolicyCheck, hosts: Iterable[str]) -> None:
    """Refuse (403) a request from a host federation policy refuses."""
    for host in dict.fromkeys(h for h in hosts if h):
        reason = await policy(host)
        if reason is not None:
            raise InboxRefusal(
                403,
                "refused_by_policy",
                f"{host} is refused by this node's federation policy: {reason}",
            )


class InboxRefusal(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Incoming:
    """An inbox POST as received: ``url`` is absolute, built from Host and the raw path."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Accepted:
    activity_id: str
    actor: str
    duplicate: bool


def parse_activity(incoming: Incoming) -> dict[str, Any]:
    if incoming.content_type not in ACTIVITY_MEDIA_TYPES | {"application/json"}:
        raise InboxRefusal(
            415,
            "unsupported_media_type",
            f"send application/activity+json, not {incoming.content_type or 'nothing'}",
        )
    try:
        activity = wire_json.loads(incoming.body)
    except wire_json.TooDeep as exc:
        raise InboxRefusal(400, "too_deep", f"the body is refused: {exc}") from None
    except ValueError as exc:  # UnicodeDecodeError too
        raise InboxRefusal(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(activity, dict):
        raise InboxRefusal(400, "malformed_activity", "the body is not a JSON object")
    try:
        require_uri(activity.get("id"), "id")
        require_uri(activity.get("actor"), "actor")
        type_of(activity)
    except Malformed as exc:
        raise InboxRefusal(400, "malformed_activity", str(exc)) from None
    return activity


def _key_id(headers: Mapping[str, str]) -> tuple[str, str]:
    """(scheme, keyId) of the request's signature, or a 401 refusal."""
    if "signature-input" in {name.lower() for name in headers}:
        parsed = rfc9421.parse_signatures(headers)
        if isinstance(parsed, Rejected):
            raise InboxRefusal(401, "bad_signature", parsed.reason)
        if not parsed or parsed[0].keyid is None:
            raise InboxRefusal(401, "bad_signature", "the signature names no keyid")
        return "rfc9421", parsed[0].keyid
    params = signatures.parse_signature(headers)
    if isinstance(params, Rejected):
        raise InboxRefusal(401, "unsigned", params.reason)
    return "cavage", params.key_id


def _verify(
    federation: Federation, scheme: str, incoming: Incoming, key: RemoteKey
) -> Verified | Rejected:
    verify = rfc9421.verify_request if scheme == "rfc9421" else signatures.verify_request
    result = verify(
        incoming.method,
        incoming.url,
        incoming.headers,
        incoming.body,
        key=key.key,
        now=federation.clock(),
        window=federation.window,
    )
    metrics.signature_checked(scheme, result)
    return result


def _key_unavailable(key_id: str, exc: FetchError) -> InboxRefusal:
    return InboxRefusal(401, "key_unavailable", f"cannot fetch key {key_id}: {exc.reason}")


async def _lookup(
    federation: Federation, key_id: str, *, refresh: bool, since: float | None = None
) -> RemoteKey | None:
    try:
        return await federation.key(key_id, refresh=refresh, since=since)
    except FetchError as exc:
        raise _key_unavailable(key_id, exc) from None


def _worth_refetching(federation: Federation, result: Verified | Rejected, key_id: str) -> bool:
    """A signature that failed with the key we hold, in a way a rotated key explains
    (not a stale date or a wrong digest), and that key not fetched for that lately."""
    return isinstance(result, Rejected) and result.key_at_fault and federation.may_refetch(key_id)


@dataclass(frozen=True)
class SignedBy:
    """Whose key verified a request, by which standard ("" both for an unverifiable self-Delete)."""

    key_id: str
    scheme: str
    algorithm: str = ""

    @property
    def standard(self) -> str | None:
        """The RFC 9421 form the signer used, which its host accepts too (FEP-844e)."""
        if self.scheme != "rfc9421":
            return None
        return ED25519 if self.algorithm == "ed25519" else RFC9421


async def authenticate(
    federation: Federation, incoming: Incoming, activity: dict[str, Any]
) -> SignedBy:
    """Check the signature; return whose key verified it, and how."""
    actor = activity["actor"] if isinstance(activity["actor"], str) else id_of(activity["actor"])
    assert actor is not None  # parse_activity required it
    scheme, key_id = _key_id(incoming.headers)
    from_cache = True
    looked = time.monotonic()  # a fetch finished after this answers for us (single flight)
    key = await federation.cached_key(key_id)
    if key is None:
        if await federation.account_deleted(actor):
            raise InboxRefusal(
                410, "account_deleted", f"{actor} deleted its account; nothing more is accepted"
            )
        if is_account_delete(activity):
            return SignedBy("", "")
        from_cache = False
        key = await _lookup(federation, key_id, refresh=True, since=looked)
    if key is None:
        raise InboxRefusal(401, "unknown_key", f"{key_id} is not a key its actor publishes")
    if key.owner != actor:
        raise InboxRefusal(
            401, "key_not_actors", f"key {key_id} belongs to {key.owner}, not to the actor {actor}"
        )
    result = _verify(federation, scheme, incoming, key)
    if _worth_refetching(federation, result, key_id) and from_cache:
        try:
            fresh = await federation.key(key_id, refresh=True)
        except FetchError as exc:
            if exc.kind is FetchErrorKind.NOT_FOUND and is_account_delete(activity):
                return SignedBy("", "")  # gone: the worker asks its origin to be sure
            raise _key_unavailable(key_id, exc) from None
        if fresh is not None and fresh.owner == actor:
            result = _verify(federation, scheme, incoming, fresh)
    if isinstance(result, Rejected):
        raise InboxRefusal(401, "bad_signature", result.reason)
    return SignedBy(key_id, scheme, result.algorithm)


async def receive(
    federation: Federation, incoming: Incoming, *, policy: PolicyCheck | None = None
) -> Accepted:
    """Verify and durably queue one delivered activity (raises ``InboxRefusal``)."""
    activity = parse_activity(incoming)
    actor = activity["actor"] if isinstance(activity["actor"], str) else id_of(activity["actor"])
    assert actor is not None
    # Before any key is fetched: the actor's host and the one its keyId names.
    await check_policy(
        policy or federation.policy.refusal, [host_of(actor), _signer_host(incoming.headers)]
    )
    if host_of(activity["id"]) != host_of(actor):
        raise InboxRefusal(400, "foreign_activity_id", "the activity id is not on its actor's host")
    signer = await authenticate(federation, incoming, activity)
    # The delivery side's spelling of the host (default ports dropped).
    host = delivery_host(actor)
    # A valid signed request proves its host is up: resume sending to it.
    revive = signer.key_id and federation.host_may_be_failing(host)
    # A host that signs RFC 9421 accepts it too (FEP-844e): sign to it that way first.
    standard = signer.standard
    learnt = (host, standard) if standard and federation.newly_signs_with(host, standard) else None
    duplicate = await federation.inbox_writer.write(
        InboxRow(
            activity_uri=activity["id"],
            actor_uri=actor,
            payload=incoming.body.decode("utf-8"),
            key_id=signer.key_id,
            received_at=federation.clock(),
            revive_host=host if revive else None,
            learnt_standard=learnt,
        )
    )
    return Accepted(activity["id"], actor, duplicate=duplicate)


async def verify_fetch(federation: Federation, incoming: Incoming) -> str:
    """Authorized fetch: a GET must be signed by some actor's valid key; returns its owner."""
    scheme, key_id = _key_id(incoming.headers)
    await check_policy(federation.policy.refusal, [_signer_host(incoming.headers)])
    key = await _lookup(federation, key_id, refresh=False)
    if key is None:
        raise InboxRefusal(401, "unknown_key", f"{key_id} is not a key its actor publishes")
    result = _verify(federation, scheme, incoming, key)
    if _worth_refetching(federation, result, key_id):
        fresh = await _lookup(federation, key_id, refresh=True)
        if fresh is not None:
            key, result = fresh, _verify(federation, scheme, incoming, fresh)
    if isinstance(result, Rejected):
        raise InboxRefusal(401, "bad_signature", result.reason)
    return key.owner
