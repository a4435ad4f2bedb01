"""Body digests: the legacy ``Digest`` header and RFC 9530 ``Content-Digest``.

Design note: a signature only protects the body through the digest it covers,
so parsing here is strict. ``Digest`` (RFC 3230, what draft-cavage signers send)
is ``SHA-256=<base64>`` entries separated by commas; ``Content-Digest`` is an
RFC 8941 Dictionary of Byte Sequences (``sha-256=:<base64>:``). Base64 must be
canonical: wrong padding (the RFC 9530 draft's ``...FabDg==:`` typo) or stray
bits are refused rather than silently repaired (the ``http_sf`` parser used by
``http_message_signatures`` repairs padding, which is why this module parses the
field itself). Only SHA-256 and SHA-512 count; other algorithms are parsed
and ignored, and a header with neither is refused.

Parsing returns ``Rejected`` (from ``federation.signing.policy``) instead of
raising, like every check of the signature modules; verifying returns ``None``
when the digest matches.
"""

import base64
import binascii
import hashlib
import hmac
import re

from federation.signing.policy import Rejected

_HASHES = {"sha-256": "sha256", "sha-512": "sha512"}  # field name -> hashlib name
_SF_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_LEGACY_ALG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")


def make_digest(body: bytes, algorithm: str = "SHA-256") -> str:
    """Legacy ``Digest`` header value, e.g. ``SHA-256=X48E9q...=``."""
    digest = _hash(algorithm, body)
    return f"{algorithm.upper()}={base64.b64encode(digest).decode('ascii')}"


def make_content_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """RFC 9530 ``Content-Digest`` value, e.g. ``sha-256=:X48E9q...=:``."""
    digest = _hash(algorithm, body)
    return f"{algorithm.lower()}=:{base64.b64encode(digest).decode('ascii')}:"


def parse_digest(value: str) -> dict[str, bytes] | Rejected:
    """Parse a legacy ``Digest`` value into ``{lowercased algorithm: digest bytes}``."""
    result: dict[str, bytes] = {}
    for entry in value.split(","):
        name, sep, encoded = entry.strip().partition("=")
        if not sep or not _LEGACY_ALG.fullmatch(name):
            return Rejected("Digest header is malformed")
        decoded = _strict_b64(encoded.strip())
        if decoded is None:
            return Rejected(f"Digest {name} value is not valid base64")
        if name.lower() in result:
            return Rejected(f"Digest header repeats {name}")
        result[name.lower()] = decoded
    return result


def parse_content_digest(value: str) -> dict[str, bytes] | Rejected:
    """Parse an RFC 9530 ``Content-Digest`` Dictionary of Byte Sequences (strictly)."""
    result: dict[str, bytes] = {}
    for member in _split_sf_members(value):
        key, sep, item = member.partition("=")
        if not _SF_KEY.fullmatch(key) or not sep:
            return Rejected("Content-Digest is not a structured-field dictionary")
        if len(item) < 2 or item[0] != ":" or item[-1] != ":":
            return Rejected(f"Content-Digest {key} is not a byte sequence")
        decoded = _strict_b64(item[1:-1], allow_unpadded=True)
        if decoded is None:
            return Rejected(f"Content-Digest {key} is not a valid byte sequence")
        if key in result:
            return Rejected(f"Content-Digest repeats {key}")
        result[key] = decoded
    if not result:
        return Rejected("Content-Digest is empty")
    return result


def verify_digest(value: str, body: bytes) -> Rejected | None:
    """Check a legacy ``Digest`` header against the body; None means it matches."""
    parsed = parse_digest(value)
    return parsed if isinstance(parsed, Rejected) else _compare(parsed, body, "Digest")


def verify_content_digest(value: str, body: bytes) -> Rejected | None:
    """Check an RFC 9530 ``Content-Digest`` against the body; None means it matches."""
    parsed = parse_content_digest(value)
    return parsed if isinstance(parsed, Rejected) else _compare(parsed, body, "Content-Digest")


def _compare(digests: dict[str, bytes], body: bytes, field: str) -> Rejected | None:
    usable = {name: value for name, value in digests.items() if name in _HASHES}
    if not usable:
        return Rejected(f"{field} has no SHA-256 or SHA-512 value")
    for name, expected in usable.items():
        if not hmac.compare_digest(expected, _hash(name, body)):
            return Rejected("digest mismatch")
    return None


def _hash(algorithm: str, body: bytes) -> bytes:
    return hashlib.new(_HASHES[algorithm.lower()], body).digest()


def _split_sf_members(value: str) -> list[str]:
    # Byte sequences, tokens and keys cannot contain ',' so a split is exact here;
    # members with strings or parameters are refused by the caller anyway.
    stripped = value.strip(" \t")
    return [] if not stripped else [part.strip(" \t") for part in stripped.split(",")]


def _strict_b64(text: str, *, allow_unpadded: bool = False) -> bytes | None:
    if allow_unpadded and len(text) % 4:
        # RFC 8941 section 4.2.7: parsers SHOULD NOT fail when padding is absent.
        if "=" in text:
            return None
        text += "=" * (-len(text) % 4)
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    # Refuse non-canonical spellings (extra padding, stray low bits).
    return decoded if base64.b64encode(decoded).decode("ascii") == text else None
