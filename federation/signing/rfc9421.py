"""RFC 9421 HTTP Message Signatures: verify incoming, sign outgoing.

Design note: ``http_message_signatures`` 3.0.0 (pinned exactly) resolves the
components and builds the signature base (``@query-param``, ``sf``/``key``/
``bs``/``req``, header normalisation), prepares the outgoing signatures that are
not plain (``federation.signing.rfc9421_plain`` writes the plain ones, our deliveries,
as fixed text: the library's generic path costs more than an Ed25519 signature)
and provides the algorithm classes. Its ``HTTPMessageVerifier.verify()`` is not used:
it reads the wall clock, takes the algorithm from its configuration instead of
the key, needs a signed ``tag`` to pick one of several signatures, and raises.
So ``parse_signatures()`` first tells the async caller which ``keyid`` to fetch;
``verify_request(..., key=fetched, now=...)`` then derives the algorithm from the
key (a disagreeing ``alg`` is refused), applies ``Requirements``, the time
window and ``Content-Digest``, and checks the signature over the library's base.
That base comes from the library's private ``_build_signature_base`` (pinned
version; the RFC vectors in the tests hold it to the byte).
"""

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from http_message_signatures import HTTPMessageSignaturesException, HTTPMessageSigner
from http_message_signatures import HTTPMessageVerifier as _LibraryVerifier
from http_message_signatures.algorithms import (
    ECDSA_P256_SHA256,
    ECDSA_P384_SHA384,
    ED25519,
    RSA_PSS_SHA512,
    RSA_V1_5_SHA256,
    HTTPSignatureAlgorithm,
)
from http_sf.compat import InnerList, Item

from federation.signing.digests import make_content_digest, verify_content_digest
from federation.signing.keys import PrivateKey, PublicKey, key_type_name
from federation.signing.policy import (
    DEFAULT_REQUIREMENTS,
    DEFAULT_WINDOW,
    Rejected,
    Requirements,
    TimeWindow,
    Verified,
    body_needs_digest,
    check_rsa_size,
    check_times,
    lower_headers,
    replace_header,
)
from federation.signing.rfc9421_plain import plain_signature_base

_Algorithm = type[HTTPSignatureAlgorithm]
_KNOWN_PARAMS = {"alg", "created", "expires", "keyid", "nonce", "tag"}
_HANDLER = _LibraryVerifier(signature_algorithm=ED25519, key_resolver=None)


@dataclass(frozen=True)
class HttpRequest:
    """A request as the component resolver sees it (also the ``req`` side of a response)."""

    method: str
    url: str  # absolute
    headers: Mapping[str, str]


@dataclass(frozen=True)
class _Response:
    status_code: int
    headers: Mapping[str, str]
    request: HttpRequest | None


@dataclass(frozen=True)
class SignatureInput:
    """One labelled signature: its ``Signature-Input`` member and ``Signature`` bytes."""

    label: str
    components: tuple[str, ...]  # serialized identifiers, e.g. '"@query-param";name="Pet"'
    signature_params: str  # the member as serialized in "@signature-params"
    signature: bytes
    keyid: str | None = None
    alg: str | None = None
    created: int | None = None
    expires: int | None = None
    nonce: str | None = None
    tag: str | None = None
    names: frozenset[str] = frozenset()  # component names covered for this message (no ;req)


def parse_signatures(headers: Mapping[str, str]) -> tuple[SignatureInput, ...] | Rejected:
    """Parse ``Signature-Input`` and ``Signature`` into one entry per label."""
    lowered = lower_headers(headers)
    if "signature-input" not in lowered or "signature" not in lowered:
        return Rejected("request has no Signature-Input and Signature")
    try:
        inputs = _HANDLER._parse_signature_dictionary(lowered["signature-input"])
        signatures = _HANDLER._parse_signature_dictionary(lowered["signature"])
    except (HTTPMessageSignaturesException, ValueError):
        return Rejected("Signature-Input or Signature is not a structured-field dictionary")
    result = []
    for label, member in inputs.items():
        parsed = _parse_member(label, member, signatures.get(label))
        if isinstance(parsed, Rejected):
            return parsed
        result.append(parsed)
    return tuple(result) or Rejected("Signature-Input is empty")


def signature_base(
    method: str, url: str, headers: Mapping[str, str], sig: SignatureInput
) -> str | Rejected:
    """The signature base of a request for one parsed signature (lines joined by LF)."""
    return _build_base(HttpRequest(method, url, headers), sig)


def response_signature_base(
    status: int, headers: Mapping[str, str], sig: SignatureInput, *, request: HttpRequest | None
) -> str | Rejected:
    """The signature base of a response; ``request`` resolves ``;req`` components."""
    return _build_base(_Response(status, headers, request), sig)


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    key: PublicKey,
    now: datetime,
    label: str | None = None,
    window: TimeWindow = DEFAULT_WINDOW,
    requirements: Requirements = DEFAULT_REQUIREMENTS,
    min_rsa_bits: int = 2048,
) -> Verified | Rejected:
    """Verify an RFC 9421 signed request with the signer's already-fetched key.

    ``url`` is absolute and undecoded (scheme, the Host received, raw path and query);
    ``label`` picks one of several signatures (see ``parse_signatures``).
    """
    message = HttpRequest(method, url, headers)
    return _verify(message, body, key, now, label, window, requirements, min_rsa_bits)


def verify_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    key: PublicKey,
    now: datetime,
    request: HttpRequest | None = None,
    label: str | None = None,
    window: TimeWindow = DEFAULT_WINDOW,
    requirements: Requirements = DEFAULT_REQUIREMENTS,
    min_rsa_bits: int = 2048,
) -> Verified | Rejected:
    """Verify a signed response; only the date and body-digest requirements apply."""
    message = _Response(status, headers, request)
    return _verify(message, body, key, now, label, window, requirements, min_rsa_bits)


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    key_id: str,
    private_key: PrivateKey,
    now: datetime,
    label: str = "sig1",
    covered: Sequence[str] | None = None,
    expires: datetime | None = None,
    include_alg: bool = False,
) -> dict[str, str]:
    """Return ``headers`` plus Content-Digest (if covered), Signature-Input and Signature."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    out = dict(headers)
    if covered is None:
        covered = ["@method", "@target-uri", "@authority"]
        covered += ["content-digest"] if body_needs_digest(method, body) else []
    digest = lower_headers(out).get("content-digest")
    if "content-digest" in covered and (digest is None or verify_content_digest(digest, body)):
        replace_header(out, "Content-Digest", make_content_digest(body))
    algorithm: _Algorithm = (
        RSA_V1_5_SHA256 if isinstance(private_key, rsa.RSAPrivateKey) else ED25519
    )
    alg = algorithm.algorithm_id if include_alg else None
    until = None if expires is None else int(expires.timestamp())
    plain = plain_signature_base(
        method,
        url,
        out,
        covered,
        label=label,
        key_id=key_id,
        created=int(now.timestamp()),
        alg=alg,
        expires=until,
    )
    if plain is not None:
        base, params = plain.base.encode(), plain.signature_params
    else:
        request = HttpRequest(method, url, out)
        base, params = _library_base(request, covered, algorithm, key_id, now, label, expires, alg)
    raw = algorithm(private_key=private_key).sign(base)
    replace_header(out, "Signature-Input", f"{label}={params}")
    replace_header(out, "Signature", f"{label}=:{base64.b64encode(raw).decode('ascii')}:")
    return out


def _library_base(
    request: HttpRequest,
    covered: Sequence[str],
    algorithm: _Algorithm,
    key_id: str,
    now: datetime,
    label: str,
    expires: datetime | None,
    alg: str | None,
) -> tuple[bytes, str]:
    """The signature base and params of any request the library can sign."""
    try:
        prepared = HTTPMessageSigner(signature_algorithm=algorithm).prepare(
            request,
            key_id=key_id,
            created=now,
            expires=expires,
            label=label,
            include_alg=alg is not None,
            covered_component_ids=tuple(covered),
            use_existing_digest="content-digest" in lower_headers(request.headers),
        )
    except HTTPMessageSignaturesException as exc:
        raise ValueError(f"cannot sign this request: {exc}") from exc
    return prepared.signature_base, prepared.signature_params


def _verify(
    message: HttpRequest | _Response,
    body: bytes,
    key: PublicKey,
    now: datetime,
    label: str | None,
    window: TimeWindow,
    requirements: Requirements,
    min_rsa_bits: int,
) -> Verified | Rejected:
    parsed = parse_signatures(message.headers)
    if isinstance(parsed, Rejected):
        return parsed
    matching = [s for s in parsed if label is None or s.label == label]
    if len(matching) != 1:
        wanted = f"signature {label}" if label else "a single signature"
        return Rejected(f"expected {wanted}; found {', '.join(s.label for s in parsed)}")
    sig = matching[0]
    if sig.keyid is None:
        return Rejected(f"signature {sig.label} has no keyid")
    algorithms = _algorithms_for(key, sig.alg, min_rsa_bits)
    if isinstance(algorithms, Rejected):
        return algorithms
    method = message.method if isinstance(message, HttpRequest) else None
    lowered = lower_headers(message.headers)
    problem = _check_coverage(sig, method, body, requirements) or check_times(
        now,
        window,
        created=None if sig.created is None else ("created", sig.created),
        expires=sig.expires,
        date=lowered.get("date") if "date" in sig.names else None,
    )
    if problem is None and "content-digest" in sig.names and "content-digest" in lowered:
        problem = verify_content_digest(lowered["content-digest"], body)
    if problem:
        return problem
    base = _build_base(message, sig)
    if isinstance(base, Rejected):
        return base
    for algorithm in algorithms:
        try:
            verifier = algorithm(public_key=key)
            verifier.verify(signature=sig.signature, message=base.encode())
        except (InvalidSignature, HTTPMessageSignaturesException, ValueError):
            continue
        return Verified(sig.keyid, algorithm.algorithm_id, sig.components, sig.label)
    return Rejected("signature does not verify", key_at_fault=True)


def _algorithms_for(
    key: PublicKey, alg: str | None, min_rsa_bits: int
) -> tuple[_Algorithm, ...] | Rejected:
    # RFC 9421 section 3.2: the verifier derives the algorithm from the key material.
    # An RSA key fits two algorithms; without "alg" both are tried, which gives a
    # forger nothing: each is a sound signature scheme under that same RSA key.
    candidates: tuple[_Algorithm, ...]
    if isinstance(key, rsa.RSAPublicKey):
        candidates = (RSA_V1_5_SHA256, RSA_PSS_SHA512)
    elif isinstance(key, ed25519.Ed25519PublicKey):
        candidates = (ED25519,)
    elif isinstance(key.curve, ec.SECP256R1 | ec.SECP384R1):
        candidates = (ECDSA_P256_SHA256 if key.curve.name == "secp256r1" else ECDSA_P384_SHA384,)
    else:
        return Rejected(f"{key_type_name(key)} keys are not supported", key_at_fault=True)
    if alg is not None:
        candidates = tuple(a for a in candidates if a.algorithm_id == alg)
        if not candidates:
            return Rejected(
                f"algorithm {alg} does not match the actor's {key_type_name(key)} key",
                key_at_fault=True,
            )
    return check_rsa_size(key, min_rsa_bits) or candidates


def _check_coverage(
    sig: SignatureInput, method: str | None, body: bytes, requirements: Requirements
) -> Rejected | None:
    names = sig.names
    if method is not None and requirements.target:
        if "@method" not in names:
            return Rejected("signature does not cover @method")
        if not names & {"@target-uri", "@path", "@request-target"}:
            return Rejected("signature does not cover @target-uri or @path")
    if method is not None and requirements.host and not names & {"@authority", "host"}:
        return Rejected("signature does not cover @authority")
    if requirements.date and sig.created is None and "date" not in names:
        return Rejected("signature has no created parameter and does not cover date")
    needs_digest = body_needs_digest(method, body) if method is not None else bool(body)
    if requirements.body_digest and needs_digest and "content-digest" not in names:
        return Rejected("signature does not cover content-digest")
    return None


def _parse_member(
    label: str, member: InnerList | Item, signature: InnerList | Item | None
) -> SignatureInput | Rejected:
    if not isinstance(member, InnerList) or not all(isinstance(i.value, str) for i in member):
        return Rejected(f"Signature-Input {label} is not a list of components")
    if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
        return Rejected(f"Signature has no byte sequence for {label}")
    params = dict(member.params)
    if unknown := set(params) - _KNOWN_PARAMS:
        return Rejected(f"Signature-Input {label} has unknown parameter {sorted(unknown)[0]}")
    for name in ("created", "expires"):
        if name in params and type(params[name]) is not int:
            return Rejected(f"Signature-Input {label} {name} is not an integer")
    for name in ("keyid", "alg", "nonce", "tag"):
        if name in params and not isinstance(params[name], str):
            return Rejected(f"Signature-Input {label} {name} is not a string")
    return SignatureInput(
        label=label,
        components=tuple(str(item) for item in member),
        signature_params=str(member),
        signature=signature.value,
        keyid=params.get("keyid"),
        alg=params.get("alg"),
        created=params.get("created"),
        expires=params.get("expires"),
        nonce=params.get("nonce"),
        tag=params.get("tag"),
        names=frozenset(str(i.value) for i in member if "req" not in i.params),
    )


def _build_base(message: HttpRequest | _Response, sig: SignatureInput) -> str | Rejected:
    try:
        member = _HANDLER._parse_signature_dictionary(f"{sig.label}={sig.signature_params}")
        inner = member[sig.label]
        base, _, _ = _HANDLER._build_signature_base(
            message, covered_component_ids=list(inner), signature_params=dict(inner.params)
        )
    except (HTTPMessageSignaturesException, ValueError) as exc:
        return Rejected(f"cannot build the signature base: {exc}")
    return str(base)
