"""A member who forgot their password asks for a link, gets it by mail from a real SMTP
server on loopback, and chooses a new one: the link works once, for an hour, and signs
them out everywhere. The answer to asking never tells who is a member."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.mail.password_reset import MAX_RESETS_PER_HOUR, RESET_LIFETIME
from node.passwords import Passwords
from tests.api_client import Api
from tests.clocks import ManualClock
from tests.conftest import AiohttpClient, Client
from tests.mailbox import Mailbox
from tests.web.mail_helpers import deliver, last_link, verified_member
from tests.web.test_pages import HTML, csrf_of, page, submit
from web.app import create_app
from web.config import Settings

NEW_PASSWORD = "a new and longer passphrase"


@pytest.fixture
def client(mail_client: Client) -> Client:
    return mail_client


async def forgot_on_the_page(client: Client, name: str) -> str:
    status, html = await submit(client, "/password/forgot", {"name": name})
    assert status == 200
    return html


async def test_the_mailed_link_sets_a_new_password_once_and_signs_out_everywhere(
    client: Client, mailbox: Mailbox
) -> None:
    api = Api(client)
    ana = await verified_member(api, client, mailbox, "ana")
    status, html = await page(client, "/signin")
    assert 'href="/password/forgot"' in html

    html = await forgot_on_the_page(client, "ana")
    assert "If an account with a verified email address matches" in html
    await deliver(client)
    [mail] = [m for m in mailbox.to("ana@example.org") if "password" in m.subject]
    assert "@ana" in mail.text
    link = last_link(mailbox, "ana@example.org", "/password/reset/")

    status, html = await page(client, link)
    assert status == 200
    assert 'name="password"' in html
    response = await client.post(
        link, data={"csrf_token": csrf_of(html), "password": NEW_PASSWORD}, headers=HTML
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Your password is changed" in await response.text()

    # The other device (ana's API token) is signed out; the new password works.
    assert (await api.call("GET", "/api/v1/accounts/me", as_=ana)).status == 401
    signed_in = await api.call(
        "POST", "/api/v1/auth/token", json={"username": "ana", "password": NEW_PASSWORD}
    )
    signed_in.expect(200)

    # The same link again: refused kindly, with the way to a new one.
    status, html = await page(client, link)
    assert status == 410
    assert "This link was used already" in html
    assert 'href="/password/forgot"' in html
    again = await api.call(
        "POST",
        "/api/v1/password/reset",
        json={"token": link.rsplit("/", 1)[1], "password": "yet another passphrase"},
    )
    assert again.expect(422)["code"] == "link_not_valid"


async def test_an_expired_link_is_refused(
    client: Client, mailbox: Mailbox, clock: ManualClock
) -> None:
    api = Api(client)
    await verified_member(api, client, mailbox, "ana")
    asked = await api.call(
        "POST", "/api/v1/password/forgot", json={"username_or_email": "ANA@example.org"}
    )
    asked.expect(202)
    await deliver(client)
    link = last_link(mailbox, "ana@example.org", "/password/reset/")
    clock.advance(RESET_LIFETIME)
    status, html = await page(client, link)
    assert status == 410
    assert "This link has expired" in html
    token = link.rsplit("/", 1)[1]
    late = await api.call(
        "POST", "/api/v1/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert late.expect(422)["code"] == "link_not_valid"


async def test_the_answer_is_the_same_whoever_is_named(client: Client, mailbox: Mailbox) -> None:
    api = Api(client)
    await verified_member(api, client, mailbox, "ana")
    await api.register("bo")  # no address
    pages = {name: await forgot_on_the_page(client, name) for name in ("ana", "bo", "nobody")}
    assert len(set(pages.values())) == 1
    answers = [
        await api.call("POST", "/api/v1/password/forgot", json={"username_or_email": name})
        for name in ("ana", "bo", "nobody", "nobody@example.org")
    ]
    assert {(a.status, a.json["detail"]) for a in answers} == {(202, answers[0].json["detail"])}
    await deliver(client)
    resets = [m for m in mailbox.received if "password" in m.subject]
    assert [m.recipients for m in resets] == [["ana@example.org"]] * 2


async def test_an_unverified_address_gets_no_reset_link(client: Client, mailbox: Mailbox) -> None:
    api = Api(client)
    bo = await api.register("bo")
    address = {"address": "bo@example.org"}
    (await api.call("PUT", "/api/v1/account/email", as_=bo, json=address)).expect(200)
    await forgot_on_the_page(client, "bo")
    await deliver(client)
    assert [m.subject for m in mailbox.to("bo@example.org")] == [
        "Confirm your email address for Kinfolk"
    ]


async def test_a_few_links_an_hour_at_most(
    client: Client, mailbox: Mailbox, clock: ManualClock
) -> None:
    api = Api(client)
    await verified_member(api, client, mailbox, "ana")
    for _ in range(MAX_RESETS_PER_HOUR + 3):
        await api.call("POST", "/api/v1/password/forgot", json={"username_or_email": "ana"})
    await deliver(client)
    resets = [m for m in mailbox.to("ana@example.org") if "password" in m.subject]
    assert len(resets) == MAX_RESETS_PER_HOUR
    clock.advance(timedelta(hours=1))
    await api.call("POST", "/api/v1/password/forgot", json={"username_or_email": "ana"})
    await deliver(client)
    assert len([m for m in mailbox.to("ana@example.org") if "password" in m.subject]) == 4


async def test_a_too_short_password_is_said_beside_the_field_and_the_link_still_works(
    client: Client, mailbox: Mailbox
) -> None:
    api = Api(client)
    await verified_member(api, client, mailbox, "ana")
    await forgot_on_the_page(client, "ana")
    await deliver(client)
    link = last_link(mailbox, "ana@example.org", "/password/reset/")
    status, html = await submit(client, link, {"password": "short"})
    assert status == 422
    assert "Use at least 8 characters." in html
    status, html = await submit(client, link, {"password": NEW_PASSWORD})
    assert status == 200


async def test_the_mail_comes_in_the_members_language(client: Client, mailbox: Mailbox) -> None:
    api = Api(client)
    ana = await verified_member(api, client, mailbox, "ana")
    await api.call("PATCH", "/api/v1/accounts/me", as_=ana, json={"locale": "de"})
    await forgot_on_the_page(client, "ana")
    await deliver(client)
    [mail] = [m for m in mailbox.to("ana@example.org") if "Passwort" in m.subject]
    assert "Wenn du das nicht warst" in mail.text


async def test_without_a_mail_server_the_page_says_to_ask_an_admin(
    settings: Settings, aiohttp_client: AiohttpClient, passwords: Passwords
) -> None:
    client = await aiohttp_client(create_app(settings, passwords=passwords))
    status, html = await page(client, "/password/forgot")
    assert status == 200
    assert "This node does not send email" in html
    assert "ask an admin" in html
    status, html = await page(client, "/password/forgot", **{"Accept-Language": "de"})
    assert "Admin" in html
