"""Body digests against the RFC 9530 samples (incl. the negative ones) and the legacy header."""

import base64
import hashlib
import json
from typing import Any

import pytest

from federation.signing.digests import (
    make_content_digest,
    make_digest,
    parse_content_digest,
    parse_digest,
    verify_content_digest,
    verify_digest,
)
from federation.signing.policy import Rejected
from tests.shared_fixtures import SHARED_FIXTURES

RFC9530 = json.loads((SHARED_FIXTURES / "httpsig" / "rfc9530-digests.json").read_text("utf-8"))
CAVAGE = json.loads(
    (SHARED_FIXTURES / "httpsig" / "draft-cavage-12-appendix-c.json").read_text("utf-8")
)
HASHED = [c for c in RFC9530["cases"] if c["algorithm"] in {"sha-256", "sha-512"}]
OTHER = [c for c in RFC9530["cases"] if c["algorithm"] not in {"sha-256", "sha-512"}]
HELLO = b'{"hello": "world"}'


def _id(case: dict[str, Any]) -> str:
    return f"{case['source'].removeprefix('RFC 9530 ')} {case['algorithm']}"


@pytest.mark.parametrize("case", HASHED, ids=[_id(c) for c in HASHED])
def test_rfc9530_hashed_samples(case: dict[str, Any]) -> None:
    field = f"{case['algorithm']}={case['printed_value']}"
    body = base64.b64decode(case["input_bytes_b64"])
    parsed = parse_content_digest(field)
    assert isinstance(parsed, dict)
    assert set(parsed) == {case["algorithm"]}
    if case["match"]:
        assert verify_content_digest(field, body) is None
        assert make_content_digest(body, case["algorithm"]) == field
    else:
        # README: syntax-only samples whose printed digest is of some other content.
        assert verify_content_digest(field, body) == Rejected("digest mismatch")
        computed = f"{case['algorithm']}={case['computed_value']}"
        assert make_content_digest(body, case["algorithm"]) == computed


@pytest.mark.parametrize("case", OTHER, ids=[_id(c) for c in OTHER])
def test_rfc9530_insecure_algorithms_parse_but_do_not_count(case: dict[str, Any]) -> None:
    field = f"{case['algorithm']}={case['printed_value']}"
    assert isinstance(parse_content_digest(field), dict)
    body = base64.b64decode(case["input_bytes_b64"])
    assert verify_content_digest(field, body) == Rejected(
        "Content-Digest has no SHA-256 or SHA-512 value"
    )


@pytest.mark.parametrize(
    "case", RFC9530["legacy_checksums"], ids=[c["algorithm"] for c in RFC9530["legacy_checksums"]]
)
def test_rfc9530_legacy_checksums_are_syntax_only(case: dict[str, Any]) -> None:
    field = f"{case['algorithm']}={case['printed_value']}"
    assert isinstance(parse_content_digest(field), dict)
    assert isinstance(verify_content_digest(field, HELLO), Rejected)


@pytest.mark.parametrize(
    "typo",
    RFC9530["typos_in_source"],
    ids=[f"typo-{i}" for i in range(len(RFC9530["typos_in_source"]))],
)
def test_extra_padding_is_refused(typo: dict[str, Any]) -> None:
    result = parse_content_digest(typo["printed"])
    assert result == Rejected("Content-Digest sha-256 is not a valid byte sequence")
    assert verify_content_digest(typo["printed"], HELLO + b"\n") == result


def test_rfc9530_multi_member_dictionary() -> None:
    body = HELLO + b"\n"
    both = f"{make_content_digest(body, 'sha-256')}, {make_content_digest(body, 'sha-512')}"
    assert parse_content_digest(both) == {
        "sha-256": hashlib.sha256(body).digest(),
        "sha-512": hashlib.sha512(body).digest(),
    }
    assert verify_content_digest(both, body) is None
    wrong = f"{make_content_digest(body, 'sha-256')}, {make_content_digest(HELLO, 'sha-512')}"
    assert verify_content_digest(wrong, body) == Rejected("digest mismatch")
    with_unknown = f"md5=:Sd/dVLAcvNLSq16eXua5uQ==:, {make_content_digest(body)}"
    assert verify_content_digest(with_unknown, body) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "Content-Digest is empty"),
        ("sha-256=abc", "Content-Digest sha-256 is not a byte sequence"),
        ("SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", "not a structured-field"),
        ("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPF=:", "not a valid byte sequence"),
        ("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:;p=1", "not a byte sequence"),
        ("sha-256=:a:, sha-256=:a:", "not a valid byte sequence"),
        ("sha-256=:YQ==:, sha-256=:YQ==:", "repeats sha-256"),
        ("sha-256=:X48E9q OokqqrvdtsnOJRJN3OWDUoyWxBf7kbu9DBPE=:", "not a valid byte sequence"),
    ],
    ids=["empty", "token", "uppercase-key", "stray-bits", "parameters", "short", "dup", "space"],
)
def test_malformed_content_digest(value: str, reason: str) -> None:
    result = parse_content_digest(value)
    assert isinstance(result, Rejected)
    assert reason in result.reason


def test_content_digest_without_padding_is_accepted() -> None:
    # RFC 8941 section 4.2.7: parsers SHOULD NOT fail when "=" padding is absent.
    value = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE:"
    assert verify_content_digest(value, HELLO) is None


def test_legacy_digest_header_from_the_vectors() -> None:
    legacy = RFC9530["rfc3230_digest_header_equivalent"]
    body = legacy["body"].encode()
    assert make_digest(body) == legacy["Digest"]
    assert verify_digest(legacy["Digest"], body) is None
    check = CAVAGE["body_digest_check"]
    assert make_digest(CAVAGE["request"]["body"].encode()) == check["computed_over_body"]
    assert verify_digest(legacy["Digest"], body + b" ") == Rejected("digest mismatch")


def test_legacy_digest_variants() -> None:
    sha512 = make_digest(HELLO, "SHA-512")
    assert sha512.startswith("SHA-512=")
    assert verify_digest(sha512, HELLO) is None
    assert verify_digest(sha512.replace("SHA-512", "sha-512"), HELLO) is None
    both = f"{make_digest(HELLO)},{sha512}"
    assert parse_digest(both) == {
        "sha-256": hashlib.sha256(HELLO).digest(),
        "sha-512": hashlib.sha512(HELLO).digest(),
    }
    assert verify_digest(both, HELLO) is None
    assert verify_digest("MD5=Sd/dVLAcvNLSq16eXua5uQ==", HELLO) == Rejected(
        "Digest has no SHA-256 or SHA-512 value"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE", "Digest header is malformed"),
        ("SHA-256=not base64!", "not valid base64"),
        ("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE==", "not valid base64"),
        ("SHA-256=YQ==,sha-256=YQ==", "repeats sha-256"),
    ],
    ids=["no-algorithm", "not-base64", "extra-padding", "repeated"],
)
def test_malformed_legacy_digest(value: str, reason: str) -> None:
    result = parse_digest(value)
    assert isinstance(result, Rejected)
    assert reason in result.reason
