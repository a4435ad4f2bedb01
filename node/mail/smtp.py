"""Where mail goes: the SMTP server named by ``KINFOLK_SMTP_URL``, and one send.

Three schemes, so that a password is never sent in the clear by accident:

- ``smtp://host[:port]`` (port 25): a local relay; STARTTLS is used when the server
  offers it. No user name or password: those need one of the two below.
- ``smtp+starttls://user:password@host[:port]`` (port 587): STARTTLS is required.
- ``smtps://user:password@host[:port]`` (port 465): TLS from the first byte.

User name and password are percent-decoded (``%40`` for an ``@`` in a user name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT = 30.0  # seconds for one connection and send


class SendFailed(Exception):
    """The server could not be reached or refused the mail; worth trying again later."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    scheme: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """The server as settings show it: never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(raw: str) -> SmtpServer:
    """An ``SmtpServer`` from a URL in one of the three schemes, or ValueError."""
    parts = urlsplit(raw.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(
            "expected smtp://host:25 (a local relay), smtp+starttls://user:password@host:587 "
            f"or smtps://user:password@host:465, got {parts.scheme or 'no'} scheme"
        )
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ValueError("the SMTP URL takes no path, query or fragment")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise ValueError("the SMTP URL's port is not a number from 1 to 65535") from None
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if scheme == "smtp" and (username or password):
        raise ValueError(
            "smtp:// never sends a password (the server may not offer TLS): "
            "use smtp+starttls:// or smtps:// with a user name and password"
        )
    return SmtpServer(parts.hostname, port, scheme, username, password)


async def send(server: SmtpServer, message: EmailMessage) -> None:
    """Hand one message to the server, or raise ``SendFailed`` saying why."""
    try:
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.scheme == "smtps",
            start_tls={"smtp": None, "smtp+starttls": True, "smtps": False}[server.scheme],
            timeout=TIMEOUT,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from error
