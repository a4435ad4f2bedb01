"""A member's email address: added on the settings page, verified by the link mailed
to it (through a real SMTP server on loopback), shown to them alone, removed in one
click; the same through the API."""

from __future__ import annotations

import pytest

from node.passwords import Passwords
from tests.api_client import Api
from tests.conftest import AiohttpClient, Client
from tests.mailbox import Mailbox
from tests.web.mail_helpers import deliver, last_link, verified_member
from tests.web.test_pages import csrf_of, page, submit
from web.app import create_app
from web.config import Settings

ADDRESS = "ana.private@example.org"


@pytest.fixture
def client(mail_client: Client) -> Client:
    return mail_client


async def sign_up(client: Client, username: str) -> None:
    status, _ = await submit(
        client, "/signup", {"username": username, "password": "correct horse battery"}
    )
    assert status == 303


async def test_a_member_adds_and_verifies_an_address_on_the_pages(
    client: Client, mailbox: Mailbox
) -> None:
    await sign_up(client, "ana")
    status, html = await page(client, "/settings")
    assert 'href="/settings/email"' in html
    status, html = await page(client, "/settings/email")
    assert "Only you see it" in html
    assert ADDRESS not in html

    response = await client.post(
        "/settings/email",
        data={"csrf_token": csrf_of(html), "email": ADDRESS},
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/settings/email?done=sent"
    status, html = await page(client, "/settings/email?done=sent")
    assert "We sent a link to your address" in html
    assert "waiting for you to open the link" in html
    await deliver(client)
    [mail] = mailbox.to(ADDRESS)
    assert mail.subject == "Confirm your email address for Kinfolk"
    assert "@ana" in mail.text
    link = last_link(mailbox, ADDRESS, "/email/verify/")

    # Opening the link verifies nothing by itself (mail scanners open links): one button.
    status, html = await page(client, link)
    assert status == 200
    assert "Confirm this address" in html
    status, html = await page(client, "/settings/email")
    assert "waiting for you to open the link" in html
    status, html = await submit(client, link, {})
    assert status == 200
    assert "your email address is confirmed" in html
    status, html = await page(client, "/settings/email")
    assert "confirmed" in html
    assert "A summary by email" in html
    # The link worked once.
    status, html = await submit(client, link, {})
    assert status == 410


async def test_the_address_is_shown_to_nobody_else(client: Client, mailbox: Mailbox) -> None:
    api = Api(client)
    ana = await verified_member(api, client, mailbox, "ana")
    bo = await api.register("bo")
    address = "ana@example.org"
    for who in (bo, None, ana):
        profile = await api.call("GET", "/api/v1/members/ana", as_=who)
        assert address not in str(profile.expect(200))
    own = await api.call("GET", "/api/v1/accounts/me", as_=ana)
    assert address not in str(own.expect(200))
    others = await api.call("GET", "/api/v1/account/email", as_=bo)
    assert others.expect(200)["address"] is None
    status, html = await page(client, "/members/ana")
    assert status == 200
    assert address not in html
    status, html = await page(client, "/members/ana", Accept="application/activity+json")
    assert address not in html
    mine = await api.call("GET", "/api/v1/account/email", as_=ana)
    assert mine.expect(200) == {
        "address": address,
        "verified": True,
        "digest": "off",
        "node_sends_mail": True,
    }
    assert (await api.call("GET", "/api/v1/account/email")).status == 401


async def test_removing_the_address_is_one_click_and_ends_its_links(
    client: Client, mailbox: Mailbox
) -> None:
    await sign_up(client, "ana")
    await submit(client, "/settings/email", {"email": ADDRESS})
    await deliver(client)
    link = last_link(mailbox, ADDRESS, "/email/verify/")
    status, html = await page(client, "/settings/email")
    response = await client.post(
        "/settings/email/remove", data={"csrf_token": csrf_of(html)}, allow_redirects=False
    )
    assert response.headers["Location"] == "/settings/email?done=removed"
    status, html = await page(client, "/settings/email?done=removed")
    assert "Your email address is removed" in html
    assert ADDRESS not in html
    status, html = await submit(client, link, {})
    assert status == 410


async def test_the_api_adds_verifies_and_removes_an_address(
    client: Client, mailbox: Mailbox
) -> None:
    api = Api(client)
    ana = await api.register("ana")
    refused = await api.call(
        "PUT", "/api/v1/account/email", as_=ana, json={"address": "not an address"}
    )
    assert refused.expect(422)["errors"][0]["field"] == "email"
    header_trick = {"address": "ana@example.org\r\nBcc: x@example.org"}
    assert (
        await api.call("PUT", "/api/v1/account/email", as_=ana, json=header_trick)
    ).status == 422
    early = await api.call("PUT", "/api/v1/account/email/digest", as_=ana, json={"digest": "daily"})
    early.expect(422)
    added = await api.call("PUT", "/api/v1/account/email", as_=ana, json={"address": ADDRESS})
    assert added.expect(200)["verified"] is False
    not_yet = await api.call(
        "PUT", "/api/v1/account/email/digest", as_=ana, json={"digest": "daily"}
    )
    not_yet.expect(422)
    await deliver(client)
    token = last_link(mailbox, ADDRESS, "/email/verify/").rsplit("/", 1)[1]
    wrong = await api.call("POST", "/api/v1/account/email/verify", json={"token": "x" * 43})
    assert wrong.expect(422)["code"] == "link_not_valid"
    verified = await api.call("POST", "/api/v1/account/email/verify", json={"token": token})
    assert verified.expect(200)["verified"] is True
    digest = await api.call(
        "PUT", "/api/v1/account/email/digest", as_=ana, json={"digest": "weekly"}
    )
    assert digest.expect(200)["digest"] == "weekly"
    (await api.call("DELETE", "/api/v1/account/email", as_=ana)).expect(204)
    gone = await api.call("GET", "/api/v1/account/email", as_=ana)
    assert gone.expect(200)["address"] is None


async def test_without_a_mail_server_no_address_is_taken(
    settings: Settings, aiohttp_client: AiohttpClient, passwords: Passwords
) -> None:
    client = await aiohttp_client(create_app(settings, passwords=passwords))
    api = Api(client)
    ana = await api.register("ana")
    refused = await api.call("PUT", "/api/v1/account/email", as_=ana, json={"address": ADDRESS})
    assert refused.expect(409)["code"] == "conflict"
    await sign_up(client, "bo")
    _, html = await page(client, "/settings/email")
    assert "This node does not send email at the moment" in html
    assert 'name="email"' not in html
