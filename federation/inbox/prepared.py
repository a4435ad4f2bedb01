"""What the inbox worker carries from fetching to handling, and how it sets an item aside.

``prefetch`` turns a queued activity into a ``Prepared`` one (an ``Announce`` unwrapped
to what its group vouches for); the dispatcher reads it and hands the reading to its
handler. Anything on the way may raise ``Ignored``: understood, but nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Ignored(Exception):
    """Understood, but nothing to do: the reason is logged and the item is done."""


@dataclass(frozen=True)
class Prepared:
    """The activity to handle, after prefetch; ``via`` names the group that announced it,
    and ``ours`` our member's post it shares back to us (``handlers.group_answers``).
    ``vouched`` is False for an account's unsigned Delete of itself that nothing confirmed
    (we knew no such account when it was checked): it is dropped quietly."""

    activity: dict[str, Any]
    via: str | None = None
    ours: str | None = None
    vouched: bool = True
