"""What the mail page and API tests share: a node whose mail goes to a real SMTP server
on loopback, a clock the test moves, and reading links out of the mails."""

from __future__ import annotations

import re

from tests.api_client import Api, Member
from tests.conftest import Client
from tests.mailbox import Mailbox
from web.keys import WORKERS


async def deliver(client: Client) -> None:
    """Run the node's workers once: whatever mail is due goes to the server."""
    await client.app[WORKERS].run_once()


def last_link(mailbox: Mailbox, address: str, path: str) -> str:
    """The path of the newest link starting with ``path`` mailed to ``address``."""
    found: list[str] = [
        link
        for mail in mailbox.to(address)
        for link in re.findall(r"http://node\.test(/[^\s]+)", mail.text)
        if link.startswith(path)
    ]
    assert found, f"no {path} link was mailed to {address}"
    return found[-1]


async def verified_member(api: Api, client: Client, mailbox: Mailbox, name: str) -> Member:
    """A member with a verified address ``{name}@example.org``."""
    member = await api.register(name)
    address = f"{name}@example.org"
    answer = await api.call("PUT", "/api/v1/account/email", as_=member, json={"address": address})
    answer.expect(200)
    await deliver(client)
    token = last_link(mailbox, address, "/email/verify/").rsplit("/", 1)[1]
    verified = await api.call("POST", "/api/v1/account/email/verify", json={"token": token})
    assert verified.expect(200)["verified"] is True
    return member
