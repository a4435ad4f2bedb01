"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail
tests: never a mock. It can be stopped and started again on the same port, to show
what the node does while its mail server is down."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from node.mail.smtp import SmtpServer

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Received:
    recipients: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_payload(decode=True)
        assert isinstance(part, bytes)
        return part.decode(self.message.get_content_charset() or "utf-8")


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self._box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content)
        with self._box.lock:
            self._box.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"


class Mailbox:
    """An SMTP server on a free loopback port; ``received`` holds every mail in order."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def server(self) -> SmtpServer:
        return SmtpServer(HOST, self.port, "smtp")

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        """The mails to ``address`` so far (a send returns once the server has it)."""
        with self.lock:
            return [mail for mail in self.received if address in mail.recipients]
