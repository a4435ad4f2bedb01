"""Node configuration: environment variables over an optional TOML file over defaults.

Every value is validated once, at start-up, and every bad value is reported
together with the variable that set it, so an admin fixes a broken deployment in
one round instead of one error at a time. Nothing else in the code base reads
the environment.

The settings live here, beside the application factory, because they are the
composition root's: the HTTP server's (host, port, body limit, trusted proxies,
logging) sit next to federation's, which ``federation.runtime`` reads through
the few it names (``FederationSettings``), while the domain (``node/``) reads
none. ``kinfolk`` loads them the same way.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from node.errors import InvalidInput
from node.mail.addresses import check_address
from node.mail.smtp import SmtpServer, parse_smtp_url

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_DATA_DIR = "data"
SECRET_FILE_NAME = "secret_key"  # noqa: S105 (a file name, not a secret)
CONFIG_FILE_NAME = "kinfolk.toml"
# Requests in flight per delivery worker process: each holds a socket and a few KB.
MAX_DELIVERY_CONCURRENCY = 4096

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# A reverse proxy on the same machine, the set-up the README and deploy/ describe:
# `kinfolk serve` listens on loopback by default, so only local processes can
# reach it to claim another client's address.
DEFAULT_TRUSTED_PROXIES: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)

# Monitoring on the same machine only, until the admin names their Prometheus.
DEFAULT_METRICS_ALLOWED = DEFAULT_TRUSTED_PROXIES


class ConfigError(Exception):
    """One or more configuration values are invalid; ``problems`` lists each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one node."""

    base_url: str = DEFAULT_BASE_URL
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str = ""
    database_schema: str | None = None
    secret_key: str = ""
    node_name: str = "Kinfolk"
    host: str = "127.0.0.1"
    port: int = 8080
    registrations_open: bool = True
    max_request_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    log_format: str = "text"
    allow_private_addresses: bool = False
    authorized_fetch: bool = False
    signature_max_age: int = 65 * 60
    signature_max_future: int = 60 * 60
    embedded_worker: bool = True
    delivery_concurrency: int = 128
    # How often the workers fetch each subscribed blocklist (``federation.blocklists``).
    blocklist_refresh_hours: int = 6
    trusted_proxies: tuple[Network, ...] = DEFAULT_TRUSTED_PROXIES
    # Who may read /metrics (web.metrics): these addresses, or anyone with the token.
    metrics_allowed: tuple[Network, ...] = DEFAULT_METRICS_ALLOWED
    metrics_token: str = ""
    # Outgoing mail (node.mail): none without an SMTP server; the sender's address.
    smtp_url: SmtpServer | None = None
    mail_from: str = ""

    @property
    def domain(self) -> str:
        """The host (and port, if any) that names this node in handles."""
        return urlsplit(self.base_url).netloc

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


# (setting name, environment variable, TOML key, parser)
_Parser = Callable[[str], Any]


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _parse_port(raw: str) -> int:
    port = int(raw)
    if not 0 <= port <= 65535:
        raise ValueError(f"expected a port number from 0 to 65535, got {port}")
    return port


def _parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(f"expected a positive whole number, got {value}")
    return value


def _parse_concurrency(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= MAX_DELIVERY_CONCURRENCY:
        raise ValueError(
            f"expected a whole number from 1 to {MAX_DELIVERY_CONCURRENCY}, got {value}"
        )
    return value


def _parse_networks(raw: str) -> tuple[Network, ...]:
    networks: list[Network] = []
    for item in raw.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"expected addresses or networks such as 127.0.0.1/32, ::1 or 10.0.0.0/8, "
                f"got {item!r}"
            ) from None
    return tuple(networks)


def parse_base_url(raw: str) -> str:
    """A node's base URL as the node spells it (``https://host[:port]``), or ValueError."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(
            f"expected an http(s) URL such as https://support.example.org, got {raw!r}"
        )
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ValueError(
            f"the node must be served at the root of its domain (no path), got {raw!r}"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _parse_database_url(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return raw
    if raw.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + raw.split("://", 1)[1]
    raise ValueError(
        "expected sqlite+aiosqlite:///path/to/file.sqlite3 or "
        f"postgresql+asyncpg://user@host/dbname, got {raw!r}"
    )


def _parse_choice(*choices: str) -> _Parser:
    by_folded = {choice.casefold(): choice for choice in choices}

    def parse(raw: str) -> str:
        try:
            return by_folded[raw.strip().casefold()]
        except KeyError:
            raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}") from None

    return parse


def _parse_secret(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError("the secret must be at least 32 characters long")
    return raw


def _parse_mail_from(raw: str) -> str:
    """``Name <address>`` or a bare address, as the From of every mail."""
    name, address = parseaddr(raw.strip())
    try:
        check_address(address)
    except InvalidInput:
        raise ValueError(
            f"expected an address such as Kinfolk <noreply@example.org>, got {raw!r}"
        ) from None
    return formataddr((name, address)) if name else address


def _parse_metrics_token(raw: str) -> str:
    token = raw.strip()
    if len(token) < 32:
        raise ValueError("the token must be at least 32 characters long")
    return token


def _parse_schema(raw: str) -> str:
    if not raw.replace("_", "").isalnum() or not raw[0].isalpha():
        raise ValueError(f"expected a plain schema name (letters, digits, _), got {raw!r}")
    return raw


_SOURCES: tuple[tuple[str, str, _Parser], ...] = (
    ("base_url", "KINFOLK_BASE_URL", parse_base_url),
    ("data_dir", "KINFOLK_DATA_DIR", Path),
    ("database_url", "DATABASE_URL", _parse_database_url),
    ("database_schema", "KINFOLK_DATABASE_SCHEMA", _parse_schema),
    ("secret_key", "KINFOLK_SECRET_KEY", _parse_secret),
    ("node_name", "KINFOLK_NODE_NAME", str),
    ("host", "KINFOLK_HOST", str),
    ("port", "KINFOLK_PORT", _parse_port),
    ("registrations_open", "KINFOLK_REGISTRATIONS_OPEN", _parse_bool),
    ("max_request_bytes", "KINFOLK_MAX_REQUEST_BYTES", _parse_positive_int),
    ("log_level", "KINFOLK_LOG_LEVEL", _parse_choice("DEBUG", "INFO", "WARNING", "ERROR")),
    ("log_format", "KINFOLK_LOG_FORMAT", _parse_choice("text", "json")),
    ("allow_private_addresses", "KINFOLK_ALLOW_PRIVATE_ADDRESSES", _parse_bool),
    ("authorized_fetch", "KINFOLK_AUTHORIZED_FETCH", _parse_bool),
    ("signature_max_age", "KINFOLK_SIGNATURE_MAX_AGE", _parse_positive_int),
    ("signature_max_future", "KINFOLK_SIGNATURE_MAX_FUTURE", _parse_positive_int),
    ("embedded_worker", "KINFOLK_EMBEDDED_WORKER", _parse_bool),
    ("delivery_concurrency", "KINFOLK_DELIVERY_CONCURRENCY", _parse_concurrency),
    ("blocklist_refresh_hours", "KINFOLK_BLOCKLIST_REFRESH_HOURS", _parse_positive_int),
    ("trusted_proxies", "KINFOLK_TRUSTED_PROXIES", _parse_networks),
    ("metrics_allowed", "KINFOLK_METRICS_ALLOWED", _parse_networks),
    ("metrics_token", "KINFOLK_METRICS_TOKEN", _parse_metrics_token),
    ("smtp_url", "KINFOLK_SMTP_URL", parse_smtp_url),
    ("mail_from", "KINFOLK_MAIL_FROM", _parse_mail_from),
)

ENVIRONMENT_VARIABLES: tuple[str, ...] = tuple(env for _, env, _ in _SOURCES)


def _toml_values(path: Path, problems: list[str]) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(f"{path}: cannot read the configuration file ({exc.strerror})")
        return {}
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML ({exc})")
        return {}
    known = {name for name, _, _ in _SOURCES}
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in known:
            problems.append(f"{path}: unknown setting {key!r}")
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif isinstance(value, list):  # trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]
            values[key] = ",".join(str(item) for item in value)
        else:
            values[key] = str(value)
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, *, create_secret: bool = True
) -> Settings:
    """Build validated settings from ``environ`` (default: the process environment).

    The TOML file is ``KINFOLK_CONFIG`` if set, else ``kinfolk.toml`` in the data
    directory when it exists. Environment variables win over the file. Without a
    configured secret, one is generated once and kept in the data directory, so a
    fresh node needs no set-up and keeps its sessions valid across restarts.
    """
    env = dict(os.environ if environ is None else environ)
    problems: list[str] = []

    data_dir = Path(env.get("KINFOLK_DATA_DIR", DEFAULT_DATA_DIR))
    config_path_raw = env.get("KINFOLK_CONFIG")
    config_path = Path(config_path_raw) if config_path_raw else data_dir / CONFIG_FILE_NAME
    file_values: dict[str, str] = {}
    if config_path_raw or config_path.is_file():
        file_values = _toml_values(config_path, problems)

    values: dict[str, Any] = {}
    for name, env_name, parse in _SOURCES:
        origin, raw = (env_name, env[env_name]) if env_name in env else (None, None)
        if raw is None and name in file_values:
            origin, raw = f"{config_path} [{name}]", file_values[name]
        if raw is None:
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            problems.append(f"{origin}: {exc}")

    settings = replace(Settings(), **values)
    if not settings.database_url:
        sqlite_path = (settings.data_dir / "kinfolk.sqlite3").resolve()
        settings = replace(settings, database_url=f"sqlite+aiosqlite:///{sqlite_path}")
    if not settings.mail_from:
        settings = replace(settings, mail_from=default_mail_from(settings))
    if settings.database_schema and settings.is_sqlite:
        problems.append("KINFOLK_DATABASE_SCHEMA: schemas exist only on PostgreSQL")
    if problems:
        raise ConfigError(problems)
    if not settings.secret_key:
        settings = replace(settings, secret_key=_stored_secret(settings.data_dir, create_secret))
    return settings


def default_mail_from(settings: Settings) -> str:
    """``Node name <noreply@host>``: the sender when ``KINFOLK_MAIL_FROM`` is not set."""
    host = urlsplit(settings.base_url).hostname or "localhost"
    return formataddr((settings.node_name, f"noreply@{host}"))


def _stored_secret(data_dir: Path, create: bool) -> str:
    path = data_dir / SECRET_FILE_NAME
    if path.is_file():
        stored = path.read_text(encoding="utf-8").strip()
        try:
            return _parse_secret(stored)
        except ValueError as exc:  # e.g. left empty by a crash while it was first written
            raise ConfigError([f"{path}: {exc}; delete the file to have a new one made"]) from None
    secret = secrets.token_urlsafe(48)
    if create:
        # Written whole to a private temporary file, then linked into place: the secret
        # file is never seen half-written, and of two processes starting at once the
        # second finds the first one's secret instead of failing.
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{SECRET_FILE_NAME}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            return _stored_secret(data_dir, create=False)
        finally:
            draft.unlink()
    return secret


def describe(settings: Settings) -> dict[str, str]:
    """The effective settings for display, with the secret masked."""
    shown: dict[str, str] = {}
    for item in fields(settings):
        value = getattr(settings, item.name)
        if item.name == "secret_key":
            shown[item.name] = "********"
        elif item.name == "metrics_token":
            shown[item.name] = "********" if value else "(none)"
        elif item.name == "smtp_url":
            shown[item.name] = value.describe() if value else "(none: no mail is sent)"
        elif item.name in {"trusted_proxies", "metrics_allowed"}:
            shown[item.name] = ", ".join(str(network) for network in value) or "(none)"
        else:
            shown[item.name] = str(value)
    return shown
