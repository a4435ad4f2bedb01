"""The plain RFC 9421 signature base is byte for byte the library's, or steps aside."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from http_message_signatures.algorithms import ED25519

from federation.signing.keys import generate_ed25519_key
from federation.signing.policy import Verified
from federation.signing.rfc9421 import HttpRequest, _library_base, sign_request, verify_request
from federation.signing.rfc9421_plain import plain_signature_base

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
OURS = ["@method", "@target-uri", "@authority", "content-digest"]
HEADERS = {
    "Content-Type": "application/activity+json",
    "Content-Digest": "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    "Date": "Sat, 21 Nov 2026 12:00:00 GMT",
}

# (id, method, url, headers, covered, sign_request keyword arguments)
PLAIN: list[tuple[str, str, str, dict[str, str], list[str], dict[str, Any]]] = [
    ("delivery", "POST", "https://b.example/inbox", HEADERS, OURS, {}),
    ("default-https-port", "POST", "https://b.example:443/inbox", HEADERS, OURS, {}),
    ("zero-padded-port", "POST", "https://b.example:0443/inbox", HEADERS, OURS, {}),
    ("default-http-port", "GET", "http://127.0.0.2:80/users/a", {}, OURS[:3], {}),
    ("other-port", "POST", "http://127.0.0.2:8041/inbox", HEADERS, OURS, {}),
    ("no-path", "GET", "https://b.example", {}, OURS[:3], {}),
    ("query", "GET", "https://b.example/o?page=2&x=%20y?z", {}, OURS[:3], {}),
    ("escapes", "GET", "https://b.example/u/%C3%A9t%C3%A9;v=1", {}, OURS[:3], {}),
    ("headers", "POST", "https://b.example/inbox", HEADERS, [*OURS, "content-type", "date"], {}),
    ("padded-value", "POST", "https://b.example/i", {"X-A": "  a b\t"}, ["@method", "x-a"], {}),
    ("empty-value", "POST", "https://b.example/i", {"X-A": ""}, ["x-a"], {}),
    ("alg", "POST", "https://b.example/inbox", HEADERS, OURS, {"include_alg": True}),
    ("expires", "POST", "https://b.example/inbox", HEADERS, OURS, {"expires": timedelta(60)}),
    ("label", "POST", "https://b.example/inbox", HEADERS, OURS, {"label": "sig-b.2*"}),
    ("quoted-keyid", "GET", "https://b.example/", {}, ["@method"], {"key_id": 'a"b\\c'}),
    ("nothing-covered", "GET", "https://b.example/", {}, [], {}),
]

# Requests whose base needs the library's care: the plain builder must step aside.
NOT_PLAIN: list[tuple[str, str, str, dict[str, str], list[str], dict[str, Any]]] = [
    ("upper-case-host", "GET", "https://B.example/", {}, OURS[:3], {}),
    ("user-info", "GET", "https://me@b.example/", {}, OURS[:3], {}),
    ("fragment", "GET", "https://b.example/#top", {}, OURS[:3], {}),
    ("ipv6", "GET", "http://[::1]:8080/", {}, OURS[:3], {}),
    ("options", "OPTIONS", "https://b.example", {}, OURS[:3], {}),
    ("query-param", "GET", "https://b.example/?a=1", {}, ['"@query-param";name="a"'], {}),
    ("path", "GET", "https://b.example/x", {}, ["@path"], {}),
    ("serialized-name", "GET", "https://b.example/x", {}, ['"@method"'], {}),
    ("sf-field", "POST", "https://b.example/i", HEADERS, ['"content-digest";sf'], {}),
    ("tab-inside", "POST", "https://b.example/i", {"X-A": "a\tb"}, ["x-a"], {}),
    ("non-ascii", "POST", "https://b.example/i", {"X-A": "é"}, ["x-a"], {}),
    ("repeated", "POST", "https://b.example/i", {"X-A": "1", "x-a": "2"}, ["x-a"], {}),
    ("set-cookie", "POST", "https://b.example/i", {"Set-Cookie": "a=1"}, ["set-cookie"], {}),
    ("non-ascii-keyid", "GET", "https://b.example/", {}, ["@method"], {"key_id": "ké"}),
]


def _arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    expires = kwargs.get("expires")
    return {
        "label": kwargs.get("label", "sig1"),
        "key_id": kwargs.get("key_id", "https://a.example/users/ana#ed25519-key"),
        "expires": None if expires is None else NOW + expires,
        "include_alg": kwargs.get("include_alg", False),
    }


def _plain(method: str, url: str, headers: dict[str, str], covered: list[str], **kw: Any) -> Any:
    args = _arguments(kw)
    return plain_signature_base(
        method,
        url,
        headers,
        covered,
        label=args["label"],
        key_id=args["key_id"],
        created=int(NOW.timestamp()),
        alg="ed25519" if args["include_alg"] else None,
        expires=None if args["expires"] is None else int(args["expires"].timestamp()),
    )


@pytest.mark.parametrize(
    ("method", "url", "headers", "covered", "kw"),
    [case[1:] for case in PLAIN],
    ids=[case[0] for case in PLAIN],
)
def test_plain_base_is_the_librarys(
    method: str, url: str, headers: dict[str, str], covered: list[str], kw: dict[str, Any]
) -> None:
    args = _arguments(kw)
    expected = _library_base(
        HttpRequest(method, url, headers),
        covered,
        ED25519,
        args["key_id"],
        NOW,
        args["label"],
        args["expires"],
        "ed25519" if args["include_alg"] else None,
    )
    plain = _plain(method, url, headers, covered, **kw)
    assert plain is not None
    assert (plain.base.encode(), plain.signature_params) == expected


@pytest.mark.parametrize(
    ("method", "url", "headers", "covered", "kw"),
    [case[1:] for case in NOT_PLAIN],
    ids=[case[0] for case in NOT_PLAIN],
)
def test_the_plain_builder_steps_aside(
    method: str, url: str, headers: dict[str, str], covered: list[str], kw: dict[str, Any]
) -> None:
    assert _plain(method, url, headers, covered, **kw) is None


def test_a_request_the_library_builds_still_signs_and_verifies() -> None:
    key = generate_ed25519_key()
    url = "https://B.example/inbox?a=1"
    signed = sign_request(
        "POST",
        url,
        {},
        b"{}",
        key_id="k",
        private_key=key,
        now=NOW,
        covered=["@method", "@path", '"@query-param";name="a"', "@authority", "content-digest"],
    )
    result = verify_request("POST", url, signed, b"{}", key=key.public_key(), now=NOW)
    assert isinstance(result, Verified)


def test_a_plain_delivery_verifies_with_the_librarys_base() -> None:
    key = generate_ed25519_key()
    url = "https://b.example:443/inbox"
    signed = sign_request("POST", url, HEADERS, b"{}", key_id="k", private_key=key, now=NOW)
    result = verify_request("POST", url, signed, b"{}", key=key.public_key(), now=NOW)
    assert isinstance(result, Verified)
    assert (result.key_id, result.algorithm) == ("k", "ed25519")
