"""Reading other servers' collections, whole or a page at a time, within limits.

Servers publish the same collection in several shapes: Lemmy's outbox,
``featured`` and ``moderators`` are one ``OrderedCollection`` with every item
in ``orderedItems``; Mbin's and Mastodon's outboxes give only a ``first`` page
(an ``OrderedCollectionPage``, by URL or embedded), each page naming the
``next``. ``walk`` reads all of them the same way: the pages from ``first`` when
there is one, else the items given inline, then each ``next``. Pages are
fetched only on the collection's own server, at most ``max_pages`` of them, and
no more than ``max_items`` items are handed out: a collection is not a reason
to make a thousand requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from federation.protocol.vocab import as_list, same_origin

Fetch = Callable[[str], Awaitable[dict[str, Any]]]


def items_of(page: dict[str, Any]) -> list[Any]:
    """The items a collection or page carries inline (``orderedItems``, else ``items``)."""
    ordered = page.get("orderedItems")
    return as_list(ordered if ordered is not None else page.get("items"))


async def walk(
    fetch: Fetch, collection: dict[str, Any], *, origin: str, max_pages: int, max_items: int
) -> AsyncIterator[Any]:
    """The items of ``collection`` (already fetched from ``origin``), in its order."""
    page: Any = collection.get("first") if collection.get("first") is not None else collection
    fetched: set[str] = set()
    handed = 0
    while page is not None and handed < max_items:
        if isinstance(page, dict) and page is not collection and _reference(page):
            page = page["id"]  # a page named by an object with its id only
        if isinstance(page, str):
            if len(fetched) >= max_pages or page in fetched or not same_origin(page, origin):
                return
            fetched.add(page)
            page = await fetch(page)
        if not isinstance(page, dict):
            return
        for item in items_of(page):
            yield item
            handed += 1
            if handed >= max_items:
                return
        page = page.get("next")


def _reference(page: dict[str, Any]) -> bool:
    return (
        isinstance(page.get("id"), str)
        and "orderedItems" not in page
        and "items" not in page
        and "next" not in page
    )
