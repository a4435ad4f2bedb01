"""FEP-844e capability discovery: what our actors advertise, what we read from others.

Design note: servers that sign with RFC 9421 (Mitra, tootik, Kinfolk; Mastodon
4.5 verifies it, 4.7 also with Ed25519) say so on their actors as
``generator: {type: Application, implements: [{href, name}, ...]}``, naming the
RFC for RSA signatures and its Ed25519 section for Ed25519 ones. Reading that is
how two Kinfolk nodes (or a Kinfolk node and such a peer) start with the cheap
Ed25519 signature instead of RSA on their first delivery. A claim is only a
hint: the sender still double-knocks, and a refusal outranks it
(``federation.delivery.destinations``). Some servers put ``implements`` on the
application actor itself; it is read there too. A ``generator`` given only as a
link is not fetched.
"""

from __future__ import annotations

from typing import Any

from federation.delivery.destinations import ED25519, RFC9421
from federation.protocol.vocab import CARE_TERM, KINFOLK_NS, as_list, id_of

RFC9421_HREF = "https://datatracker.ietf.org/doc/html/rfc9421"
RFC9421_ED25519_HREF = (
    "https://datatracker.ietf.org/doc/html/rfc9421#name-eddsa-using-curve-edwards25"
)

# A Kinfolk node reads a care ``Flag`` (one marked ``care``) and looks after its member;
# only a node that says so is sent one (node.reports.care).
CARE_REPORTS_HREF = CARE_TERM.replace("kinfolk:", KINFOLK_NS)
# A Kinfolk node holds conversations by consent: it answers a request with ``Accept`` or
# ``Reject`` and ends a conversation with ``Leave``. Only a node that says so is sent
# those; to any other server a conversation is its direct Notes alone
# (federation.protocol.conversations).
CONVERSATIONS_HREF = KINFOLK_NS + "conversations"

GENERATOR: dict[str, Any] = {
    "type": "Application",
    "name": "Kinfolk",
    "implements": [
        {"href": RFC9421_HREF, "name": "RFC-9421: HTTP Message Signatures"},
        {"href": RFC9421_ED25519_HREF, "name": "RFC-9421 signatures using the Ed25519 algorithm"},
        {"href": CARE_REPORTS_HREF, "name": "Kinfolk care reports"},
        {"href": CONVERSATIONS_HREF, "name": "Kinfolk conversations by consent"},
    ],
}


def _claims(actor: dict[str, Any]) -> set[str | None]:
    generator = actor.get("generator")
    claims = as_list(actor.get("implements"))
    if isinstance(generator, dict):
        claims += as_list(generator.get("implements"))
    return {id_of(claim.get("href") if isinstance(claim, dict) else claim) for claim in claims}


def reads_care_reports(actor: dict[str, Any]) -> bool:
    """Whether an actor's document says its server reads care reports (Kinfolk's)."""
    return CARE_REPORTS_HREF in _claims(actor)


def holds_conversations(actor: dict[str, Any]) -> bool:
    """Whether an actor's document says its server holds conversations by consent."""
    return CONVERSATIONS_HREF in _claims(actor)


def signature_standard_of(actor: dict[str, Any]) -> str | None:
    """The best RFC 9421 form an actor's document says its server accepts, if any."""
    hrefs = _claims(actor)
    if RFC9421_ED25519_HREF in hrefs:
        return ED25519
    return RFC9421 if RFC9421_HREF in hrefs else None
