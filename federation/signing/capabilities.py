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
from federation.protocol.vocab import as_list, id_of

RFC9421_HREF = "https://datatracker.ietf.org/doc/html/rfc9421"
RFC9421_ED25519_HREF = (
    "https://datatracker.ietf.org/doc/html/rfc9421#name-eddsa-using-curve-edwards25"
)

GENERATOR: dict[str, Any] = {
    "type": "Application",
    "name": "Kinfolk",
    "implements": [
        {"href": RFC9421_HREF, "name": "RFC-9421: HTTP Message Signatures"},
        {"href": RFC9421_ED25519_HREF, "name": "RFC-9421 signatures using the Ed25519 algorithm"},
    ],
}


def signature_standard_of(actor: dict[str, Any]) -> str | None:
    """The best RFC 9421 form an actor's document says its server accepts, if any."""
    generator = actor.get("generator")
    claims = as_list(actor.get("implements"))
    if isinstance(generator, dict):
        claims += as_list(generator.get("implements"))
    hrefs = {id_of(claim.get("href") if isinstance(claim, dict) else claim) for claim in claims}
    if RFC9421_ED25519_HREF in hrefs:
        return ED25519
    return RFC9421 if RFC9421_HREF in hrefs else None
