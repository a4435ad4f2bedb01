"""The group pages as a browser without JavaScript meets them: the directory and its
search, a group's page at its actor URL (JSON still for ActivityPub clients), joining
and leaving with CSRF-protected forms, private groups that never show more than the
API would, and finding a group on another node."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.remote.http import FetchError, FetchErrorKind
from federation.signing.capabilities import signature_standard_of
from node.federation_policy import storage
from node.groups.creation import RuleInput
from node.kinds import JoinPolicy, Visibility
from node.passwords import Passwords
from node.site import Site
from node.storage.models.groups import Group
from tests.conftest import Client
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.node.factories import PASSWORD, Node
from tests.rig.rig import Rig
from tests.web.test_pages import HTML, csrf_of, page, submit
from web.config import Settings
from web.keys import FEDERATION
from web.pages.fetch_failures import FAILURES, fetch_failure
from web.pages.groups import DIRECTORY_PAGE, THREADS_PAGE

AS2 = {"Accept": "application/activity+json"}


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def sign_in(client: Client, handle: str, **headers: str) -> None:
    status, _ = await submit(
        client, "/signin", {"username": handle, "password": PASSWORD}, **headers
    )
    assert status == 303


async def press(client: Client, path: str, action: str, **headers: str) -> tuple[int, str, str]:
    """Press the button of ``path``'s form posting to ``…/action``, as a browser would."""
    _, html = await page(client, path, **headers)
    assert f'action="{path}/{action}"' in html, html
    response = await client.post(
        f"{path}/{action}",
        data={"csrf_token": csrf_of(html)},
        headers={**HTML, **headers},
        allow_redirects=False,
    )
    return response.status, response.headers.get("Location", ""), await response.text()


async def test_the_directory_lists_searches_and_leaves_private_groups_to_members(
    client: Client, node: Node
) -> None:
    owner = await node.member("owner")
    await node.group(
        owner,
        "grief-circle",
        display_name="Grief Circle",
        description="For people who lost someone.\nWe listen.",
    )
    await node.group(owner, "carers", display_name="Carers <together>")
    await node.group(owner, "haven", display_name="Secret Haven", visibility=Visibility.PRIVATE)

    status, html = await page(client, "/groups")
    assert status == 200
    assert "Grief Circle" in html
    assert "!grief-circle@" in html
    assert "For people who lost someone. We listen." in html
    assert "Carers &lt;together&gt;" in html  # escaped, never markup
    assert "Secret Haven" not in html
    assert "haven" not in html
    assert 'role="search"' in html
    assert '<label for="q">' in html
    assert 'href="/groups/grief-circle"' in html

    _, found = await page(client, "/groups?q=GRIEF")
    assert "Grief Circle" in found
    assert "Carers" not in found
    _, none = await page(client, "/groups?q=nothing-like-it")
    assert "No group matches" in none

    # Its members find a private group in the directory; nobody else does.
    await sign_in(client, "owner")
    _, mine = await page(client, "/groups")
    assert "Secret Haven" in mine
    assert "Private group" in mine
    assert "You are a member" in mine
    stranger = await node.member("stranger")
    assert stranger
    client.session.cookie_jar.clear()
    await sign_in(client, "stranger")
    _, theirs = await page(client, "/groups?q=haven")
    assert "Secret Haven" not in theirs


async def test_the_directory_goes_a_page_at_a_time(client: Client, node: Node) -> None:
    owner = await node.member("owner")
    for number in range(DIRECTORY_PAGE + 5):
        await node.group(owner, f"circle-{number:02d}")
    _, first = await page(client, "/groups")
    assert first.count('class="group-entry"') == DIRECTORY_PAGE
    assert "circle-00" in first
    assert f"circle-{DIRECTORY_PAGE:02d}" not in first
    following = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first)
    assert following
    _, second = await page(client, following.group(1).replace("&amp;", "&"))
    assert second.count('class="group-entry"') == 5
    assert f"circle-{DIRECTORY_PAGE:02d}" in second
    assert "circle-00" not in second
    assert 'rel="next"' not in second
    assert "First page" in second
    # A cursor we never issued starts again from the top rather than failing.
    status, again = await page(client, "/groups?cursor=not-ours")
    assert status == 200
    assert "circle-00" in again


async def test_a_groups_page_for_browsers_and_json_for_activitypub(
    client: Client, node: Node
) -> None:
    owner = await node.member("owner")
    await node.group(
        owner,
        "grief-circle",
        display_name="Grief Circle",
        description="We listen.",
        rules=[RuleInput("Be gentle")],
    )
    member = await node.member("ana")
    await node.join(member, "grief-circle")
    await node.post(member, "grief-circle", "Hard day.", title="A hard day", content_warning="loss")

    status, html = await page(client, "/groups/grief-circle")
    assert status == 200
    assert "<h1>Grief Circle</h1>" in html
    assert "We listen." in html
    assert "Be gentle" in html
    assert "A hard day" in html
    assert "Content warning: loss" in html
    assert re.search(r'<a href="/posts/[^"]+">A hard day</a>', html)
    assert "<time datetime=" in html
    assert "Members:" not in html  # who belongs, even how many, is for members
    assert "Sign in to join" in html
    assert "/signin?next=%2Fgroups%2Fgrief-circle" in html

    response = await client.get("/groups/grief-circle", headers=AS2)
    assert response.status == 200
    assert response.content_type == "application/activity+json"
    document = await response.json()
    assert document["type"] == "Group"
    assert document["preferredUsername"] == "grief-circle"
    # FEP-844e: peers learn that we take RFC 9421 signatures, Ed25519 ones included.
    assert signature_standard_of(document) == "ed25519"

    await sign_in(client, "ana")
    with statements_run() as statements:
        _, as_member = await page(client, "/groups/grief-circle")
    assert "Members: 2" in as_member
    assert "You are a member of this group." in as_member
    assert "owner" in as_member  # the moderators, named
    assert "A hard day" in as_member
    # Its threads, moderators and meetings each ask about the group: it is read once.
    assert sum("actors.handle_key = " in statement for statement in statements) == 1
    # The header's handle and counts (queue, kind messages, conversations, requests,
    # notifications, quiet hours, the country for crisis resources) are one statement,
    # not ten.
    header = [statement for statement in statements if "care_messages" in statement]
    assert len(header) == 1
    assert all(table in header[0] for table in ("notifications", "conversations", "memberships"))
    # The group's crisis resources and the node's are one statement; a page of thread
    # starts links to no other post, so none is looked up.
    assert sum("FROM crisis_resources" in statement for statement in statements) == 1
    assert not any("posts.locked_at \nFROM posts" in statement for statement in statements)


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """The SQL statements every engine runs within the block (read the list after it)."""
    statements: list[str] = []
    with statements_with_parameters() as seen:
        yield statements
    statements.extend(statement for statement, _ in seen)


@contextmanager
def statements_with_parameters() -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements every engine runs within the block, each with its parameters
    (read the list after the block)."""
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


async def test_joining_and_leaving_with_the_forms(client: Client, node: Node) -> None:
    owner = await node.member("owner")
    await node.group(owner, "circle", display_name="Circle")
    await node.group(owner, "careful", join_policy=JoinPolicy.APPROVAL)
    await node.member("ana")
    await sign_in(client, "ana")

    status, location, _ = await press(client, "/groups/circle", "join")
    assert (status, location) == (303, "/groups/circle#membership-title")
    _, html = await page(client, "/groups/circle")
    assert "You are a member of this group." in html
    assert "Leave this group" in html
    status, _, _ = await press(client, "/groups/circle", "leave")
    assert status == 303
    _, html = await page(client, "/groups/circle")
    assert "You are not a member of this group." in html
    assert "Join this group" in html

    # An approval group: a request, then its withdrawal.
    _, html = await page(client, "/groups/careful")
    assert "Request to join" in html
    await press(client, "/groups/careful", "join")
    _, html = await page(client, "/groups/careful")
    assert "waiting for a moderator" in html
    assert "Withdraw request" in html
    await press(client, "/groups/careful", "leave")
    _, html = await page(client, "/groups/careful")
    assert "Request to join" in html

    # Without the page's token the form is refused, in the visitor's language.
    client.session.cookie_jar.clear()
    await page(client, "/groups/circle")
    response = await client.post(
        "/groups/circle/join",
        data={},
        headers={**HTML, "Accept-Language": "fr"},
        allow_redirects=False,
    )
    assert response.status == 403
    assert "Formulaire non accepté" in await response.text()


async def test_the_only_owner_is_told_why_they_cannot_leave(client: Client, node: Node) -> None:
    owner = await node.member("owner")
    await node.group(owner, "circle")
    await sign_in(client, "owner")
    status, _, html = await press(client, "/groups/circle", "leave")
    assert status == 409
    assert 'role="alert"' in html
    assert "only owner" in html


async def test_a_visitor_signs_in_to_join_and_comes_back(client: Client, node: Node) -> None:
    owner = await node.member("owner")
    await node.group(owner, "circle")
    await node.member("ana")
    _, html = await page(client, "/groups/circle")
    link = re.search(r'<a class="button" href="([^"]+)">Sign in to join</a>', html)
    assert link
    assert link.group(1) == "/signin?next=%2Fgroups%2Fcircle"
    _, form = await page(client, link.group(1))
    response = await client.post(
        "/signin",
        allow_redirects=False,
        data={
            "csrf_token": csrf_of(form),
            "username": "ana",
            "password": PASSWORD,
            "next": re.findall(r'name="next" value="([^"]*)"', form)[0],
        },
    )
    assert response.headers["Location"] == "/groups/circle"
    status, _, _ = await press(client, "/groups/circle", "join")
    assert status == 303

    # A form sent after the session ended also leads to signing in, then back.
    client.session.cookie_jar.clear()
    _, html = await page(client, "/signin")
    response = await client.post(
        "/groups/circle/leave", data={"csrf_token": csrf_of(html)}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/signin?next=%2Fgroups%2Fcircle"


async def test_private_groups_show_no_more_than_the_api(client: Client, node: Node) -> None:
    owner = await node.member("owner")
    await node.group(
        owner,
        "haven",
        display_name="Haven",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.APPROVAL,
    )
    await node.post(owner, "haven", "Only for us.", title="Our secret thread")
    await node.member("ana")

    # A visitor learns nothing, word for word as for a group that does not exist.
    missing_status, missing = await page(client, "/groups/nope", **{"Accept-Language": "de"})
    status, html = await page(client, "/groups/haven", **{"Accept-Language": "de"})
    assert missing_status == status == 404
    assert "Nicht gefunden" in html
    assert "Haven" not in html
    assert missing.replace("/groups/nope", "/groups/haven") == html

    # A member of this node sees how to ask to join, and no thread.
    await sign_in(client, "ana")
    status, html = await page(client, "/groups/haven")
    assert status == 200
    assert "Request to join" in html
    assert "Our secret thread" not in html
    assert "Only members of this group can read its threads." in html
    assert "owner" not in html
    assert "Members:" not in html

    client.session.cookie_jar.clear()
    await sign_in(client, "owner")
    _, html = await page(client, "/groups/haven")
    assert "Our secret thread" in html
    assert "Members: 1" in html


async def explained(
    sessions: async_sessionmaker[AsyncSession], statement: str, parameters: Any
) -> str:
    """PostgreSQL's plan for ``statement`` when it may neither scan the table nor sort:
    the order must come from an index (the table is too small to choose it otherwise)."""
    async with sessions() as session:
        connection = await session.connection()
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        await connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        await connection.exec_driver_sql("SET LOCAL enable_sort = off")
        rows = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in rows)


async def test_threads_go_a_page_at_a_time(
    client: Client,
    node: Node,
    now: datetime,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    owner = await node.member("owner")
    await node.group(owner, "circle")
    for number in range(THREADS_PAGE + 2):
        await node.post(
            owner, "circle", "Hi.", title=f"Thread {number:02d}", at=now + timedelta(minutes=number)
        )
    with statements_with_parameters() as statements:
        _, first = await page(client, "/groups/circle")
    assert first.count('class="thread-entry"') == THREADS_PAGE
    if settings.database_schema is not None:  # PostgreSQL: newest first, read in index order
        listing = next(s for s in statements if "ORDER BY posts.published_at DESC" in s[0])
        plan = await explained(sessions, *listing)
        assert "ix_post_group_thread_starts" in plan, plan
        assert "Sort" not in plan, plan
    assert f"Thread {THREADS_PAGE + 1:02d}" in first
    assert "Thread 00" not in first
    following = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first)
    assert following
    _, second = await page(client, following.group(1).replace("&amp;", "&"))
    assert second.count('class="thread-entry"') == 2
    assert "Thread 00" in second


async def test_finding_a_group_says_what_went_wrong_beside_the_field(
    client: Client, node: Node, now: datetime
) -> None:
    response = await client.get("/find-group", headers=HTML, allow_redirects=False)
    assert response.status == 303
    assert unquote(response.headers["Location"]) == "/signin?next=/find-group"
    owner = await node.member("owner")
    await node.group(owner, "circle")
    await node.run(lambda s: storage.set_rule(s, "blocked.example", "suspend", now=now))
    client.app[FEDERATION].policy.invalidate()
    # A member who signed up from a German browser reads German.
    status, _ = await submit(
        client, "/signup", {"username": "ben", "password": PASSWORD}, **{"Accept-Language": "de"}
    )
    assert status == 303

    for ref, english in (
        ("not a handle", "Please enter a group's handle"),
        ("nobody", "No group was found"),
        ("@circle@blocked.example", "does not connect with that node"),
        ("circle@127.0.0.1:9", "could not be reached"),
    ):
        status, html = await submit(client, "/find-group", {"ref": ref})
        assert status == 422, ref
        assert 'id="ref-error"' in html, ref
        assert 'aria-invalid="true"' in html, ref
        assert english not in html, ref  # said in the member's own language
        assert '<html lang="de">' in html

    # A handle or URL of this node finds the group here.
    for ref in ("!circle", "circle", f"{node.site.base_url}/groups/circle"):
        _, html = await page(client, "/find-group")
        response = await client.post(
            "/find-group",
            data={"csrf_token": csrf_of(html), "ref": ref},
            headers=HTML,
            allow_redirects=False,
        )
        assert (response.status, response.headers["Location"]) == (303, "/groups/circle"), ref


@pytest.mark.parametrize("kind", list(FetchErrorKind))
def test_every_kind_of_fetch_failure_is_said_in_words_a_person_can_act_on(
    kind: FetchErrorKind,
) -> None:
    assert fetch_failure(FetchError("its wording does not matter", kind=kind)) in FAILURES


# Two nodes ------------------------------------------------------------------------------


@pytest.fixture
async def rig(backend: SqliteDatabases | PostgresDatabases, tmp_path: Path) -> AsyncIterator[Rig]:
    world = Rig(backend, tmp_path)
    yield world
    await world.close()


async def test_a_group_on_another_node_is_found_joined_and_left(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo = await a.member("mo")
    await a.api.create_group(mo, "circle", display_name="Grief circle", description="We listen.")
    await b.member("bea")
    assert b.client is not None
    browser: Client = b.client
    status, _ = await submit(
        browser, "/signin", {"username": "bea", "password": "correct horse battery"}
    )
    assert status == 303

    _, html = await page(browser, "/find-group")
    response = await browser.post(
        "/find-group",
        data={"csrf_token": csrf_of(html), "ref": f"@circle@{a.domain}"},
        headers=HTML,
        allow_redirects=False,
    )
    assert response.status == 303
    path = response.headers["Location"]
    assert path == f"/groups/circle@{a.domain}"
    _, html = await page(browser, path)
    assert "Grief circle" in html
    assert "We listen." in html
    assert f"On another node: {a.domain}" in html

    _, html = await page(browser, "/groups")
    assert "Grief circle" in html
    assert "On another node" in html

    await press(browser, path, "join")
    _, html = await page(browser, path)
    assert "the group's node will answer" in html
    await rig.settle()
    _, html = await page(browser, path)
    assert "You are a member of this group." in html
    await press(browser, path, "leave")
    _, html = await page(browser, path)
    assert "Join this group" in html


async def test_a_group_that_keeps_its_moderators_unnamed_is_obeyed(
    client: Client, node: Node, sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner = await node.member("guardian")
    await node.group(owner, "quiet")
    async with sessions.begin() as session:
        await session.execute(update(Group).values(hide_moderator_names=True))
    _, html = await page(client, "/groups/quiet")
    assert "This group's moderators are not named." in html
    assert "guardian" not in html
    await sign_in(client, "guardian")
    _, html = await page(client, "/groups/quiet")
    assert "@guardian@" in html  # its moderators still see who they are
