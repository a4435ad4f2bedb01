"""RSA keys for tests without paying for a new one per actor and per test.

Every local actor gets an RSA-2048 key the first time it publishes or signs, and
the node reads it back from its database (``load_private_key_pem``) whenever it
signs or publishes the actor. Both are slow on purpose: generating a key takes
50-130 ms, and loading one checks the key's consistency, some 30-45 ms. The rig
does either hundreds of times per file, so they were about a fifth of its time.

Tests therefore draw RSA keys from a pool that each test process fills as it
goes: keys are real, random RSA-2048 keys, and within one test every draw is a
key that no other draw of that test got (so a forged signature or a rotated key
still differs from the real one); only the next test gets the same keys again,
in worlds (databases, peers, nodes) that never meet. Loading the same PEM twice
gives back the key object loaded the first time (key objects are immutable), so
each key's consistency is still checked, once per process.

Production is untouched: these replace the names the keystore calls only inside
tests, through an autouse fixture in ``tests/conftest.py``.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import rsa

from federation.signing.keys import PrivateKey, generate_rsa_key, load_private_key_pem


class RsaKeyPool:
    """Real RSA keys, each handed out at most once per test."""

    def __init__(self) -> None:
        self._keys: list[rsa.RSAPrivateKey] = []
        self._next = 0

    def new_test(self) -> None:
        """Start handing out the pool's keys from its first one again."""
        self._next = 0

    def draw(self, bits: int = 2048) -> rsa.RSAPrivateKey:
        """A key this test has not had yet (generated when the pool has none left)."""
        if bits != 2048:
            return generate_rsa_key(bits)
        if self._next == len(self._keys):
            self._keys.append(generate_rsa_key())
        key = self._keys[self._next]
        self._next += 1
        return key


# The one pool of this test process.
RSA_KEYS = RsaKeyPool()


@lru_cache(maxsize=512)
def load_private_key_pem_once(pem: str | bytes) -> PrivateKey:
    """``load_private_key_pem``, remembered per PEM text (errors are not remembered)."""
    return load_private_key_pem(pem)
