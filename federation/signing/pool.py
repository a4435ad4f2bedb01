"""RSA signatures off the event loop, on every core of the process.

Design note: signing is most of a delivery's CPU (about 0.3 ms per RSA-2048
signature, ten times the rest of building a request). Done on the event loop it
caps one process at one core and stalls every other request while a batch is
signed. ``cryptography`` (47 and later) releases the GIL while OpenSSL signs, so
a few threads sign in parallel with each other and with the loop, which keeps
sending, receiving answers and talking to the database. One pool per process:
the cores are a process-wide resource, whichever worker asks. The threads start
on first use; the pool lives as long as the process.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# More threads than cores only adds switching; two at least, so the loop never waits alone.
_THREADS = max(2, min(8, os.cpu_count() or 2))
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="kinfolk-sign")
    return _pool


async def off_loop(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a CPU-bound ``function`` (a signature) in the signing threads and await it."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), partial(function, *args, **kwargs))
