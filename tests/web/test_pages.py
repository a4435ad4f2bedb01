"""The first pages, as a browser without JavaScript meets them: the start page in the
visitor's language, signing up and in with CSRF-protected forms, and clear refusals."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from urllib.parse import quote

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import rules
from node.kinds import NodeRole
from node.passwords import Passwords
from node.sign_in import MAX_FAILURES
from node.site import Site
from tests.conftest import Client
from tests.node.factories import Node
from web.pages.session import CSRF_COOKIE, SESSION_COOKIE

HTML = {"Accept": "text/html,application/xhtml+xml"}


async def page(client: Client, path: str, **headers: str) -> tuple[int, str]:
    response = await client.get(path, headers={**HTML, **headers})
    return response.status, await response.text()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


async def submit(
    client: Client, path: str, form: dict[str, str], **headers: str
) -> tuple[int, str]:
    _, html = await page(client, path, **headers)
    response = await client.post(
        path,
        data={"csrf_token": csrf_of(html), **form},
        headers={**HTML, **headers},
        allow_redirects=False,
    )
    return response.status, await response.text()


def cookie(client: Client, name: str) -> str | None:
    for morsel in client.session.cookie_jar:
        if morsel.key == name:
            return morsel.value
    return None


@pytest.mark.parametrize(
    ("accept_language", "heading", "lang"),
    [
        ("", "What this place is", "en"),
        ("de-DE,de;q=0.9,en;q=0.5", "Was dieser Ort ist", "de"),
        ("fr-CH, fr;q=0.9", "Ce qu\u2019est ce lieu", "fr"),
        ("es", "What this place is", "en"),
    ],
)
async def test_the_start_page_speaks_the_visitors_language(
    client: Client, accept_language: str, heading: str, lang: str
) -> None:
    status, html = await page(client, "/", **{"Accept-Language": accept_language})
    assert status == 200
    assert f'<html lang="{lang}">' in html
    assert heading in html
    # The skip link, and its target.
    assert 'href="#main"' in html
    assert 'id="main"' in html


async def test_scripts_still_get_the_short_json_summary(client: Client) -> None:
    response = await client.get("/", headers={"Accept": "application/json"})
    assert (await response.json())["software"] == "kinfolk"


async def test_the_node_rules_are_shown_before_signing_up(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    node = Node(sessions, site, passwords, now)
    admin = await node.member("root-admin", role=NodeRole.ADMIN)
    changes = [rules.RuleChange("Be kind <always>", "No <b>bold</b> claims")]
    await node.run(lambda session: rules.set_node_rules(session, admin, changes))
    for path in ("/", "/signup"):
        _, html = await page(client, path)
        assert "Be kind &lt;always&gt;" in html, path  # escaped, never markup
        assert "No &lt;b&gt;bold&lt;/b&gt; claims" in html, path


async def test_signing_up_signs_in_and_the_header_says_who(client: Client) -> None:
    status, _ = await submit(
        client, "/signup", {"username": "ana", "password": "long enough pw", "display_name": ""}
    )
    assert status == 303
    assert cookie(client, SESSION_COOKIE)
    _, html = await page(client, "/")
    assert "Signed in as @ana" in html


async def test_a_member_reads_pages_in_the_language_of_their_setting(client: Client) -> None:
    # Signed up from a German browser: the account keeps German ...
    await submit(
        client,
        "/signup",
        {"username": "ana", "password": "long enough pw"},
        **{"Accept-Language": "de"},
    )
    # ... and pages stay German when the browser asks for French.
    _, html = await page(client, "/", **{"Accept-Language": "fr"})
    assert '<html lang="de">' in html
    assert "Angemeldet als @ana" in html


async def test_a_form_without_our_token_is_refused_and_logged(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    await page(client, "/signup")  # the browser has our cookie, but not the page's token
    with caplog.at_level(logging.WARNING):
        response = await client.post(
            "/signup",
            data={"username": "ana", "password": "long enough pw"},
            headers={**HTML, "Accept-Language": "fr"},
            allow_redirects=False,
        )
    assert response.status == 403
    assert "Ce formulaire a expiré" in await response.text()
    assert "CSRF" in caplog.text
    assert cookie(client, SESSION_COOKIE) is None


async def test_a_token_from_another_browser_is_refused(client: Client) -> None:
    _, html = await page(client, "/signup")
    token = csrf_of(html)
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({CSRF_COOKIE: "someone-elses-seed"})
    response = await client.post(
        "/signup",
        data={"csrf_token": token, "username": "ana", "password": "long enough pw"},
        allow_redirects=False,
    )
    assert response.status == 403


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"username": "-bad-", "password": "long enough pw"}, "username", "Use 1 to 30 letters"),
        ({"username": "admin", "password": "long enough pw"}, "username", "This name is reserved"),
        ({"username": "ana", "password": "short"}, "password", "Use at least 8 characters."),
        (
            {"username": "ana", "password": "long enough pw", "display_name": "x" * 500},
            "display_name",
            "This display name is too long.",
        ),
    ],
)
async def test_a_refused_sign_up_says_why_beside_the_field(
    client: Client, form: dict[str, str], field: str, message: str
) -> None:
    status, html = await submit(client, "/signup", form)
    assert status == 422
    assert 'role="alert"' in html  # the summary a screen reader announces
    assert f'id="{field}-error"' in html
    assert message in html
    assert re.search(rf'<input id="{field}"[^>]*aria-invalid="true"', html)
    assert re.search(rf'<input id="{field}"[^>]*aria-describedby="[^"]*{field}-error', html)
    assert "long enough pw" not in html  # a password is never sent back


async def test_a_taken_username_is_said_in_words(client: Client) -> None:
    await submit(client, "/signup", {"username": "ana", "password": "long enough pw"})
    client.session.cookie_jar.clear()
    status, html = await submit(client, "/signup", {"username": "Ana", "password": "another pw 1"})
    assert status == 422
    assert "This username is taken" in html
    assert 'value="Ana"' in html  # what was typed stays in the field


async def test_signing_in_and_out(client: Client) -> None:
    await submit(client, "/signup", {"username": "ana", "password": "long enough pw"})
    old_session = cookie(client, SESSION_COOKIE)
    _, html = await page(client, "/")
    response = await client.post(
        "/signout", data={"csrf_token": csrf_of(html)}, allow_redirects=False
    )
    assert response.status == 303
    assert cookie(client, SESSION_COOKIE) is None
    # The old session is revoked, not only forgotten by this browser.
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: old_session or ""})
    _, html = await page(client, "/")
    assert "Signed in as" not in html

    client.session.cookie_jar.clear()
    status, _ = await submit(client, "/signin", {"username": "ana", "password": "long enough pw"})
    assert status == 303
    _, html = await page(client, "/")
    assert "Signed in as @ana" in html


async def test_wrong_passwords_are_refused_then_slowed_down(client: Client) -> None:
    await submit(client, "/signup", {"username": "ana", "password": "long enough pw"})
    client.session.cookie_jar.clear()
    for _ in range(MAX_FAILURES):
        status, html = await submit(client, "/signin", {"username": "ana", "password": "guess"})
        assert status == 401
        assert "Unknown username or wrong password." in html
    # Now even the right password waits: guessing gets no faster by being lucky.
    _, html = await page(client, "/signin")
    response = await client.post(
        "/signin",
        data={"csrf_token": csrf_of(html), "username": "ana", "password": "long enough pw"},
        allow_redirects=False,
    )
    assert response.status == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in await response.text()


async def test_forms_that_cannot_be_read_get_a_precise_status(client: Client) -> None:
    _, html = await page(client, "/signin")
    token = csrf_of(html)
    as_json = await client.post("/signin", json={"csrf_token": token})
    assert as_json.status == 415
    too_large = await client.post("/signin", data={"csrf_token": token, "username": "x" * 300_000})
    assert too_large.status == 413
    with_nul = await client.post(
        "/signin", data={"csrf_token": token, "username": "ana\x00", "password": "x"}
    )
    assert with_nul.status == 400


@pytest.mark.parametrize(
    ("target", "landing"),
    [("/signup", "/signup"), ("https://evil.example/", "/"), ("//evil.example/x", "/")],
)
async def test_the_language_switcher_remembers_and_stays_on_this_node(
    client: Client, target: str, landing: str
) -> None:
    response = await client.get("/language/fr", params={"next": target}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == landing
    _, html = await page(client, "/", **{"Accept-Language": "de"})
    assert '<html lang="fr">' in html
    assert (await client.get("/language/xx", allow_redirects=False)).status == 404


@pytest.mark.parametrize(
    ("asked", "landing"), [("/signup?x=1", "/signup?x=1"), ("https://evil.example/", "/")]
)
async def test_signing_in_goes_back_where_the_member_was_only_on_this_node(
    client: Client, asked: str, landing: str
) -> None:
    await submit(client, "/signup", {"username": "ana", "password": "long enough pw"})
    client.session.cookie_jar.clear()
    _, html = await page(client, f"/signin?next={quote(asked, safe='')}")
    response = await client.post(
        "/signin",
        allow_redirects=False,
        data={
            "csrf_token": csrf_of(html),
            "username": "ana",
            "password": "long enough pw",
            "next": re.findall(r'name="next" value="([^"]*)"', html)[0],
        },
    )
    assert response.status == 303
    assert response.headers["Location"] == landing
