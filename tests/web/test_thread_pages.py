"""Threads, replies, starting a thread, reports, profiles and settings, as a browser
without JavaScript meets them; ActivityPub clients still get JSON at the same URLs."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts, group_settings, locks, rules
from node.groups.creation import RuleInput
from node.kinds import NodeRole
from node.passwords import Passwords
from node.posts import support
from node.site import Site
from node.suspensions import suspend_account
from node.views import Viewer
from tests.conftest import Client
from tests.node.factories import PASSWORD, Node
from tests.web.test_pages import HTML, csrf_of, page, submit

AS_JSON = {"Accept": "application/activity+json"}


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def circle(node: Node, **options: object) -> tuple[Viewer, Viewer, Viewer]:
    """A group with its owner and two members, ana and bo."""
    owner = await node.member("owner")
    await node.group(
        owner, "circle", display_name="The Circle", rules=[RuleInput("Be gentle")], **options
    )
    ana, bo = await node.member("ana"), await node.member("bo")
    await node.join(ana, "circle")
    await node.join(bo, "circle")
    return owner, ana, bo


async def send(client: Client, on: str, action: str, form: dict[str, str]) -> tuple[int, str]:
    """Send the form at ``action`` from the page ``on``, as a browser does."""
    _, html = await page(client, on)
    response = await client.post(
        action, data={"csrf_token": csrf_of(html), **form}, headers=HTML, allow_redirects=False
    )
    return response.status, await response.text()


async def sign_in(client: Client, handle: str, **headers: str) -> None:
    client.session.cookie_jar.clear()
    status, _ = await submit(
        client, "/signin", {"username": handle, "password": PASSWORD}, **headers
    )
    assert status == 303


async def test_a_thread_shows_its_replies_nested_and_its_warning_folded(
    client: Client, node: Node
) -> None:
    _, ana, bo = await circle(node)
    start = await node.post(
        ana, "circle", "It has been a year.", title="A year", content_warning="grief"
    )
    first = await node.reply(bo, start.public_id, "I hear you.")
    second = await node.reply(ana, first.public_id, "Thank you, <b>really</b>.")
    status, html = await page(client, f"/posts/{start.public_id}")
    assert status == 200
    assert "<h1" in html
    assert "A year" in html
    # The warning is a native toggle, closed until the reader opens it.
    assert re.search(r'<details class="content-warning">\s*<summary>Content warning: grief', html)
    assert '<details class="content-warning" open' not in html
    # The answer to the reply sits inside the reply it answers.
    nested = (
        rf'id="post-{first.public_id}".*?<ol class="replies">\s*<li>\s*'
        rf'<article id="post-{second.public_id}"'
    )
    assert re.search(nested, html, re.DOTALL)
    assert "&lt;b&gt;really" in html  # Markdown's raw HTML is escaped by the sanitiser
    # No popularity counts for visitors; a signed-out visitor is invited to sign in.
    assert "Support you received" not in html
    assert "Sign in to reply" in html
    # A reply's own URL shows the same thread.
    status, html = await page(client, f"/posts/{second.public_id}")
    assert status == 200
    assert "A year" in html


async def test_activitypub_clients_still_get_json_at_post_and_member_urls(
    client: Client, node: Node
) -> None:
    _, ana, _ = await circle(node)
    start = await node.post(ana, "circle", "Hello.", title="Hi")
    for path in (f"/posts/{start.public_id}", "/members/ana"):
        response = await client.get(path, headers=AS_JSON)
        assert response.status == 200, path
        assert response.content_type == "application/activity+json"
        assert "id" in await response.json()
        browser = await client.get(path, headers=HTML)
        assert browser.content_type == "text/html"
        assert "Accept" in browser.headers["Vary"]


async def test_a_member_replies_with_the_forms_token(client: Client, node: Node) -> None:
    _, ana, _ = await circle(node)
    start = await node.post(ana, "circle", "Anyone up?", title="Night")
    await sign_in(client, "bo")
    _, html = await page(client, f"/posts/{start.public_id}")
    assert f'action="/posts/{start.public_id}/reply"' in html
    response = await client.post(
        f"/posts/{start.public_id}/reply",
        allow_redirects=False,
        data={"csrf_token": csrf_of(html), "body": "I am.", "content_warning": ""},
    )
    assert response.status == 303
    assert response.headers["Location"].startswith(f"/posts/{start.public_id}#post-")
    _, html = await page(client, f"/posts/{start.public_id}")
    assert "I am." in html
    # Without the token, nothing is posted.
    forged = await client.post(
        f"/posts/{start.public_id}/reply", data={"body": "forged"}, allow_redirects=False
    )
    assert forged.status == 403
    # An empty reply is refused beside its field, and the form comes back open.
    response = await client.post(
        f"/posts/{start.public_id}/reply",
        data={"csrf_token": csrf_of(html), "body": "  ", "content_warning": ""},
    )
    html = await response.text()
    assert response.status == 422
    assert f'id="reply-{start.public_id}-error"' in html
    assert "Write something before posting." in html


async def test_a_locked_thread_has_no_form_and_refuses_a_forged_reply(
    client: Client, node: Node
) -> None:
    owner, ana, bo = await circle(node)
    await node.run(lambda s: accounts.update_account(s, bo, locale="de", now=node.now))
    start = await node.post(ana, "circle", "Closing this.", title="Done")
    await node.run(
        lambda s: locks.set_locked(
            s, owner, start.public_id, locked=True, reason="resolved", now=node.now
        )
    )
    await sign_in(client, "bo")
    _, html = await page(client, f"/posts/{start.public_id}")
    assert "/reply" not in html
    assert "Dieser Thread ist gesperrt" in html
    response = await client.post(
        f"/posts/{start.public_id}/reply",
        allow_redirects=False,
        data={"csrf_token": csrf_of(html), "body": "Still here", "content_warning": ""},
    )
    assert response.status == 403
    assert "Dieser Thread ist gesperrt" in await response.text()


async def test_composing_says_what_is_missing_then_shows_the_thread(
    client: Client, node: Node
) -> None:
    await circle(node, default_content_warning="heavy topics")
    await sign_in(client, "ana")
    status, html = await page(client, "/groups/circle/compose")
    assert status == 200
    assert re.search(r'<input id="content_warning"[^>]*value="heavy topics"', html)
    assert re.search(r'<option value="en" lang="en" selected>', html)
    status, html = await submit(
        client,
        "/groups/circle/compose",
        {"title": "", "body": "", "content_warning": "", "language": "en"},
    )
    assert status == 422
    assert 'role="alert"' in html
    assert "Give your post a title." in html
    assert "Write something before posting." in html
    assert re.search(r'<textarea id="body"[^>]*aria-invalid="true"', html)
    response = await client.post(
        "/groups/circle/compose",
        allow_redirects=False,
        data={
            "csrf_token": csrf_of(html),
            "title": "Hello",
            "body": "First *post*",
            "content_warning": "heavy topics",
            "language": "fr",
        },
    )
    assert response.status == 303
    status, html = await page(client, response.headers["Location"])
    assert status == 200
    assert "<em>post</em>" in html
    assert 'lang="fr"' in html
    assert "Content warning: heavy topics" in html


async def test_a_held_post_is_said_to_wait_kindly(client: Client, node: Node) -> None:
    owner, _, _ = await circle(node)
    await node.run(
        lambda s: group_settings.update_settings(
            s, node.site, owner, "circle", hold_new_members_posts=True, now=node.now
        )
    )
    # Turning it on trusts those already in the group: a newcomer's post waits.
    await node.join(await node.member("cleo"), "circle")
    await sign_in(client, "cleo")
    _, html = await page(client, "/groups/circle/compose")
    response = await client.post(
        "/groups/circle/compose",
        allow_redirects=False,
        data={
            "csrf_token": csrf_of(html),
            "title": "New here",
            "body": "Hi all",
            "content_warning": "",
            "language": "en",
        },
    )
    _, html = await page(client, response.headers["Location"])
    assert "waiting for a moderator" in html


async def test_someone_outside_the_group_cannot_compose(client: Client, node: Node) -> None:
    await circle(node)
    await node.member("stranger")
    await sign_in(client, "stranger")
    status, html = await page(client, "/groups/circle/compose")
    assert status == 403
    assert "Join this group" in html


async def test_a_report_is_filed_once_and_a_repeat_is_said_kindly(
    client: Client, node: Node
) -> None:
    admin = await node.member("keeper", role=NodeRole.ADMIN)
    await node.run(lambda s: rules.set_node_rules(s, admin, [rules.RuleChange("No spam")]))
    _, ana, bo = await circle(node)
    start = await node.post(ana, "circle", "Hello.", title="Hi")
    answer = await node.reply(bo, start.public_id, "Buy my stuff")
    await sign_in(client, "ana")
    _, html = await page(client, f"/posts/{start.public_id}")
    assert f'href="/posts/{answer.public_id}/report"' in html
    assert f'href="/posts/{start.public_id}/report"' not in html  # not one's own post
    status, html = await page(client, f"/posts/{answer.public_id}/report")
    assert status == 200
    assert "Be gentle" in html
    assert "No spam" in html
    assert 'name="forward"' not in html  # the author is on this node: nothing to send on
    rule = re.search(r'value="(node:\d+)"', html)
    assert rule
    # Neither a reason nor a rule: said beside the field.
    status, html = await submit(
        client, f"/posts/{answer.public_id}/report", {"reason": "", "rule": ""}
    )
    assert status == 422
    assert "Say in a few words what is wrong" in html
    status, html = await submit(
        client, f"/posts/{answer.public_id}/report", {"reason": "spam", "rule": rule.group(1)}
    )
    assert status == 200
    assert "Thank you for your report" in html
    status, html = await submit(
        client, f"/posts/{answer.public_id}/report", {"reason": "spam again", "rule": ""}
    )
    assert status == 409
    assert "You have reported this already" in html


async def test_a_member_is_reported_from_their_profile(client: Client, node: Node) -> None:
    await circle(node)
    await sign_in(client, "ana")
    _, html = await page(client, "/members/bo")
    assert 'href="/members/bo/report"' in html
    status, html = await submit(client, "/members/bo/report", {"reason": "threats", "rule": ""})
    assert status == 200
    assert "Thank you for your report" in html


async def test_a_profile_shows_the_member_and_a_suspension(client: Client, node: Node) -> None:
    admin = await node.member("keeper", role=NodeRole.ADMIN)
    _, _, _bo = await circle(node)
    await sign_in(client, "bo")
    status, _ = await submit(
        client, "/settings", {"display_name": "Bo <B>", "bio": "Hi there", "locale": "en"}
    )
    assert status == 303
    status, html = await page(client, "/members/bo")
    assert status == 200
    assert "Bo &lt;B&gt;" in html
    assert "Hi there" in html
    assert "@bo@" in html
    await node.run(
        lambda s: suspend_account(s, node.site, admin, "bo", reason="spam", now=node.now)
    )
    client.session.cookie_jar.clear()
    _, html = await page(client, "/members/bo")
    assert "This account is suspended" in html
    assert "Hi there" not in html
    assert (await page(client, "/members/nobody"))[0] == 404


async def test_settings_change_the_page_language_at_once(client: Client, node: Node) -> None:
    await circle(node)
    await sign_in(client, "ana")
    assert (await page(client, "/settings"))[0] == 200
    status, _ = await submit(
        client, "/settings", {"display_name": "Ana", "bio": "", "locale": "de"}
    )
    assert status == 303
    _, html = await page(client, "/settings?done=saved")
    assert '<html lang="de">' in html
    assert "Einstellungen" in html
    # A wrong current password is said beside its field; the right one changes it.
    status, html = await send(
        client,
        "/settings",
        "/settings/password",
        {"current_password": "guess", "new_password": "a new password"},
    )
    assert status == 422
    assert 'id="current_password-error"' in html
    status, _ = await send(
        client,
        "/settings",
        "/settings/password",
        {"current_password": PASSWORD, "new_password": "a new password"},
    )
    assert status == 303
    assert "Angemeldet als @ana" in (await page(client, "/settings"))[1]  # still signed in
    client.session.cookie_jar.clear()
    status, _ = await submit(client, "/signin", {"username": "ana", "password": "a new password"})
    assert status == 303


async def test_settings_need_a_member(client: Client) -> None:
    response = await client.get("/settings", headers=HTML, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/signin?next=")


async def test_support_is_counted_for_the_author_alone(client: Client, node: Node) -> None:
    _, ana, bo = await circle(node)
    start = await node.post(ana, "circle", "Small win today.", title="A win")
    await node.run(lambda s: support.set_support(s, bo, start.public_id, on=True, now=node.now))
    await sign_in(client, "bo")
    _, html = await page(client, f"/posts/{start.public_id}")
    assert "Support you received" not in html
    await sign_in(client, "ana")
    _, html = await page(client, f"/posts/{start.public_id}")
    assert "Support you received: 1 (only you see this)" in html
