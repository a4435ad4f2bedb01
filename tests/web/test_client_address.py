"""Behind a reverse proxy: who is the client, for the sign-in throttle and the logs?"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest
from pytest_aiohttp import AiohttpClient

from node.passwords import Passwords
from node.sign_in import MAX_FAILURES
from tests.conftest import Client
from tests.web.test_pages import csrf_of, page
from web.app import create_app
from web.client_address import client_address
from web.config import DEFAULT_TRUSTED_PROXIES, Settings

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # a trusted proxy says who it forwards for
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        # anyone else's header is ignored: it could say anything
        ("198.51.100.9", "203.0.113.5", "198.51.100.9"),
        # read from the right: the client wrote the left part itself
        ("10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        # a chain of trusted proxies is walked back to the first untrusted hop
        ("10.0.0.2", "203.0.113.5, 10.0.0.3", "203.0.113.5"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("::ffff:10.0.0.2", "203.0.113.5", "203.0.113.5"),
        # garbage stops the walk at the last address we can vouch for
        ("10.0.0.2", "203.0.113.5, not-an-address", "10.0.0.2"),
        ("10.0.0.2", " , ", "10.0.0.2"),
        # only trusted hops all the way: the leftmost one is as far as we know
        ("10.0.0.2", "10.0.0.3", "10.0.0.3"),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(
    peer: str, forwarded_for: str, client: str
) -> None:
    assert client_address(peer, forwarded_for, PROXIES) == client


def test_without_trusted_proxies_the_header_means_nothing() -> None:
    assert client_address("127.0.0.1", "203.0.113.5", ()) == "127.0.0.1"
    assert client_address("127.0.0.1", "203.0.113.5", DEFAULT_TRUSTED_PROXIES) == "203.0.113.5"


async def wrong_password(client: Client, username: str, address: str) -> int:
    _, html = await page(client, "/signin", **{"X-Forwarded-For": address})
    response = await client.post(
        "/signin",
        data={"csrf_token": csrf_of(html), "username": username, "password": "guess"},
        headers={"X-Forwarded-For": address},
        allow_redirects=False,
    )
    return response.status


async def test_behind_the_proxy_one_guesser_does_not_lock_everyone_out(client: Client) -> None:
    """The test client connects from loopback, like nginx on the same machine."""
    for n in range(MAX_FAILURES):
        assert await wrong_password(client, f"name{n}", "203.0.113.5") == 401
    assert await wrong_password(client, "another", "203.0.113.5") == 429
    assert await wrong_password(client, "another", "198.51.100.20") == 401


async def test_an_untrusted_client_cannot_dodge_the_throttle_with_the_header(
    settings: Settings, aiohttp_client: AiohttpClient, passwords: Passwords
) -> None:
    untrusting = replace(settings, trusted_proxies=())
    client = await aiohttp_client(create_app(untrusting, passwords=passwords))
    for n in range(MAX_FAILURES):
        assert await wrong_password(client, f"name{n}", f"203.0.113.{n}") == 401
    assert await wrong_password(client, "another", "198.51.100.20") == 429
