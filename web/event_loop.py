"""The event loop the node's processes run on: uvloop where it is installed.

Design note: a delivery worker spends most of its time in the event loop's own
machinery (sockets, callbacks, timers) between short bursts of Python; uvloop
does that part in C and measurably shortens a large fan-out (see bench/README.md,
S1). It is an optional speed-up, not a requirement: where it is missing (Windows,
or an install without it) the standard loop runs the same code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on uvloop if available, else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
