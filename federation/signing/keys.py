"""Actor key material: generation, PEM, and FEP-521a Multikey.

Design note: every other federation module receives *loaded* key objects from
``cryptography``, never PEM strings, so the key type is known before any
signature is looked at (the HTTP-signature verifiers pick the algorithm from it).
Loading therefore refuses key types we cannot use, with a ``ValueError`` whose
message is fit for a log line. Multikey (``publicKeyMultibase``) is multibase
base58btc (``z``) over a multicodec-prefixed key: ``0xed 0x01`` + 32 raw bytes
for Ed25519 and ``0x85 0x24`` (varint of 0x1205) + DER PKCS#1 ``RSAPublicKey``
for RSA, as Fedify and Mitra publish them. base58btc is written here because it
is fifteen lines and not worth a dependency.
"""

from typing import TypeAlias

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

PublicKey: TypeAlias = rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey: TypeAlias = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

_ED25519_PREFIX = b"\xed\x01"  # multicodec ed25519-pub (0xed) as an unsigned varint
_RSA_PREFIX = b"\x85\x24"  # multicodec rsa-pub (0x1205) as an unsigned varint
_P256_PREFIX = b"\x80\x24"  # multicodec p256-pub (0x1200), compressed SEC1 point
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def generate_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """Generate an RSA private key (public exponent 65537)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def generate_ed25519_key() -> ed25519.Ed25519PrivateKey:
    """Generate an Ed25519 private key."""
    return ed25519.Ed25519PrivateKey.generate()


def private_key_to_pem(key: PrivateKey) -> str:
    """Serialize a private key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_to_pem(key: PublicKey) -> str:
    """Serialize a public key as SubjectPublicKeyInfo PEM (``publicKeyPem``)."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_private_key_pem(pem: str | bytes) -> PrivateKey:
    """Load an unencrypted PKCS#8 (or PKCS#1 RSA) private key; ValueError if unusable."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        return key
    raise ValueError(f"unsupported private key type {type(key).__name__}")


def load_public_key_pem(pem: str | bytes) -> PublicKey:
    """Load an SPKI (or PKCS#1 RSA) public key PEM; ValueError if unusable."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    return _usable(serialization.load_pem_public_key(data))


def key_type_name(key: PublicKey | PrivateKey) -> str:
    """Short human name of a key's type, for messages: "RSA", "Ed25519", "EC P-256"."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RSA"
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519"
    return {"secp256r1": "EC P-256", "secp384r1": "EC P-384"}.get(key.curve.name, "EC")


def encode_multikey(key: ed25519.Ed25519PublicKey | rsa.RSAPublicKey) -> str:
    """FEP-521a ``publicKeyMultibase`` for an Ed25519 or RSA public key."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "z" + b58encode(_ED25519_PREFIX + raw)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return "z" + b58encode(_RSA_PREFIX + der)


def decode_multikey(value: str) -> PublicKey:
    """Decode a ``publicKeyMultibase`` (Ed25519, RSA or P-256); ValueError if malformed."""
    if not value.startswith("z"):
        raise ValueError("Multikey is not multibase base58btc (must start with 'z')")
    data = b58decode(value[1:])
    prefix, body = data[:2], data[2:]
    if prefix == _ED25519_PREFIX:
        if len(body) != 32:
            raise ValueError(f"Ed25519 Multikey has {len(body)} key bytes; expected 32")
        return ed25519.Ed25519PublicKey.from_public_bytes(body)
    if prefix == _RSA_PREFIX:
        return _usable(serialization.load_der_public_key(body))
    if prefix == _P256_PREFIX:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), body)
    raise ValueError(f"unsupported Multikey codec prefix 0x{prefix.hex()}")


def b58encode(data: bytes) -> str:
    """Bitcoin base58 encoding (leading zero bytes become '1')."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_B58_ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of b58encode; ValueError on characters outside the alphabet."""
    n = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"invalid base58 character {char!r}")
        n = n * 58 + _B58_INDEX[char]
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + n.to_bytes((n.bit_length() + 7) // 8, "big")


def _usable(key: object) -> PublicKey:
    if isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        return key
    raise ValueError(f"unsupported public key type {type(key).__name__}")
