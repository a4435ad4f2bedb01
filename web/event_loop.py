"""The event loop the node's processes run on: uvloop where it is installed.

Design note: a delivery worker spends most of its time in the event loop's own
machinery (sockets, callbacks, timers) between short bursts of Python; uvloop
does that part in C and measurably shortens a large fan-out (see bench/README.md,
S1). It is an optional speed-up, not a requirement: where it is missing (Windows,
or an install without it) the standard loop runs the same code.

Before the loop starts, what start-up built (modules, table metadata, SQLAlchemy
and aiohttp internals: hundreds of thousands of objects that live as long as the
process) is moved out of the garbage collector's sight with ``gc.freeze``.
Otherwise every full collection walks all of it again: on a busy worker one
such pass stalled the loop for about 0.1 s, a sixth of an S1 fan-out, and a
sustained S2 run spent three times as long collecting (bench/README.md).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on uvloop if available, else on asyncio's own loop."""
    gc.collect()
    gc.freeze()
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
