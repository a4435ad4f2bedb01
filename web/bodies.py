"""Reading a request's body: whole, under one limit, or a precise refusal.

``request.content.read(n)`` returns what has arrived so far, up to ``n`` bytes, not
``n`` bytes: one call takes the first pieces of a body and silently drops the
rest, which on a real network (or behind a proxy) is most of any large body. So
every reader of a body (the pages' forms, the JSON API, the inbox) goes through
``read_body``, which reads to the end.

The limit is counted on what the handler gets, as it arrives: a Content-Length
above it is refused before anything is read, and a body without one (chunked)
is refused as soon as its pieces add up past it. aiohttp undoes a
Content-Encoding (gzip, deflate, br) while the body streams in, a bounded step
at a time, so the limit also holds for the unpacked size: a small gzip stream
that would unpack to gigabytes is refused once it passes the limit, never held
whole. A body that cannot be decoded (labelled gzip, but not gzip; broken
chunked framing) is a 400, never a 500, and ends its connection: what follows
it on the wire can no longer be told apart from the next request. (Left to
itself, aiohttp would read on after the answer and log the same decoding error
again as an "Unhandled exception" with its traceback.)

A body refused as too large ends its connection too, and nothing more of it is
read. Otherwise aiohttp, having answered, reads and discards the rest of the
body for up to ten seconds ("lingering") to keep the connection alive: a 100 MB
body announced by its Content-Length and refused before a byte of it was read
would still be read in full, at the sender's pace, on our CPU (S9 in
bench/README.md). The connection is not closed at once either: closing a socket
with unread data resets it, and the reset can destroy the answer before a sender
that is still sending reads it. So reading stops, the answer is sent, and the
connection is closed ``CLOSE_GRACE`` seconds later (aiohttp's own lingering
would read on, and may resume reading that we paused).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from web.problems import Handler, Problem, hostile

_CLOSE = web.RequestKey("body_refused_close", bool)
CLOSE_GRACE = 0.5  # seconds between the answer to a refused body and the connection's end


class BodyRefused(Problem):
    """A body too large (413) or unreadable as sent (400). The API and the inbox
    answer it as a problem document; the pages show it as a page."""


def _too_large(request: web.Request, limit: int, what: str) -> BodyRefused:
    _stop_reading(request)
    return BodyRefused(413, "too_large", f"{what} may be at most {limit} bytes")


async def read_body(request: web.Request, limit: int, *, what: str = "the body") -> bytes:
    """The whole body of ``request``, at most ``limit`` bytes (after any
    Content-Encoding is undone); ``what`` names it in refusals."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(request, limit, what)
    body = bytearray()
    try:
        while chunk := await request.content.read(limit + 1 - len(body)):
            body += chunk
            if len(body) > limit:
                raise _too_large(request, limit, what)
    except web.RequestPayloadError as error:
        # Nothing more is read from this body: aiohttp's drain after the answer stops here.
        _stop_reading(request)
        # aiohttp's message is one line: "400, message:\n  Can not decode content-encoding: gzip".
        reason = " ".join(str(error).split()).removeprefix("400, message: ")
        refusal = BodyRefused(400, "malformed_body", f"{what} cannot be read: {reason}")
        raise hostile(request, refusal) from None
    return bytes(body)


@web.middleware
async def close_after_refused_body(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a request whose body was too large or could not be decoded, then close its
    connection."""
    response = await handler(request)
    if request.get(_CLOSE):
        response.force_close()
        await response.prepare(request)
        await response.write_eof()
        await asyncio.sleep(CLOSE_GRACE)  # then aiohttp closes it
    return response


def _stop_reading(request: web.Request) -> None:
    """Read nothing more of this request's body: its end is what has arrived."""
    request[_CLOSE] = True
    request.content.feed_eof()
    if request.transport is not None:
        request.transport.pause_reading()
