"""draft-cavage-12 signatures: Appendix C vectors, tampering, policy, time window, forgery."""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from httpsig.verify import HeaderVerifier

from federation.signing.keys import (
    generate_ed25519_key,
    generate_rsa_key,
    load_private_key_pem,
    load_public_key_pem,
    public_key_to_pem,
)
from federation.signing.policy import CRYPTO_ONLY, Rejected, Requirements, Verified
from federation.signing.signatures import (
    parse_signature,
    parse_signature_header,
    sign_request,
    signing_string,
    verify_request,
)
from tests.shared_fixtures import SHARED_FIXTURES

VECTORS = json.loads(
    (SHARED_FIXTURES / "httpsig" / "draft-cavage-12-appendix-c.json").read_text("utf-8")
)
REQUEST = VECTORS["request"]
METHOD, TARGET = REQUEST["method"], REQUEST["target"]
URL = f"https://example.com{TARGET}"
BODY = REQUEST["body"].encode()
HEADERS = dict(REQUEST["headers"])
VECTOR_NOW = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)  # the vectors' Date header
PUBLIC = load_public_key_pem(VECTORS["key"]["public_key_pem"])
PRIVATE = load_private_key_pem(VECTORS["key"]["private_key_pem_pkcs1"])
C1, C2, C3 = VECTORS["test_cases"]
# C.3 as its signature really was made: without the (created)/(expires) it lists (README).
C3_PRINTED_HEADERS = "(request-target) host date content-type digest content-length"
C3_AS_PRINTED = (
    f'keyId="Test",algorithm="rsa-sha256",headers="{C3_PRINTED_HEADERS}",'
    f'signature="{C3["signature_b64"]}"'
)
POSITIVE = {
    "C.1": (C1["signature_header"], C1["signing_string"]),
    "C.2": (C2["authorization_header"].removeprefix("Signature "), C2["signing_string"]),
    "C.3-as-printed": (C3_AS_PRINTED, C3["signing_string_as_printed"]),
}
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
INBOX = "https://kinfolk.example/users/ada/inbox"
ACTIVITY = b'{"type": "Follow"}'


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa_key()


@pytest.fixture(scope="module")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa_key()


def _verify(headers: Mapping[str, str], **overrides: Any) -> Verified | Rejected:
    args: dict[str, Any] = {
        "method": METHOD,
        "url": URL,
        "body": BODY,
        "key": PUBLIC,
        "now": VECTOR_NOW,
        "requirements": CRYPTO_ONLY,
        "min_rsa_bits": 1024,
    }
    args.update(overrides)
    return verify_request(headers=headers, **args)


# --- Appendix C vectors -------------------------------------------------------------------


@pytest.mark.parametrize("vector", POSITIVE, ids=list(POSITIVE))
def test_vector_signing_string_is_byte_exact(vector: str) -> None:
    header, expected = POSITIVE[vector]
    params = parse_signature_header(header)
    assert not isinstance(params, Rejected)
    assert signing_string(METHOD, URL, HEADERS, params.headers) == expected


@pytest.mark.parametrize("vector", POSITIVE, ids=list(POSITIVE))
@pytest.mark.parametrize("field", ["Signature", "Authorization"])
def test_vector_verifies(vector: str, field: str) -> None:
    header, _ = POSITIVE[vector]
    value = header if field == "Signature" else f"Signature {header}"
    result = _verify({**HEADERS, field: value})
    assert isinstance(result, Verified), result
    assert result.key_id == "Test"
    assert result.algorithm == "rsa-sha256"


@pytest.mark.parametrize("vector", POSITIVE, ids=list(POSITIVE))
def test_vector_resigning_reproduces_the_signature(vector: str) -> None:
    header, _ = POSITIVE[vector]
    params = parse_signature_header(header)
    assert not isinstance(params, Rejected)
    signed = sign_request(
        METHOD,
        URL,
        HEADERS,
        BODY,
        key_id="Test",
        private_key=PRIVATE,
        now=VECTOR_NOW,
        covered=params.headers,
    )
    ours = parse_signature(signed)
    assert not isinstance(ours, Rejected)
    assert ours.signature == params.signature
    if vector == "C.2":  # the one vector printed with our parameter order
        assert signed["Signature"] == header


def test_c3_as_printed_is_rejected() -> None:
    """C.3 lists (created)/(expires) with rsa-sha256 and was not signed over them (README)."""
    result = _verify({**HEADERS, "Signature": C3["signature_header"]})
    assert result == Rejected("(created) cannot be used with algorithm rsa-sha256")
    params = parse_signature_header(C3["signature_header"])  # tolerates ", expires=..."
    assert not isinstance(params, Rejected)
    assert (params.created, params.expires) == ("1402170695", "1402170699")
    text = signing_string(
        METHOD, URL, HEADERS, params.headers, created=params.created, expires=params.expires
    )
    assert text == C3["signing_string_per_spec_rules"]
    assert isinstance(text, str)
    assert isinstance(PUBLIC, rsa.RSAPublicKey)
    with pytest.raises(InvalidSignature):
        PUBLIC.verify(params.signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_vector_key_is_too_short_for_production() -> None:
    result = _verify({**HEADERS, "Signature": C1["signature_header"]}, min_rsa_bits=2048)
    assert result == Rejected("RSA key has 1024 bits; at least 2048 are required")


def _tamper_cases() -> list[tuple[str, str]]:
    cases = []
    for vector, (header, _) in POSITIVE.items():
        params = parse_signature_header(header)
        assert not isinstance(params, Rejected)
        kinds = ["header", "signature"]
        kinds += ["body"] if "digest" in params.headers else []
        kinds += ["method", "path"] if "(request-target)" in params.headers else []
        cases += [(vector, kind) for kind in kinds]
    return cases


@pytest.mark.parametrize(("vector", "kind"), _tamper_cases(), ids=lambda v: str(v))
def test_tampered_vector_fails(vector: str, kind: str) -> None:
    header, _ = POSITIVE[vector]
    headers, method, url, body = {**HEADERS, "Signature": header}, METHOD, URL, BODY
    if kind == "header":  # a covered header: Date in C.1, Host in the others
        if "host" in header:
            headers["Host"] = "example.org"
        else:
            headers["Date"] = "Sun, 05 Jan 2014 21:31:41 GMT"
    elif kind == "signature":
        raw = bytearray(base64.b64decode(header.split('signature="')[1][:-1]))
        raw[7] ^= 1
        headers["Signature"] = header.split('signature="')[0] + (
            f'signature="{base64.b64encode(bytes(raw)).decode()}"'
        )
    elif kind == "body":
        body = BODY.replace(b"world", b"worle")
    elif kind == "method":
        method = "PUT"
    else:
        url = URL.replace("/foo", "/bar")
    result = _verify(headers, method=method, url=url, body=body)
    expected = "digest mismatch" if kind == "body" else "signature does not verify"
    assert result == Rejected(expected)


# --- Algorithm comes from the key ------------------------------------------------------------


def test_hmac_with_public_pem_forgery_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    """httpsig 1.3.0 takes the algorithm from the header: an HMAC keyed by the public PEM."""
    public_pem = public_key_to_pem(rsa_key.public_key()).encode()
    covered = ["(request-target)", "host", "date", "digest"]
    headers = {
        "Host": "kinfolk.example",
        "Date": "Sat, 01 Mar 2025 12:00:00 GMT",
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode(),
    }
    text = signing_string("POST", INBOX, headers, covered)
    assert isinstance(text, str)
    forged = base64.b64encode(hmac.new(public_pem, text.encode(), hashlib.sha256).digest())
    headers["Signature"] = (
        f'keyId="https://kinfolk.example/users/ada#main-key",algorithm="hmac-sha256",'
        f'headers="{" ".join(covered)}",signature="{forged.decode()}"'
    )
    result = verify_request("POST", INBOX, headers, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert result == Rejected("algorithm hmac-sha256 does not match the actor's RSA key")

    # Why we do not verify with httpsig: its HeaderVerifier accepts the forgery.

    verifier = HeaderVerifier(
        headers, public_pem, method="POST", path="/users/ada/inbox", sign_header="signature"
    )
    assert verifier.verify() is True


@pytest.mark.parametrize(
    ("claimed", "key_kind", "reason"),
    [
        ("rsa-sha256", "ed25519", "algorithm rsa-sha256 does not match the actor's Ed25519 key"),
        ("ed25519", "rsa", "algorithm ed25519 does not match the actor's RSA key"),
        ("rsa-sha512", "rsa", "algorithm rsa-sha512 does not match the actor's RSA key"),
        ("ecdsa-sha256", "ec", "EC P-256 keys are not supported for draft-cavage signatures"),
    ],
)
def test_algorithm_must_match_the_key(
    claimed: str, key_kind: str, reason: str, rsa_key: rsa.RSAPrivateKey
) -> None:
    signer = rsa_key if key_kind == "rsa" else generate_ed25519_key()
    headers = _signed_get(signer)
    headers["Signature"] = headers["Signature"].replace(
        headers["Signature"].split('algorithm="')[1].split('"')[0], claimed
    )
    key = (
        ec.generate_private_key(ec.SECP256R1()).public_key()
        if key_kind == "ec"
        else signer.public_key()
    )
    assert verify_request("GET", INBOX, headers, b"", key=key, now=NOW) == Rejected(reason)


# --- Round trips --------------------------------------------------------------------------------


def _signed_post(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, **kw: Any) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    return sign_request(
        "POST",
        INBOX,
        headers,
        ACTIVITY,
        key_id="https://a.example/u#k",
        private_key=key,
        now=kw.pop("now", NOW),
        **kw,
    )


def _signed_get(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> dict[str, str]:
    headers = {"Accept": "application/activity+json"}
    return sign_request(
        "GET", INBOX, headers, b"", key_id="https://a.example/u#k", private_key=key, now=NOW
    )


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_round_trip(kind: str, rsa_key: rsa.RSAPrivateKey) -> None:
    key = rsa_key if kind == "rsa" else generate_ed25519_key()
    post = _signed_post(key)
    assert post["Host"] == "kinfolk.example"
    assert post["Date"] == "Sat, 01 Mar 2025 12:00:00 GMT"
    assert 'headers="(request-target) host date digest content-type"' in post["Signature"]
    result = verify_request("POST", INBOX, post, ACTIVITY, key=key.public_key(), now=NOW)
    algorithm = "rsa-sha256" if kind == "rsa" else "ed25519"
    assert result == Verified(
        "https://a.example/u#k",
        algorithm,
        ("(request-target)", "host", "date", "digest", "content-type"),
    )
    get = _signed_get(key)
    assert 'headers="(request-target) host date accept"' in get["Signature"]
    assert "Digest" not in get
    assert isinstance(
        verify_request("GET", INBOX, get, b"", key=key.public_key(), now=NOW), Verified
    )


def test_signed_by_another_key_fails(
    rsa_key: rsa.RSAPrivateKey, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    post = _signed_post(rsa_key)
    result = verify_request("POST", INBOX, post, ACTIVITY, key=other_rsa_key.public_key(), now=NOW)
    assert result == Rejected("signature does not verify")


# --- Requirements -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("covered", "reason"),
    [
        (["host", "date", "digest"], "signature does not cover (request-target)"),
        (["(request-target)", "date", "digest"], "signature does not cover host"),
        (["(request-target)", "host", "digest"], "signature does not cover date or (created)"),
        (["(request-target)", "host", "date"], "signature does not cover digest"),
    ],
    ids=["no-target", "no-host", "no-date", "no-digest"],
)
def test_post_requirements(covered: list[str], reason: str, rsa_key: rsa.RSAPrivateKey) -> None:
    post = _signed_post(rsa_key, covered=covered)
    key = rsa_key.public_key()
    assert verify_request("POST", INBOX, post, ACTIVITY, key=key, now=NOW) == Rejected(reason)
    relaxed = Requirements(target=False, host=False, date=False, body_digest=False)
    result = verify_request("POST", INBOX, post, ACTIVITY, key=key, now=NOW, requirements=relaxed)
    assert isinstance(result, Verified)


def test_post_digest_must_match_the_body(rsa_key: rsa.RSAPrivateKey) -> None:
    post = _signed_post(rsa_key)
    result = verify_request(
        "POST", INBOX, post, b'{"type": "Undo"}', key=rsa_key.public_key(), now=NOW
    )
    assert result == Rejected("digest mismatch")


def test_get_needs_no_digest(rsa_key: rsa.RSAPrivateKey) -> None:
    get = sign_request(
        "GET",
        INBOX,
        {},
        b"",
        key_id="k",
        private_key=rsa_key,
        now=NOW,
        covered=["(request-target)", "host", "date"],
    )
    result = verify_request("GET", INBOX, get, b"", key=rsa_key.public_key(), now=NOW)
    assert result == Verified("k", "rsa-sha256", ("(request-target)", "host", "date"))


def test_covered_header_must_be_present(rsa_key: rsa.RSAPrivateKey) -> None:
    post = _signed_post(rsa_key)
    del post["Content-Type"]
    result = verify_request("POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert result == Rejected("signed header content-type is missing")


# --- Time window ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        (timedelta(hours=-2), "Date is 2h old; the window is 65 minutes"),
        (
            timedelta(minutes=-65, seconds=-1),
            "Date is 65 minutes 1 second old; the window is 65 minutes",
        ),
        (timedelta(minutes=-65), None),
        (timedelta(minutes=60), None),
        (timedelta(minutes=61), "Date is 61 minutes in the future; at most 60 minutes is allowed"),
    ],
    ids=["2h-old", "65min-1s-old", "65min-old-boundary", "60min-ahead", "61min-ahead"],
)
def test_date_window(offset: timedelta, reason: str | None, rsa_key: rsa.RSAPrivateKey) -> None:
    post = _signed_post(rsa_key, now=NOW + offset)
    result = verify_request("POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert result == (Rejected(reason) if reason else Verified(*_post_verified("rsa-sha256")))


def _post_verified(algorithm: str) -> tuple[str, str, tuple[str, ...]]:
    covered = ("(request-target)", "host", "date", "digest", "content-type")
    return "https://a.example/u#k", algorithm, covered


def _hs2019(
    created: datetime, expires: datetime
) -> tuple[ed25519.Ed25519PrivateKey, dict[str, str]]:
    key = generate_ed25519_key()
    headers = {"Host": "kinfolk.example"}
    covered = ["(request-target)", "host", "(created)", "(expires)"]
    c, e = str(int(created.timestamp())), str(int(expires.timestamp()))
    text = signing_string("GET", INBOX, headers, covered, created=c, expires=e)
    assert isinstance(text, str)
    signature = base64.b64encode(key.sign(text.encode())).decode()
    headers["Signature"] = (
        f'keyId="k",algorithm="hs2019",created={c},expires={e},'
        f'headers="{" ".join(covered)}",signature="{signature}"'
    )
    return key, headers


def test_hs2019_created_and_expires() -> None:
    key, headers = _hs2019(NOW - timedelta(minutes=1), NOW + timedelta(minutes=4))
    result = verify_request("GET", INBOX, headers, b"", key=key.public_key(), now=NOW)
    assert result == Verified(
        "k", "ed25519", ("(request-target)", "host", "(created)", "(expires)")
    )


def test_expired_signature_is_rejected() -> None:
    key, headers = _hs2019(NOW - timedelta(minutes=10), NOW - timedelta(minutes=5))
    result = verify_request("GET", INBOX, headers, b"", key=key.public_key(), now=NOW)
    assert result == Rejected("signature expired 5 minutes ago")


def test_created_outside_the_window_is_rejected() -> None:
    key, headers = _hs2019(NOW - timedelta(hours=3), NOW + timedelta(minutes=5))
    result = verify_request("GET", INBOX, headers, b"", key=key.public_key(), now=NOW)
    assert result == Rejected("(created) is 3h old; the window is 65 minutes")


# --- Parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "request is not signed"),
        ({"Authorization": "Bearer abc"}, "request is not signed"),
        ({"Signature": 'keyId="k" signature="YQ=="'}, "Signature header is malformed"),
        ({"Signature": 'keyId=k,signature="YQ=="'}, "Signature header is malformed"),
        ({"Signature": 'signature="YQ=="'}, "Signature header has no keyId"),
        ({"Signature": 'keyId="k"'}, "Signature header has no signature"),
        ({"Signature": 'keyId="k",signature="Y Q=="'}, "signature is not valid base64"),
        ({"Signature": 'keyId="k",keyId="j",signature="YQ=="'}, "Signature header repeats keyId"),
        (
            {"Signature": 'keyId="k",headers=" ",signature="YQ=="'},
            "Signature headers list is empty",
        ),
        (
            {"Signature": 'keyId="k",created="x1",signature="YQ=="'},
            "Signature created is not a number",
        ),
    ],
    ids=[
        "unsigned",
        "other-scheme",
        "no-comma",
        "unquoted",
        "no-keyid",
        "no-signature",
        "bad-base64",
        "repeated",
        "empty-headers",
        "bad-created",
    ],
)
def test_parse_errors(headers: dict[str, str], reason: str) -> None:
    assert parse_signature(headers) == Rejected(reason)


def test_parse_defaults_and_case() -> None:
    params = parse_signature({"signature": 'keyid="k", Signature="YQ=="'})
    assert not isinstance(params, Rejected)
    assert (params.key_id, params.algorithm, params.headers) == ("k", None, ("date",))


def test_naive_now_is_a_caller_bug(rsa_key: rsa.RSAPrivateKey) -> None:
    post = _signed_post(rsa_key)
    naive = NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        verify_request("POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=naive)
    with pytest.raises(ValueError, match="aware"):
        _signed_post(rsa_key, now=naive)
    with pytest.raises(ValueError, match="relative URL"):
        sign_request("GET", "/inbox", {}, b"", key_id="k", private_key=rsa_key, now=NOW)
