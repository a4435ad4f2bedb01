"""Actor keys: PEM round trips, base58btc, and FEP-521a Multikeys (incl. real ones)."""

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

from federation.signing.keys import (
    PublicKey,
    b58decode,
    b58encode,
    decode_multikey,
    encode_multikey,
    generate_ed25519_key,
    generate_rsa_key,
    key_type_name,
    load_private_key_pem,
    load_public_key_pem,
    private_key_to_pem,
    public_key_to_pem,
)
from tests.shared_fixtures import SHARED_FIXTURES

FEDIFY = SHARED_FIXTURES / "activitypub-extra" / "fedify-dev+fedify" / "packages" / "fixture"
FEDIFY_ACTORS = [
    FEDIFY / "src/fixtures/example.com/person2.json",
    FEDIFY / "src/fixtures/server.example/users/alice.json",
    FEDIFY / "src/fixtures/wizard.casa/users/hongminhee.json",
]


def _spki(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _multikeys() -> list[tuple[str, str, set[bytes]]]:
    """(test id, publicKeyMultibase, SPKI DER of every publicKeyPem in the same document)."""
    cases = []
    for path in FEDIFY_ACTORS:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        pems = {
            _spki(load_public_key_pem(k["publicKeyPem"])) for k in _as_list(doc.get("publicKey"))
        }
        for method in _as_list(doc.get("assertionMethod")):
            name = f"{path.parent.name}/{path.stem}{method['id'][method['id'].index('#') :]}"
            cases.append((name, method["publicKeyMultibase"], pems))
    return cases


MULTIKEYS = _multikeys()


def test_fixture_multikeys_were_found() -> None:
    assert len(MULTIKEYS) == 5


@pytest.mark.parametrize(
    ("multibase", "pems"), [c[1:] for c in MULTIKEYS], ids=[c[0] for c in MULTIKEYS]
)
def test_real_multikeys_decode_to_usable_keys(multibase: str, pems: set[bytes]) -> None:
    key = decode_multikey(multibase)
    assert isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey)
    assert encode_multikey(key) == multibase  # re-encoding is byte-exact
    if isinstance(key, rsa.RSAPublicKey):
        assert key.key_size >= 2048
        assert _spki(key) in pems  # the same key is also published as publicKeyPem


def test_multikey_matches_pem_in_person2() -> None:
    doc = json.loads(FEDIFY_ACTORS[0].read_text(encoding="utf-8"))
    pem_keys = [load_public_key_pem(k["publicKeyPem"]) for k in doc["publicKey"]]
    multi = [decode_multikey(m["publicKeyMultibase"]) for m in doc["assertionMethod"]]
    assert [_spki(k) for k in multi] == [_spki(k) for k in pem_keys]
    assert [key_type_name(k) for k in multi] == ["RSA", "Ed25519"]


def test_ed25519_multikey_round_trip_and_prefix() -> None:
    public = generate_ed25519_key().public_key()
    encoded = encode_multikey(public)
    assert encoded.startswith("z6Mk")  # 0xed01 prefix + 32 bytes always reads z6Mk...
    assert b58decode(encoded[1:])[:2] == b"\xed\x01"
    assert _spki(decode_multikey(encoded)) == _spki(public)


def test_rsa_multikey_round_trip() -> None:
    public = generate_rsa_key().public_key()
    encoded = encode_multikey(public)
    assert b58decode(encoded[1:])[:2] == b"\x85\x24"
    assert _spki(decode_multikey(encoded)) == _spki(public)


def test_p256_multikey_decodes() -> None:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    decoded = decode_multikey("z" + b58encode(b"\x80\x24" + point))
    assert key_type_name(decoded) == "EC P-256"
    assert _spki(decoded) == _spki(public)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("u7QE", "not multibase base58btc"),
        ("z" + b58encode(b"\xed\x01" + b"\x01" * 31), "expected 32"),
        ("z" + b58encode(b"\x12\x34" + b"\x01" * 32), "unsupported Multikey codec"),
        ("z6Mk0OIl", "invalid base58 character"),
    ],
    ids=["not-base58btc", "short-ed25519", "unknown-codec", "bad-alphabet"],
)
def test_bad_multikeys_raise(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_multikey(value)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"", ""),
        (b"\x00", "1"),
        (b"\x00\x00\x01", "112"),
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (bytes(range(256)), None),
    ],
    ids=["empty", "zero", "leading-zeros", "hello-world", "all-bytes"],
)
def test_base58btc(raw: bytes, text: str | None) -> None:
    encoded = b58encode(raw)
    if text is not None:
        assert encoded == text
    assert b58decode(encoded) == raw


@pytest.mark.parametrize("make", [generate_rsa_key, generate_ed25519_key], ids=["rsa", "ed25519"])
def test_pem_round_trip(make: Any) -> None:
    private = make()
    pem = private_key_to_pem(private)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8
    loaded = load_private_key_pem(pem)
    public_pem = public_key_to_pem(private.public_key())
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")  # SPKI
    assert public_key_to_pem(loaded.public_key()) == public_pem
    assert _spki(load_public_key_pem(public_pem.encode())) == _spki(private.public_key())


def test_generated_rsa_key_is_2048_bits() -> None:
    assert generate_rsa_key().key_size == 2048


def test_loads_pkcs1_pems_from_the_httpsig_vectors() -> None:
    vectors = json.loads((SHARED_FIXTURES / "httpsig" / "rfc9421-appendix-b.json").read_text())
    rsa_key = vectors["keys"]["test-key-rsa"]
    public = load_public_key_pem(rsa_key["public_key_pem"])  # "BEGIN RSA PUBLIC KEY"
    private = load_private_key_pem(rsa_key["private_key_pem"])  # "BEGIN RSA PRIVATE KEY"
    assert _spki(private.public_key()) == _spki(public)


def test_unusable_key_types_are_refused() -> None:
    other = x25519.X25519PrivateKey.generate()
    public_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="unsupported public key type"):
        load_public_key_pem(public_pem)
    with pytest.raises(ValueError, match="unsupported private key type"):
        load_private_key_pem(private_pem)
