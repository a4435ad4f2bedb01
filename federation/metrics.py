"""Federation's counters for ``/metrics``: inbox answers, signature checks, key fetches.

Design note: each counter is bumped by one call from the code that knows what
happened (``web.inbox``, ``federation.inbox.receive``, ``federation.context``), so
the hot paths carry one label lookup and one addition, nothing more. Label values
come from closed sets (the inbox's refusal codes, the two signature standards,
``FetchErrorKind``), so a hostile peer cannot grow the number of series.

These count what *this* process saw. Several ``serve`` processes are either
scraped one by one, or share prometheus-client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, see ``web.metrics.endpoint``). What must be true
across every process and machine (queues, deliveries, failing hosts) is not
counted here but read from the database at scrape time (``federation.health``).
"""

from __future__ import annotations

import asyncio

from prometheus_client import Counter

from federation.remote.http import FetchError
from federation.signing.policy import Rejected, Verified

_INBOX_ACCEPTED = Counter(
    "kinfolk_inbox_accepted",
    "Activities the inbox verified and queued (duplicate: already queued before).",
    ["duplicate"],
)
_INBOX_REFUSED = Counter(
    "kinfolk_inbox_refused", "Inbox requests refused, by the refusal's reason.", ["reason"]
)
_SIGNATURES = Counter(
    "kinfolk_signature_verifications",
    "HTTP signatures checked against a key, by standard (cavage, rfc9421) and result.",
    ["standard", "result"],
)
_KEY_FETCHES = Counter(
    "kinfolk_key_fetches",
    "Public keys fetched from other servers, by result (fetched, no_key, or why it failed).",
    ["result"],
)

# Bound once: ``labels`` takes a lock, and these are counted on every inbox request.
_CHECKED = {
    (rfc9421, verified): _SIGNATURES.labels(
        standard="rfc9421" if rfc9421 else "cavage", result="verified" if verified else "rejected"
    )
    for rfc9421 in (False, True)
    for verified in (False, True)
}
_NEW = _INBOX_ACCEPTED.labels(duplicate="false")
_DUPLICATE = _INBOX_ACCEPTED.labels(duplicate="true")

# The inbox's refusal codes (federation.inbox.receive, web.bodies); anything else is "other".
REFUSAL_REASONS = frozenset(
    {
        "unsupported_media_type",
        "malformed_json",
        "too_deep",
        "malformed_activity",
        "malformed_body",
        "too_large",
        "refused_by_policy",
        "foreign_activity_id",
        "unsigned",
        "bad_signature",
        "bad_digest",
        "date_skew",
        "unknown_key",
        "key_not_actors",
        "key_unavailable",
        "account_deleted",
    }
)
# How ``Rejected.reason`` (federation.signing) begins when the body's digest is wrong
# or unreadable, and the phrases it uses for a date outside the window.
_DIGEST_STARTS = ("digest", "content-digest")
_TIME_WORDS = (" old;", " in the future;", "signature expired", "not an http date")


def refusal_reason(code: str, detail: str) -> str:
    """The metric's reason for an inbox refusal: its code, with ``bad_signature`` told
    apart into a wrong digest or a date outside the window."""
    if code == "bad_signature":
        lowered = detail.lower()
        if lowered.startswith(_DIGEST_STARTS):
            return "bad_digest"
        if any(word in lowered for word in _TIME_WORDS):
            return "date_skew"
    return code if code in REFUSAL_REASONS else "other"


def inbox_accepted(duplicate: bool) -> None:
    (_DUPLICATE if duplicate else _NEW).inc()


def inbox_refused(code: str, detail: str) -> None:
    _INBOX_REFUSED.labels(reason=refusal_reason(code, detail)).inc()


def signature_checked(scheme: str, result: Verified | Rejected) -> None:
    _CHECKED[scheme == "rfc9421", isinstance(result, Verified)].inc()


def key_fetched(found: bool) -> None:
    _KEY_FETCHES.labels(result="fetched" if found else "no_key").inc()


def key_fetch_failed(error: BaseException) -> None:
    if isinstance(error, asyncio.CancelledError):
        return  # nothing was learnt of the other server
    _KEY_FETCHES.labels(result=error.kind.value if isinstance(error, FetchError) else "error").inc()
