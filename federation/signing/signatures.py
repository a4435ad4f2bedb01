"""draft-cavage-http-signatures-12: the ``Signature`` header of the fediverse.

Design note: Mastodon, Lemmy, PieFed and Mbin sign with this draft, so we must
both verify and produce it. Four rules shape the module:

* The algorithm comes from the fetched key's type, never from the header. A
  verifier that trusts ``algorithm="hmac-sha256"`` can be fooled with an HMAC
  keyed by the actor's *public* PEM (the httpsig 1.3.0 forgery), so a header
  naming anything inconsistent with the key is refused.
* Leaf functions: plain values in (method, url, headers, body, ``now``), values
  out (``Verified`` / ``Rejected``); no clock, no network, no exceptions for a
  bad request. Parsing returns ``Rejected`` too; ``ValueError`` is raised only
  for caller bugs (a naive ``now``, signing a relative URL). ``url`` may be
  absolute or the raw request target; pass it undecoded (aiohttp: ``raw_path``).
* Policy is explicit: ``Requirements`` says what a signature must cover (target,
  host, a date, the body digest when there is a body) and ``TimeWindow`` how old
  or early its date may be (Mastodon's defaults). Tests lower them for the
  draft's vectors, which cover little and date from 2014.
* Those policy types live in ``federation.signing.policy`` (shared with
  ``federation.signing.rfc9421``) and are re-exported here.
"""

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation.signing.digests import make_digest, verify_digest
from federation.signing.keys import PrivateKey, PublicKey, key_type_name
from federation.signing.policy import (
    CRYPTO_ONLY,
    DEFAULT_REQUIREMENTS,
    DEFAULT_WINDOW,
    Rejected,
    Requirements,
    TimeWindow,
    Verified,
    body_needs_digest,
    check_rsa_size,
    check_times,
    http_date,
    lower_headers,
    replace_header,
    request_target,
)

__all__ = [
    "CRYPTO_ONLY",
    "Rejected",
    "Requirements",
    "SignatureParams",
    "TimeWindow",
    "Verified",
    "parse_signature",
    "parse_signature_header",
    "sign_request",
    "signing_string",
    "verify_request",
]


@dataclass(frozen=True)
class SignatureParams:
    """A parsed draft-cavage ``Signature`` header."""

    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: str | None = None  # kept as sent: the signing string repeats it verbatim
    expires: str | None = None


_PARAM = re.compile(r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)=(?:"([^"]*)"|([0-9]+(?:\.[0-9]+)?))[ \t]*')
_PSEUDO_FORBIDDEN_PREFIXES = ("rsa", "hmac", "ecdsa")  # draft-12 section 2.3


def parse_signature_header(value: str) -> SignatureParams | Rejected:
    """Parse a ``Signature`` header value (or the part after ``Authorization: Signature``)."""
    params: dict[str, str] = {}
    pos = 0
    while pos < len(value):
        match = _PARAM.match(value, pos)
        if match is None:
            return Rejected("Signature header is malformed")
        name = match.group(1).lower()
        if name in params:
            return Rejected(f"Signature header repeats {match.group(1)}")
        params[name] = match.group(2) if match.group(2) is not None else match.group(3)
        pos = match.end()
        if pos < len(value) and value[pos] != ",":
            return Rejected("Signature header is malformed")
        pos += 1
    key_id, encoded = params.get("keyid"), params.get("signature")
    if not key_id:
        return Rejected("Signature header has no keyId")
    if encoded is None:
        return Rejected("Signature header has no signature")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return Rejected("signature is not valid base64")
    covered = tuple(params.get("headers", "date").lower().split())
    if not covered:
        return Rejected("Signature headers list is empty")
    for name in ("created", "expires"):
        if name in params and not params[name].replace(".", "", 1).isdigit():
            return Rejected(f"Signature {name} is not a number")
    return SignatureParams(
        key_id=key_id,
        algorithm=params.get("algorithm"),
        headers=covered,
        signature=signature,
        created=params.get("created"),
        expires=params.get("expires"),
    )


def parse_signature(headers: Mapping[str, str]) -> SignatureParams | Rejected:
    """Find and parse the ``Signature`` (or ``Authorization: Signature``) header."""
    lowered = lower_headers(headers)
    if "signature" in lowered:
        return parse_signature_header(lowered["signature"])
    scheme, _, rest = lowered.get("authorization", "").partition(" ")
    if scheme.lower() == "signature":
        return parse_signature_header(rest.strip())
    return Rejected("request is not signed")


def signing_string(
    method: str,
    url: str,
    headers: Mapping[str, str],
    covered: Sequence[str],
    *,
    created: str | None = None,
    expires: str | None = None,
) -> str | Rejected:
    """Build the draft-cavage signing string: lines ``name: value`` joined by LF."""
    lowered = lower_headers(headers)
    pseudo = {"(created)": created, "(expires)": expires}
    lines = []
    for name in (n.lower() for n in covered):
        if name == "(request-target)":
            lines.append(f"{name}: {method.lower()} {request_target(url)}")
        elif name in pseudo:
            if pseudo[name] is None:
                return Rejected(f"signature covers {name} but has no {name[1:-1]} parameter")
            lines.append(f"{name}: {pseudo[name]}")
        elif name in lowered:
            lines.append(f"{name}: {lowered[name]}")
        else:
            return Rejected(f"signed header {name} is missing")
    return "\n".join(lines)


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    key_id: str,
    private_key: PrivateKey,
    now: datetime,
    covered: Sequence[str] | None = None,
) -> dict[str, str]:
    """Return ``headers`` plus Host, Date, Digest (if covered) and Signature, signed."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"cannot sign a relative URL: {url}")
    if '"' in key_id:
        raise ValueError("keyId cannot contain a double quote")
    out = dict(headers)
    if "host" not in lower_headers(out):
        out["Host"] = parts.netloc
    replace_header(out, "Date", http_date(now))
    if covered is None:
        covered = ["(request-target)", "host", "date"]
        present = lower_headers(out)
        if body_needs_digest(method, body):
            covered += ["digest"] + (["content-type"] if "content-type" in present else [])
        elif "accept" in present:
            covered.append("accept")
    if "digest" in covered:
        replace_header(out, "Digest", make_digest(body))
    text = signing_string(method, url, out, covered)
    if isinstance(text, Rejected):
        raise ValueError(text.reason)
    if isinstance(private_key, rsa.RSAPrivateKey):
        algorithm = "rsa-sha256"
        raw = private_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    else:
        algorithm, raw = "hs2019", private_key.sign(text.encode())
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(raw).decode("ascii")}"'
    )
    return out


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    key: PublicKey,
    now: datetime,
    window: TimeWindow = DEFAULT_WINDOW,
    requirements: Requirements = DEFAULT_REQUIREMENTS,
    min_rsa_bits: int = 2048,
) -> Verified | Rejected:
    """Verify a draft-cavage signed request with the signer's already-fetched key.

    Call ``parse_signature(headers)`` first to learn the keyId to fetch.
    """
    params = parse_signature(headers)
    if isinstance(params, Rejected):
        return params
    algorithm = _algorithm_for(key, params.algorithm, min_rsa_bits)
    if isinstance(algorithm, Rejected):
        return algorithm
    claimed = (params.algorithm or "").lower()
    for pseudo in ("(created)", "(expires)"):
        if pseudo in params.headers and claimed.startswith(_PSEUDO_FORBIDDEN_PREFIXES):
            return Rejected(f"{pseudo} cannot be used with algorithm {params.algorithm}")
    problem = (
        _check_coverage(method, body, params.headers, requirements)
        or _check_times(params, headers, now, window)
        or _check_body(params.headers, headers, body)
    )
    if problem:
        return problem
    text = signing_string(
        method, url, headers, params.headers, created=params.created, expires=params.expires
    )
    if isinstance(text, Rejected):
        return text
    if not _verify_raw(key, params.signature, text.encode()):
        return Rejected("signature does not verify", key_at_fault=True)
    return Verified(key_id=params.key_id, algorithm=algorithm, covered=params.headers)


def _algorithm_for(key: PublicKey, claimed: str | None, min_rsa_bits: int) -> str | Rejected:
    kind = key_type_name(key)
    if isinstance(key, rsa.RSAPublicKey):
        allowed, actual = {"rsa-sha256", "hs2019"}, "rsa-sha256"
    elif isinstance(key, ed25519.Ed25519PublicKey):
        allowed, actual = {"ed25519", "hs2019"}, "ed25519"
    else:
        reason = f"{kind} keys are not supported for draft-cavage signatures"
        return Rejected(reason, key_at_fault=True)
    if claimed is not None and claimed.lower() not in allowed:
        return Rejected(
            f"algorithm {claimed} does not match the actor's {kind} key", key_at_fault=True
        )
    return check_rsa_size(key, min_rsa_bits) or actual


def _check_coverage(
    method: str, body: bytes, covered: Sequence[str], requirements: Requirements
) -> Rejected | None:
    if requirements.target and "(request-target)" not in covered:
        return Rejected("signature does not cover (request-target)")
    if requirements.host and "host" not in covered:
        return Rejected("signature does not cover host")
    if requirements.date and "date" not in covered and "(created)" not in covered:
        return Rejected("signature does not cover date or (created)")
    if requirements.body_digest and body_needs_digest(method, body) and "digest" not in covered:
        return Rejected("signature does not cover digest")
    return None


def _check_times(
    params: SignatureParams, headers: Mapping[str, str], now: datetime, window: TimeWindow
) -> Rejected | None:
    return check_times(
        now,
        window,
        created=None if params.created is None else ("(created)", float(params.created)),
        expires=None if params.expires is None else float(params.expires),
        date=lower_headers(headers).get("date") if "date" in params.headers else None,
    )


def _check_body(covered: Sequence[str], headers: Mapping[str, str], body: bytes) -> Rejected | None:
    digest = lower_headers(headers).get("digest")
    if "digest" not in covered or digest is None:
        return None  # a covered but absent header is reported by signing_string()
    return verify_digest(digest, body)


def _verify_raw(key: PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True
