"""Request bodies that arrive a piece at a time, as from a distant or slow client.

A body handed to aiohttp's client as an async generator is written to the socket
one piece after another; a short pause between pieces makes the server's reader
see each one arrive on its own, which is what a real network does to any body
larger than a few packets. ``length`` sends a Content-Length; without it the
body goes out with chunked transfer encoding.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator

PIECE = 32 * 1024
PAUSE = 0.02


async def in_pieces(
    body: bytes, *, size: int = PIECE, pause: float = PAUSE
) -> AsyncIterator[bytes]:
    """``body``, ``size`` bytes at a time, with ``pause`` seconds between pieces."""
    for start in range(0, len(body), size):
        if start:
            await asyncio.sleep(pause)
        yield body[start : start + size]


def length_header(body: bytes, *, length: bool) -> dict[str, str]:
    """A Content-Length for ``body`` when ``length``, else nothing (chunked)."""
    return {"Content-Length": str(len(body))} if length else {}


def gzip_bomb(mebibytes: int) -> bytes:
    """A small gzip stream (about a thousandth of its size) that unpacks to
    ``mebibytes`` MiB of zeros, made without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
    block = bytes(1024 * 1024)
    packed = [packer.compress(block) for _ in range(mebibytes)]
    return b"".join(packed) + packer.flush()
