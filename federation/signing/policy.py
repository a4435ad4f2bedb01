"""What a signed request must satisfy, shared by both HTTP-signature schemes.

Design note: draft-cavage (``federation.signing.signatures``) and RFC 9421
(``federation.signing.rfc9421``) differ in syntax but not in policy, so the policy lives
here once: result values (``Verified`` / ``Rejected``), the coverage
``Requirements``, the ``TimeWindow`` (Mastodon's defaults: a date at most 1 h
ahead and at most 65 min old) and the time checks. Nothing here reads the clock:
``now`` (an aware datetime) always comes from the caller. ``Rejected.reason`` is
a short phrase fit for a 401 body and a log line.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from federation.signing.keys import PublicKey


@dataclass(frozen=True)
class Rejected:
    """Why a signature or digest was not accepted. ``key_at_fault`` when the key we hold
    may be why (the signature does not verify with it, or does not fit its type or size):
    only then can fetching the key again (the signer may have rotated it) change the
    answer. A stale date or a wrong digest fails with any key."""

    reason: str
    key_at_fault: bool = field(default=False, compare=False)  # a hint, not the verdict


@dataclass(frozen=True)
class Verified:
    """A signature that verified and met the requirements."""

    key_id: str
    algorithm: str  # the algorithm actually used, derived from the key
    covered: tuple[str, ...]  # cavage header names, or RFC 9421 component identifiers
    label: str | None = None  # RFC 9421 signature label


@dataclass(frozen=True)
class TimeWindow:
    """How far a signature's date may lie from ``now`` (defaults as Mastodon)."""

    max_age: timedelta = timedelta(minutes=65)
    max_future: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Requirements:
    """What a request signature must cover besides being cryptographically valid."""

    target: bool = True  # (request-target) / "@method" + "@target-uri" or "@path"
    host: bool = True  # host / "@authority"
    date: bool = True  # date or (created) / "date" or the created parameter
    body_digest: bool = True  # digest / "content-digest", when body_needs_digest()


DEFAULT_WINDOW = TimeWindow()
DEFAULT_REQUIREMENTS = Requirements()
CRYPTO_ONLY = Requirements(target=False, host=False, date=False, body_digest=False)


def body_needs_digest(method: str, body: bytes) -> bool:
    """Whether a request must carry a signed body digest (POST/PUT/PATCH or any body)."""
    return bool(body) or method.upper() in {"POST", "PUT", "PATCH"}


def check_rsa_size(key: PublicKey, min_rsa_bits: int) -> Rejected | None:
    """Refuse RSA keys shorter than ``min_rsa_bits``."""
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < min_rsa_bits:
        return Rejected(
            f"RSA key has {key.key_size} bits; at least {min_rsa_bits} are required",
            key_at_fault=True,
        )
    return None


def check_times(
    now: datetime,
    window: TimeWindow,
    *,
    created: tuple[str, float] | None,
    expires: float | None,
    date: str | None,
) -> Rejected | None:
    """Check a created timestamp ``(name, unix time)``, an expiry, and a Date header value."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if created is not None:
        name, timestamp = created
        if problem := check_window(name, datetime.fromtimestamp(timestamp, UTC), now, window):
            return problem
    if expires is not None and now > (expiry := datetime.fromtimestamp(expires, UTC)):
        return Rejected(f"signature expired {_human(now - expiry)} ago")
    if date is not None:
        try:
            parsed = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return Rejected("Date header is not an HTTP date")
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return check_window("Date", parsed, now, window)
    return None


def check_window(what: str, when: datetime, now: datetime, window: TimeWindow) -> Rejected | None:
    """Refuse a time older than ``window.max_age`` or further ahead than ``max_future``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    age = now - when
    if age > window.max_age:
        return Rejected(f"{what} is {_human(age)} old; the window is {_human(window.max_age)}")
    if -age > window.max_future:
        allowed = _human(window.max_future)
        return Rejected(f"{what} is {_human(-age)} in the future; at most {allowed} is allowed")
    return None


def http_date(now: datetime) -> str:
    """IMF-fixdate for a ``Date`` header, e.g. ``Sun, 05 Jan 2014 21:31:40 GMT``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return format_datetime(now.astimezone(UTC).replace(microsecond=0), usegmt=True)


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-cased header names; repeated names (multidicts) joined with ", "."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key, text = name.lower(), value.strip(" \t")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def replace_header(headers: dict[str, str], name: str, value: str) -> None:
    """Set ``name`` in a plain dict, dropping any differently-cased copies first."""
    for existing in [k for k in headers if k.lower() == name.lower()]:
        del headers[existing]
    headers[name] = value


def request_target(url: str) -> str:
    """Path and query of ``url`` as sent on the request line."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 7200:
        return f"{seconds / 3600:.1f}".removesuffix(".0") + "h"
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{minutes} minute" + "s" * (minutes != 1)] if minutes else []
    if seconds or not minutes:
        parts.append(f"{seconds} second" + "s" * (seconds != 1))
    return " ".join(parts)
