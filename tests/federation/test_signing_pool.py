"""Signatures are made in the signing threads, so the event loop keeps serving meanwhile."""

from __future__ import annotations

import asyncio
import threading

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from federation.signing.pool import off_loop


def _thread_name() -> str:
    return threading.current_thread().name


async def test_work_runs_in_a_signing_thread_and_returns_its_result() -> None:
    assert (await off_loop(_thread_name)).startswith("kinfolk-sign")
    assert await off_loop(pow, 3, 4) == 81


async def test_the_loop_keeps_turning_while_many_signatures_are_made() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    running = asyncio.create_task(ticker())

    def sign() -> bytes:
        return key.sign(b"x" * 200, padding.PKCS1v15(), hashes.SHA256())

    signatures = await asyncio.gather(*(off_loop(sign) for _ in range(50)))
    running.cancel()
    assert len(set(signatures)) == 1  # PKCS#1 v1.5 is deterministic: all the same, all made
    # Signed on the loop, the 50 signatures would run back to back with no tick between.
    assert ticks > 10
