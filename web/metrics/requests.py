"""Request counts and latencies by route class, for ``/metrics``.

Labels are a fixed handful, never the path: a route class (the pages, the
JSON API, the inbox, ActivityPub documents, WebFinger and NodeInfo, static
files, the metrics themselves, anything else) and a status class (``2xx`` …),
so no visitor can grow the number of series. The class is worked out once per
route (cached on its pattern), and an actor's or a post's address, which answers
both browsers and servers, counts as ActivityPub when it answered AS2 JSON. The
histogram's ``_count`` is the request count.
"""

from __future__ import annotations

import time
from functools import cache

from aiohttp import web
from prometheus_client import Histogram

from federation.protocol.vocab import ACTIVITY_MEDIA_TYPES
from web.problems import Handler

ROUTE_CLASSES = ("page", "api", "inbox", "activitypub", "discovery", "static", "metrics", "other")
_STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")

_REQUESTS = Histogram(
    "kinfolk_http_request_duration_seconds",
    "HTTP requests by route class and status class, and how long they took to answer.",
    ["route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


@cache
def route_class(pattern: str | None) -> str:
    """The class of a route's pattern (``None``: no route matched)."""
    if pattern is None or pattern == "/healthz" or pattern.endswith(".ics"):
        return "other"
    if pattern == "/metrics":
        return "metrics"
    if pattern.startswith("/api/"):
        return "api"
    if pattern.endswith("/inbox"):
        return "inbox"
    if pattern.startswith(("/.well-known/", "/nodeinfo/")):
        return "discovery"
    if pattern.startswith("/static"):
        return "static"
    return "page"


@cache
def _child(kind: str, status: str) -> Histogram:
    """The labelled histogram, looked up once (``labels`` takes a lock each time)."""
    return _REQUESTS.labels(kind, status)


def _pattern(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    return None if resource is None else resource.canonical


def _observe(request: web.Request, status: int, content_type: str, seconds: float) -> None:
    kind = route_class(_pattern(request))
    if kind == "page" and content_type in ACTIVITY_MEDIA_TYPES:
        kind = "activitypub"
    _child(kind, _STATUS_CLASSES[min(max(status // 100, 1), 5) - 1]).observe(seconds)


@web.middleware
async def request_metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request (the outermost middleware, so it times them all)."""
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects raised by handlers; errors become problems
        _observe(request, exc.status, "", time.perf_counter() - started)
        raise
    _observe(request, response.status, response.content_type, time.perf_counter() - started)
    return response
