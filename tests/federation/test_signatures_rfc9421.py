"""RFC 9421 signatures: every Appendix B / in-body vector, tampering, policy, time, round trips."""

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from federation.signing.digests import make_content_digest
from federation.signing.keys import (
    PublicKey,
    generate_ed25519_key,
    generate_rsa_key,
    load_private_key_pem,
    load_public_key_pem,
    public_key_to_pem,
)
from federation.signing.policy import CRYPTO_ONLY, Rejected, Requirements, Verified
from federation.signing.rfc9421 import (
    HttpRequest,
    SignatureInput,
    parse_signatures,
    response_signature_base,
    sign_request,
    signature_base,
    verify_request,
    verify_response,
)
from tests.shared_fixtures import SHARED_FIXTURES

DATA = json.loads((SHARED_FIXTURES / "httpsig" / "rfc9421-appendix-b.json").read_text("utf-8"))
KEYS = DATA["keys"]
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
INBOX = "https://kinfolk.example/users/ada/inbox"
ACTIVITY = b'{"type": "Follow"}'


@dataclass
class Case:
    """One signature from the vectors, as a message our functions can take."""

    id: str
    label: str
    keyid: str
    base: str
    signature_b64: str
    deterministic: bool
    method: str  # the request's (for a response: the request it answers)
    url: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None  # set for a response signature
    request: HttpRequest | None = None
    expected_headers: dict[str, str] = field(default_factory=dict)


def _headers(pairs: list[list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:  # repeated field lines are combined with ", " (RFC 9110)
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _request(message: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
    method, target, _ = message["start_line"].split(" ")
    headers = _headers(message["headers"])
    return method, f"https://{headers['Host']}{target}", headers, message["body"].encode()


def _status(message: dict[str, Any]) -> int:
    return int(message["start_line"].split(" ")[1])


def _cases() -> list[Case]:
    cases = []
    method, url, headers, body = _request(DATA["test_request"])
    for t in DATA["test_cases"]:
        common = {
            "id": t["id"],
            "keyid": t["keyid"],
            "base": t["signature_base"],
            "signature_b64": t["signature_b64"],
            "deterministic": t["deterministic"],
            "label": t["signature_input_header"].split("=")[0],
        }
        signed = {
            "Signature-Input": t["signature_input_header"],
            "Signature": t["signature_header"],
        }
        if t.get("target_message") == "test-request":
            cases.append(
                Case(**common, method=method, url=url, headers={**headers, **signed}, body=body)
            )
        elif t.get("target_message") == "test-response":
            # README: the printed response's Content-Digest is not its body's; B.2.4 signed
            # the correct value, so put that one in before verifying end to end.
            check = DATA["digest_consistency_checks"][1]
            response = _headers(DATA["test_response"]["headers"])
            response["Content-Digest"] = check["content_digest_computed_over_body"]
            cases.append(
                Case(
                    **common,
                    method=method,
                    url=url,
                    headers={**response, **signed},
                    body=DATA["test_response"]["body"].encode(),
                    status=_status(DATA["test_response"]),
                )
            )
        else:
            message = t.get("signed_request") or t["original_message"]
            m, u, h, b = _request(message)
            cases.append(Case(**common, method=m, url=u, headers=h, body=b))
    for e in DATA["in_body_examples"]:
        common = {"id": e["id"], "deterministic": e.get("deterministic", False)}
        if e["id"] == "sig1-section-3":
            m, u, h, b = _request(e["signed_request"])
            cases.append(
                Case(
                    **common,
                    label="sig1",
                    keyid=e["keyid"],
                    base=e["signature_base"],
                    signature_b64=e["signature_b64"],
                    method=m,
                    url=u,
                    headers=h,
                    body=b,
                )
            )
        elif e["id"].startswith("reqres"):
            m, u, h, b = _request(e.get("request") or e["signed_request"])
            response = e["signed_response"]
            cases.append(
                Case(
                    **common,
                    label="reqres",
                    keyid=e["keyid"],
                    base=e["signature_base"],
                    signature_b64=e["signature_b64"],
                    method=m,
                    url=u,
                    headers=_headers(response["headers"]),
                    body=response["body"].encode(),
                    status=_status(response),
                    request=HttpRequest(m, u, h),
                )
            )
        else:  # Section 4.3: a client signature, then a proxy's signature on the forwarded request
            client, final = e["client_signed_request"], e["final_request"]
            for sig in e["signatures"]:
                m, u, h, b = _request(client if sig["label"] == "sig1" else final)
                # The forwarded body is printed after an extra blank line; it is the same
                # 18 bytes (Content-Length: 18) as the client's.
                b = b.lstrip(b"\n")
                expected = (
                    {}
                    if sig["label"] == "sig1"
                    else {
                        "Signature-Input": e["signature_input_header"].split(", ")[1],
                        "Signature": e["signature_header"].split(", ")[1],
                    }
                )
                cases.append(
                    Case(
                        id=f"{e['id']}-{sig['label']}",
                        label=sig["label"],
                        keyid=sig["keyid"],
                        base=sig["signature_base"],
                        signature_b64=sig["signature_b64"],
                        deterministic=sig["alg"] != "ecdsa-p256-sha256",
                        method=m,
                        url=u,
                        headers=h,
                        body=b,
                        expected_headers=expected,
                    )
                )
    return cases


CASES = _cases()
VERIFIABLE = [c for c in CASES if c.keyid != "test-shared-secret"]
IDS = [c.id for c in CASES]


def _sig(case: Case) -> SignatureInput:
    parsed = parse_signatures(case.headers)
    assert not isinstance(parsed, Rejected), parsed
    (sig,) = [s for s in parsed if s.label == case.label]
    return sig


def _created(case: Case) -> datetime:
    created = _sig(case).created
    assert created is not None
    return datetime.fromtimestamp(created, UTC)


def _verify(case: Case, key: PublicKey | None = None) -> Verified | Rejected:
    public = key or load_public_key_pem(KEYS[case.keyid]["public_key_pem"])
    common: dict[str, Any] = {
        "key": public,
        "now": _created(case),
        "label": case.label,
        "requirements": CRYPTO_ONLY,
    }
    if case.status is not None:
        return verify_response(case.status, case.headers, case.body, request=case.request, **common)
    return verify_request(case.method, case.url, case.headers, case.body, **common)


def test_all_vectors_were_collected() -> None:
    assert len(CASES) == 13


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signature_base_is_byte_exact(case: Case) -> None:
    sig = _sig(case)
    if case.status is not None:
        base = response_signature_base(case.status, case.headers, sig, request=case.request)
    else:
        base = signature_base(case.method, case.url, case.headers, sig)
    assert base == case.base


@pytest.mark.parametrize("case", VERIFIABLE, ids=[c.id for c in VERIFIABLE])
def test_vector_verifies(case: Case) -> None:
    result = _verify(case)
    assert isinstance(result, Verified), result
    assert (result.key_id, result.label) == (case.keyid, case.label)
    assert result.covered == _sig(case).components


def test_hmac_vector_reproduces_but_is_never_accepted() -> None:
    """B.2.5: the base and HMAC reproduce, yet our verifier only takes public keys."""
    (case,) = [c for c in CASES if c.keyid == "test-shared-secret"]
    secret = base64.b64decode(KEYS["test-shared-secret"]["secret_base64"])
    ours = hmac.new(secret, case.base.encode(), hashlib.sha256).digest()
    assert base64.b64encode(ours).decode() == case.signature_b64
    rsa_key = load_public_key_pem(KEYS["test-key-rsa"]["public_key_pem"])
    assert _verify(case, rsa_key) == Rejected("signature does not verify")


DETERMINISTIC = [c for c in VERIFIABLE if c.deterministic]


@pytest.mark.parametrize("case", DETERMINISTIC, ids=[c.id for c in DETERMINISTIC])
def test_resigning_reproduces_the_vector(case: Case) -> None:
    sig = _sig(case)
    unsigned = {k: v for k, v in case.headers.items() if k not in {"Signature-Input", "Signature"}}
    signed = sign_request(
        case.method,
        case.url,
        unsigned,
        case.body,
        key_id=case.keyid,
        private_key=load_private_key_pem(KEYS[case.keyid]["private_key_pem"]),
        now=_created(case),
        label=case.label,
        covered=[c.strip('"') for c in sig.components],
        expires=None if sig.expires is None else datetime.fromtimestamp(sig.expires, UTC),
        include_alg=sig.alg is not None,
    )
    expected = case.expected_headers or {
        "Signature-Input": case.headers["Signature-Input"],
        "Signature": case.headers["Signature"],
    }
    assert {k: signed[k] for k in expected} == expected


def _tamper_cases() -> list[tuple[Case, str]]:
    out = []
    for case in VERIFIABLE:
        names = {c.split(";")[0].strip('"') for c in _sig(case).components}
        kinds = ["signature", "params"]
        kinds += ["header"] if any(not n.startswith("@") for n in names) else []
        kinds += ["body"] if "content-digest" in names else []
        kinds += ["method"] if "@method" in names else []
        kinds += ["path"] if names & {"@path", "@target-uri", "@request-target"} else []
        out += [(case, kind) for kind in kinds]
    return out


TAMPER = _tamper_cases()


@pytest.mark.parametrize(("case", "kind"), TAMPER, ids=[f"{c.id}-{k}" for c, k in TAMPER])
def test_tampered_vector_fails(case: Case, kind: str) -> None:
    headers, body, method, url = dict(case.headers), case.body, case.method, case.url
    request = case.request
    sig = _sig(case)
    component = ""
    if kind == "signature":
        raw = bytearray(sig.signature)
        raw[5] ^= 1
        value = f"{case.label}=:{base64.b64encode(bytes(raw)).decode()}:"
        headers["Signature"] = re.sub(
            rf"{re.escape(case.label)}=:[^:]*:", value, headers["Signature"]
        )
    elif kind == "params":
        assert sig.created is not None
        headers["Signature-Input"] = headers["Signature-Input"].replace(
            f"created={sig.created}", f"created={sig.created + 1}"
        )
    elif kind == "header":  # the first covered field, on the message it belongs to
        fields = [c for c in sig.components if not c.startswith('"@')]
        component = next((c for c in fields if "content-digest" not in c), fields[0])
        name = component.split(";")[0].strip('"')
        if ";req" in component and request is not None:
            request = replace(request, headers=_changed(request.headers, name))
        else:
            headers = _changed(headers, name)
    elif kind == "body":
        body = body.replace(b'"', b"'", 1)
    elif kind == "method":
        if request is not None:
            request = replace(request, method="PUT")
        else:
            method = "PUT"
    elif request is not None:
        request = replace(request, url=request.url.replace("/foo", "/bar"))
    else:
        url = url.replace("/foo", "/bar").replace("/demo", "/dome")
    tampered = Case(
        **{
            **case.__dict__,
            "headers": headers,
            "body": body,
            "method": method,
            "url": url,
            "request": request,
        }
    )
    digest_changed = kind == "body" or (kind == "header" and "content-digest" in component)
    expected = "digest mismatch" if digest_changed else "signature does not verify"
    assert _verify(tampered) == Rejected(expected)


def _changed(headers: Mapping[str, str], name: str) -> dict[str, str]:
    out = dict(headers)
    key = next(k for k in out if k.lower() == name)
    out[key] = (
        make_content_digest(b"other", "sha-512") if name == "content-digest" else out[key] + "x"
    )
    return out


TRANSFORM = next(c for c in DATA["test_cases"] if c["id"] == "transform")


@pytest.mark.parametrize(
    "variant", TRANSFORM["transformed_messages"], ids=[f"B.4-{i}" for i in range(5)]
)
def test_transformations(variant: dict[str, Any]) -> None:
    """B.4: uncovered changes keep the signature valid, covered ones break it."""
    method, url, headers, body = _request(variant["message"])
    result = verify_request(
        method,
        url,
        headers,
        body,
        key=load_public_key_pem(KEYS["test-key-ed25519"]["public_key_pem"]),
        now=datetime.fromtimestamp(1618884473, UTC),
        requirements=CRYPTO_ONLY,
    )
    assert isinstance(result, Verified) is variant["signature_expected_valid"], result


def test_the_client_signature_does_not_survive_the_proxy() -> None:
    proxy = next(c for c in CASES if c.id == "multiple-signatures-proxy_sig")
    final = {**proxy.headers}
    key = load_public_key_pem(KEYS["test-key-ecc-p256"]["public_key_pem"])
    now = datetime.fromtimestamp(1618884480, UTC)
    unlabelled = verify_request(proxy.method, proxy.url, final, proxy.body, key=key, now=now)
    assert unlabelled == Rejected("expected a single signature; found sig1, proxy_sig")
    result = verify_request(
        proxy.method,
        proxy.url,
        final,
        proxy.body,
        key=key,
        now=now,
        label="sig1",
        requirements=CRYPTO_ONLY,
    )
    assert result == Rejected("signature does not verify")  # @authority was rewritten


# --- Algorithm comes from the key ------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa_key()


def _post(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, **kw: Any) -> dict[str, str]:
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


def test_hmac_alg_keyed_by_the_public_pem_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = _post(rsa_key)
    sig = _sig(Case("x", "sig1", "k", "", "", False, "POST", INBOX, headers, ACTIVITY))
    forged_input = sig.signature_params + ';alg="hmac-sha256"'
    forged_sig = SignatureInput(**{**sig.__dict__, "signature_params": forged_input})
    base = signature_base("POST", INBOX, headers, forged_sig)
    assert isinstance(base, str)
    secret = public_key_to_pem(rsa_key.public_key()).encode()
    mac = base64.b64encode(hmac.new(secret, base.encode(), hashlib.sha256).digest()).decode()
    headers["Signature-Input"] = f"sig1={forged_input}"
    headers["Signature"] = f"sig1=:{mac}:"
    result = verify_request("POST", INBOX, headers, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert result == Rejected("algorithm hmac-sha256 does not match the actor's RSA key")


@pytest.mark.parametrize(
    ("alg", "signer", "reason"),
    [
        (
            "rsa-v1_5-sha256",
            "ed25519",
            "algorithm rsa-v1_5-sha256 does not match the actor's Ed25519 key",
        ),
        ("ed25519", "rsa", "algorithm ed25519 does not match the actor's RSA key"),
        (
            "ecdsa-p256-sha256",
            "rsa",
            "algorithm ecdsa-p256-sha256 does not match the actor's RSA key",
        ),
    ],
)
def test_alg_parameter_must_match_the_key(
    alg: str, signer: str, reason: str, rsa_key: rsa.RSAPrivateKey
) -> None:
    key = rsa_key if signer == "rsa" else generate_ed25519_key()
    headers = _post(key)
    headers["Signature-Input"] += f';alg="{alg}"'
    result = verify_request("POST", INBOX, headers, ACTIVITY, key=key.public_key(), now=NOW)
    assert result == Rejected(reason)


def test_matching_alg_parameter_is_accepted(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = _post(rsa_key, include_alg=True)
    assert headers["Signature-Input"].endswith(';alg="rsa-v1_5-sha256"')
    result = verify_request("POST", INBOX, headers, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert isinstance(result, Verified)


def test_short_rsa_keys_are_refused() -> None:
    key = generate_rsa_key(1024)
    headers = _post(key)
    result = verify_request("POST", INBOX, headers, ACTIVITY, key=key.public_key(), now=NOW)
    assert result == Rejected("RSA key has 1024 bits; at least 2048 are required")


# --- Round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_round_trip(kind: str, rsa_key: rsa.RSAPrivateKey) -> None:
    key = rsa_key if kind == "rsa" else generate_ed25519_key()
    post = _post(key)
    assert (
        post["Content-Digest"]
        == "sha-256=:" + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode() + ":"
    )
    assert post["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "@authority" "content-digest")'
        f';created={int(NOW.timestamp())};keyid="https://a.example/u#k"'
    )
    result = verify_request("POST", INBOX, post, ACTIVITY, key=key.public_key(), now=NOW)
    algorithm = "rsa-v1_5-sha256" if kind == "rsa" else "ed25519"
    covered = ('"@method"', '"@target-uri"', '"@authority"', '"content-digest"')
    assert result == Verified("https://a.example/u#k", algorithm, covered, "sig1")
    get = sign_request("GET", INBOX, {}, b"", key_id="k", private_key=key, now=NOW)
    assert get["Signature-Input"].startswith('sig1=("@method" "@target-uri" "@authority");')
    assert isinstance(
        verify_request("GET", INBOX, get, b"", key=key.public_key(), now=NOW), Verified
    )


def test_signed_by_another_key_fails(rsa_key: rsa.RSAPrivateKey) -> None:
    post = _post(rsa_key)
    other = generate_rsa_key().public_key()
    result = verify_request("POST", INBOX, post, ACTIVITY, key=other, now=NOW)
    assert result == Rejected("signature does not verify")


# --- Requirements and time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("covered", "reason"),
    [
        (["@target-uri", "@authority", "content-digest"], "signature does not cover @method"),
        (
            ["@method", "@authority", "content-digest"],
            "signature does not cover @target-uri or @path",
        ),
        (["@method", "@path", "content-digest"], "signature does not cover @authority"),
        (["@method", "@target-uri", "@authority"], "signature does not cover content-digest"),
    ],
    ids=["no-method", "no-target", "no-authority", "no-digest"],
)
def test_post_requirements(covered: list[str], reason: str, rsa_key: rsa.RSAPrivateKey) -> None:
    post = _post(rsa_key, covered=covered)
    result = verify_request("POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert result == Rejected(reason)
    relaxed = verify_request(
        "POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=NOW, requirements=CRYPTO_ONLY
    )
    assert isinstance(relaxed, Verified)


def test_path_instead_of_target_uri_is_enough(rsa_key: rsa.RSAPrivateKey) -> None:
    post = _post(rsa_key, covered=["@method", "@path", "@authority", "content-digest"])
    assert isinstance(
        verify_request("POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=NOW), Verified
    )


def test_a_date_is_required(rsa_key: rsa.RSAPrivateKey) -> None:
    case = next(c for c in CASES if c.id == "sig-b26")  # covers "date"; drop created
    headers = {
        **case.headers,
        "Signature-Input": case.headers["Signature-Input"].replace(";created=1618884473", ""),
    }
    key = load_public_key_pem(KEYS["test-key-ed25519"]["public_key_pem"])
    now = datetime(2021, 4, 20, 2, 7, 55, tzinfo=UTC)
    relaxed = Requirements(date=True, target=False, host=False, body_digest=False)
    result = verify_request(
        case.method, case.url, headers, case.body, key=key, now=now, requirements=relaxed
    )
    assert result == Rejected("signature does not verify")  # date coverage suffices; base changed
    no_date = {**headers, "Signature-Input": headers["Signature-Input"].replace('"date" ', "")}
    result = verify_request(
        case.method, case.url, no_date, case.body, key=key, now=now, requirements=relaxed
    )
    assert result == Rejected("signature has no created parameter and does not cover date")


def test_digest_must_match_the_body(rsa_key: rsa.RSAPrivateKey) -> None:
    post = _post(rsa_key)
    result = verify_request("POST", INBOX, post, b"{}", key=rsa_key.public_key(), now=NOW)
    assert result == Rejected("digest mismatch")


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        (timedelta(hours=-2), "created is 2h old; the window is 65 minutes"),
        (timedelta(minutes=-65), None),
        (
            timedelta(minutes=61),
            "created is 61 minutes in the future; at most 60 minutes is allowed",
        ),
    ],
    ids=["2h-old", "65min-boundary", "61min-ahead"],
)
def test_created_window(offset: timedelta, reason: str | None, rsa_key: rsa.RSAPrivateKey) -> None:
    post = _post(rsa_key, now=NOW + offset)
    result = verify_request("POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert (result == Rejected(reason)) if reason else isinstance(result, Verified)


def test_expired_signature_is_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    post = _post(rsa_key, now=NOW - timedelta(minutes=2), expires=NOW - timedelta(seconds=30))
    result = verify_request("POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert result == Rejected("signature expired 30 seconds ago")


# --- Parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "request has no Signature-Input and Signature"),
        (
            {"Signature-Input": "sig1=(", "Signature": "sig1=:YQ==:"},
            "not a structured-field dictionary",
        ),
        (
            {"Signature-Input": 'sig1="x"', "Signature": "sig1=:YQ==:"},
            "is not a list of components",
        ),
        (
            {"Signature-Input": "sig1=();keyid=1", "Signature": "sig1=:YQ==:"},
            "keyid is not a string",
        ),
        (
            {"Signature-Input": 'sig1=();created="1"', "Signature": "sig1=:YQ==:"},
            "created is not an integer",
        ),
        ({"Signature-Input": "sig1=();foo=1", "Signature": "sig1=:YQ==:"}, "unknown parameter foo"),
        (
            {"Signature-Input": "sig1=()", "Signature": "sig2=:YQ==:"},
            "Signature has no byte sequence for sig1",
        ),
    ],
    ids=["missing", "syntax", "not-list", "keyid-type", "created-type", "unknown-param", "label"],
)
def test_parse_errors(headers: dict[str, str], reason: str) -> None:
    result = parse_signatures(headers)
    assert isinstance(result, Rejected)
    assert reason in result.reason


def test_missing_keyid_is_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    post = _post(rsa_key)
    post["Signature-Input"] = post["Signature-Input"].replace(';keyid="https://a.example/u#k"', "")
    result = verify_request("POST", INBOX, post, ACTIVITY, key=rsa_key.public_key(), now=NOW)
    assert result == Rejected("signature sig1 has no keyid")
