"""Wrong passwords slow down sign-in through one door: the pages and the JSON API count
together, in the database, so several web processes of one node count together too."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import ClientResponse

from node.passwords import Passwords
from node.sign_in import MAX_FAILURES, WINDOW
from tests.api_client import Api
from tests.conftest import AiohttpClient, Client
from tests.web.test_pages import HTML, csrf_of, page
from web.app import create_app
from web.config import Settings

PASSWORD = "correct horse battery"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def page_sign_in(
    client: Client, username: str, password: str, address: str = "203.0.113.5"
) -> ClientResponse:
    headers = {**HTML, "X-Forwarded-For": address}
    _, html = await page(client, "/signin", **headers)
    form = {"csrf_token": csrf_of(html), "username": username, "password": password}
    return await client.post("/signin", data=form, headers=headers, allow_redirects=False)


async def api_sign_in(
    client: Client, username: str, password: str, address: str = "203.0.113.5"
) -> ClientResponse:
    return await client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


async def expect_api_throttled(response: ClientResponse) -> None:
    assert response.status == 429
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert (problem["status"], problem["code"]) == (429, "too_many_attempts")
    assert "token" not in problem
    assert 0 < int(response.headers["Retry-After"]) <= WINDOW.total_seconds()


async def expect_page_throttled(response: ClientResponse) -> None:
    assert response.status == 429
    assert 0 < int(response.headers["Retry-After"]) <= WINDOW.total_seconds()
    assert "Too many attempts" in await response.text()


async def test_a_username_the_pages_locked_gets_no_token_from_the_api(client: Client) -> None:
    await Api(client).register("ana", PASSWORD)
    for _ in range(MAX_FAILURES):
        assert (await page_sign_in(client, "ana", "guess")).status == 401
    # The right password, from another address and through the other door: still locked.
    await expect_api_throttled(await api_sign_in(client, "Ana", PASSWORD, "198.51.100.7"))
    # Someone else from the same address is not locked out by ana's guesser.
    await Api(client).register("bo", PASSWORD)
    assert (await api_sign_in(client, "bo", PASSWORD, "198.51.100.7")).status == 200


async def test_a_username_the_api_locked_is_refused_by_the_pages(client: Client) -> None:
    await Api(client).register("ana", PASSWORD)
    for _ in range(MAX_FAILURES):
        refused = await api_sign_in(client, "ana", "guess")
        assert refused.status == 401
        assert (await refused.json())["code"] == "unauthenticated"
    await expect_page_throttled(await page_sign_in(client, "ana", PASSWORD, "198.51.100.7"))


async def test_an_address_guessing_on_both_doors_is_counted_once(client: Client) -> None:
    """Password spraying: one guess per name, alternating doors, from one address."""
    await Api(client).register("ana", PASSWORD)
    for n in range(MAX_FAILURES):
        sign_in = page_sign_in if n % 2 else api_sign_in
        assert (await sign_in(client, f"name{n}", "guess")).status == 401
    await expect_api_throttled(await api_sign_in(client, "ana", PASSWORD))
    await expect_page_throttled(await page_sign_in(client, "ana", PASSWORD))
    # From elsewhere ana gets in, and her success does not clear the guesser's address.
    assert (await api_sign_in(client, "ana", PASSWORD, "198.51.100.7")).status == 200
    await expect_api_throttled(await api_sign_in(client, "name9", "guess"))


async def test_two_web_processes_of_one_node_share_the_count(
    settings: Settings, aiohttp_client: AiohttpClient, passwords: Passwords
) -> None:
    """Two ``create_app`` on one database, as two ``kinfolk serve`` behind one proxy."""
    first = await aiohttp_client(create_app(settings, passwords=passwords))
    second = await aiohttp_client(create_app(settings, passwords=passwords))
    await Api(first).register("ana", PASSWORD)
    for n in range(MAX_FAILURES):
        process = first if n % 2 else second
        assert (await api_sign_in(process, "ana", "guess", f"203.0.113.{n}")).status == 401
    await expect_api_throttled(await api_sign_in(first, "ana", PASSWORD, "198.51.100.7"))
    await expect_page_throttled(await page_sign_in(second, "ana", PASSWORD, "198.51.100.7"))


async def test_the_lock_lifts_when_the_window_has_passed(
    settings: Settings, aiohttp_client: AiohttpClient, passwords: Passwords, now: datetime
) -> None:
    clock = Clock(now)
    client = await aiohttp_client(create_app(settings, passwords=passwords, clock=clock))
    await Api(client).register("ana", PASSWORD)
    for minute in range(MAX_FAILURES):
        clock.now = now + timedelta(minutes=minute)
        assert (await api_sign_in(client, "ana", "guess")).status == 401
    # The first guess leaves the window 15 minutes after it was made, not after the last.
    clock.now = now + WINDOW - timedelta(seconds=30)
    locked = await api_sign_in(client, "ana", PASSWORD)
    await expect_api_throttled(locked)
    assert locked.headers["Retry-After"] == "30"
    clock.now = now + WINDOW
    assert (await api_sign_in(client, "ana", PASSWORD)).status == 200
    # A success starts the member's count again.
    for _ in range(MAX_FAILURES - 1):
        assert (await page_sign_in(client, "ana", "guess", "198.51.100.7")).status == 401
    assert (await page_sign_in(client, "ana", PASSWORD, "198.51.100.7")).status == 303
