"""Acting on a post from its thread, without JavaScript: its author edits or deletes it
(after a confirmation page), members send support, and the group's moderators restore
a removed post and lock or unlock the thread; each refused as the API refuses it."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts, locks
from node.passwords import Passwords
from node.posts import reading, removal
from node.site import Site
from tests.conftest import Client
from tests.node.factories import Node
from tests.web.test_pages import HTML, csrf_of, page
from tests.web.test_thread_pages import circle, send, sign_in


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def location(client: Client, on: str, action: str, form: dict[str, str]) -> str:
    """Send the form at ``action`` from the page ``on``; where it sends the browser."""
    _, html = await page(client, on)
    response = await client.post(
        action, data={"csrf_token": csrf_of(html), **form}, headers=HTML, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    return response.headers["Location"]


async def test_the_author_edits_a_thread_start_and_a_reply(client: Client, node: Node) -> None:
    _, ana, bo = await circle(node)
    start = await node.post(ana, "circle", "First *draft*", title="Draft", content_warning="cw")
    answer = await node.reply(ana, start.public_id, "A reply of mine")
    await sign_in(client, "ana")
    thread = f"/posts/{start.public_id}"
    _, html = await page(client, thread)
    assert f'href="/posts/{start.public_id}/edit"' in html
    assert f'href="/posts/{answer.public_id}/delete"' in html
    # The form is filled in with what was written, the Markdown source included.
    status, html = await page(client, f"/posts/{start.public_id}/edit")
    assert status == 200
    assert re.search(r'<input id="title"[^>]*value="Draft"', html)
    assert re.search(r'<input id="content_warning"[^>]*value="cw"', html)
    assert "First *draft*</textarea>" in html
    # A reply has no title.
    _, html = await page(client, f"/posts/{answer.public_id}/edit")
    assert 'id="title"' not in html
    # An empty body is said beside its field.
    status, html = await send(
        client,
        f"/posts/{start.public_id}/edit",
        f"/posts/{start.public_id}/edit",
        {"title": "Draft", "body": " ", "content_warning": ""},
    )
    assert status == 422
    assert 'id="body-error"' in html
    where = await location(
        client,
        f"/posts/{start.public_id}/edit",
        f"/posts/{start.public_id}/edit",
        {"title": "Final", "body": "Final *words*", "content_warning": ""},
    )
    assert where == f"{thread}?done=edited#post-{start.public_id}"
    _, html = await page(client, where)
    assert "Your changes were saved." in html
    assert "<em>words</em>" in html
    assert "Final" in html
    assert "Content warning:" not in html
    assert "edited" in html
    where = await location(
        client,
        thread,
        f"/posts/{answer.public_id}/edit",
        {"body": "A better reply", "content_warning": "", "title": "ignored"},
    )
    assert where.startswith(f"{thread}?done=edited")
    assert "A better reply" in (await page(client, thread))[1]
    # Someone else gets neither the links nor the form, in their own language.
    await node.run(lambda s: accounts.update_account(s, bo, locale="de", now=node.now))
    await sign_in(client, "bo")
    _, html = await page(client, thread)
    assert "/edit" not in html
    assert "/delete" not in html
    status, html = await page(client, f"/posts/{start.public_id}/edit")
    assert status == 403
    assert "Nicht erlaubt" in html
    status, html = await send(
        client,
        thread,
        f"/posts/{start.public_id}/edit",
        {"title": "Mine now", "body": "Hijacked", "content_warning": ""},
    )
    assert status == 403
    assert "Hijacked" not in (await page(client, thread))[1]


async def test_deleting_asks_first_then_deletes(client: Client, node: Node) -> None:
    _, ana, bo = await circle(node)
    start = await node.post(ana, "circle", "Hello all.", title="Hi")
    answer = await node.reply(ana, start.public_id, "Never mind this.")
    thread = f"/posts/{start.public_id}"
    await sign_in(client, "ana")
    status, html = await page(client, f"/posts/{answer.public_id}/delete")
    assert status == 200
    assert "Delete this post?" in html
    assert "Never mind this." in html
    assert f'href="{thread}#post-{answer.public_id}"' in html  # keep it: back to the thread
    assert "Never mind this." in (await page(client, thread))[1]  # asking deleted nothing
    # Without the token, nothing happens.
    forged = await client.post(
        f"/posts/{answer.public_id}/delete", data={}, headers=HTML, allow_redirects=False
    )
    assert forged.status == 403
    assert "Never mind this." in (await page(client, thread))[1]
    where = await location(
        client, f"/posts/{answer.public_id}/delete", f"/posts/{answer.public_id}/delete", {}
    )
    assert where == f"{thread}?done=deleted#post-{answer.public_id}"
    _, html = await page(client, where)
    assert "Your post was deleted." in html
    assert "Never mind this." not in html
    assert "This post was deleted." in html
    # A deleted post can no longer be edited.
    status, _ = await page(client, f"/posts/{answer.public_id}/edit")
    assert status == 409
    # Someone else cannot delete it.
    await sign_in(client, "bo")
    assert (await page(client, f"/posts/{start.public_id}/delete"))[0] == 403
    status, _ = await send(client, thread, f"/posts/{start.public_id}/delete", {})
    assert status == 403
    assert "Hello all." in (await page(client, thread))[1]
    assert bo is not None


async def test_support_toggles_without_a_public_count(client: Client, node: Node) -> None:
    _, ana, _ = await circle(node)
    start = await node.post(ana, "circle", "Small win today.", title="A win")
    thread = f"/posts/{start.public_id}"
    # Signed out: no button.
    assert "/support" not in (await page(client, thread))[1]
    await sign_in(client, "bo")
    _, html = await page(client, thread)
    assert re.search(r'<button[^>]*class="secondary support-toggle" aria-pressed="false"', html)
    where = await location(client, thread, f"{thread}/support", {"support": "on"})
    assert where == f"{thread}?done=support_on#post-{start.public_id}"
    _, html = await page(client, where)
    assert re.search(r'aria-pressed="true"', html)
    assert "You support this" in html
    assert "You sent your support." in html
    assert 'name="support" value="off"' in html
    assert "Support you received" not in html  # no count for anyone but the author
    await sign_in(client, "ana")
    _, html = await page(client, thread)
    assert "Support you received: 1 (only you see this)" in html
    assert f'action="{thread}/support"' not in html  # not on one's own post
    await sign_in(client, "bo")
    where = await location(client, thread, f"{thread}/support", {"support": "off"})
    _, html = await page(client, where)
    assert "You took your support back." in html
    assert 'aria-pressed="false"' in html
    assert "You support this" not in html
    # Someone outside the group cannot send support, even by hand.
    await node.member("stranger")
    await sign_in(client, "stranger")
    _, html = await page(client, thread)
    assert "/support" not in html
    status, html = await send(client, thread, f"{thread}/support", {"support": "on"})
    assert status == 403
    assert "Join this group" in html


async def test_a_moderator_restores_and_locks_but_a_member_cannot(
    client: Client, node: Node
) -> None:
    owner, ana, bo = await circle(node)
    start = await node.post(ana, "circle", "Opening up.", title="Open")
    answer = await node.reply(bo, start.public_id, "Rude words")
    thread = f"/posts/{start.public_id}"
    await sign_in(client, "owner")
    _, html = await page(client, thread)
    assert f'action="/moderation/posts/{start.public_id}/lock"' in html
    assert f'action="/moderation/posts/{answer.public_id}/lock"' not in html  # replies: no
    assert f'action="/moderation/posts/{answer.public_id}/remove"' in html
    # Remove (the queue's form, back to the thread), then restore.
    where = await location(
        client,
        thread,
        f"/moderation/posts/{answer.public_id}/remove",
        {"reason": "rude", "back": thread},
    )
    assert where == f"{thread}?done=removed"
    _, html = await page(client, where)
    assert "The post was removed." in html
    assert "This post was removed by a moderator." in html
    assert f'action="/moderation/posts/{answer.public_id}/restore"' in html
    where = await location(
        client, thread, f"/moderation/posts/{answer.public_id}/restore", {"reason": "context"}
    )
    assert where == f"{thread}?done=restored#post-{answer.public_id}"
    _, html = await page(client, where)
    assert "The post was restored." in html
    assert "Rude words" in html
    # Lock, then unlock.
    where = await location(
        client, thread, f"/moderation/posts/{start.public_id}/lock", {"reason": "heated"}
    )
    _, html = await page(client, where)
    assert "The thread was locked" in html
    assert "This thread is locked: it takes no new replies." in html
    assert f'action="/moderation/posts/{start.public_id}/unlock"' in html
    viewed = await node.run(lambda s: reading.get_post(s, ana, start.public_id))
    assert viewed.locked
    # Locking again changes nothing.
    where = await location(client, thread, f"/moderation/posts/{start.public_id}/lock", {})
    assert "done=locked" in where
    where = await location(client, thread, f"/moderation/posts/{start.public_id}/unlock", {})
    assert "The thread was unlocked" in (await page(client, where))[1]
    assert not (await node.run(lambda s: reading.get_post(s, ana, start.public_id))).locked
    # A plain member sees none of it and is refused, in their language, when posting by hand.
    await node.run(lambda s: accounts.update_account(s, ana, locale="fr", now=node.now))
    await node.run(
        lambda s: removal.remove_post(s, owner, answer.public_id, reason="", now=node.now)
    )
    await sign_in(client, "ana")
    _, html = await page(client, thread)
    assert "/moderation/posts/" not in html
    for action in (f"{answer.public_id}/restore", f"{start.public_id}/lock"):
        status, html = await send(client, thread, f"/moderation/posts/{action}", {"reason": ""})
        assert status == 403, action
        assert "Non autorisé" in html
    assert not (await node.run(lambda s: reading.get_post(s, ana, start.public_id))).locked
    assert (await node.run(lambda s: reading.get_post(s, owner, answer.public_id))).removed


async def test_an_unlock_needs_a_moderator_and_a_token(client: Client, node: Node) -> None:
    owner, ana, _ = await circle(node)
    start = await node.post(ana, "circle", "Closed.", title="Closed")
    await node.run(lambda s: locks.set_locked(s, owner, start.public_id, locked=True, now=node.now))
    await sign_in(client, "owner")
    for action in ("unlock", "lock", "restore"):
        forged = await client.post(
            f"/moderation/posts/{start.public_id}/{action}",
            data={"reason": "x"},
            headers=HTML,
            allow_redirects=False,
        )
        assert forged.status == 403, action
    forged = await client.post(
        f"/posts/{start.public_id}/support",
        data={"support": "on"},
        headers=HTML,
        allow_redirects=False,
    )
    assert forged.status == 403
    assert (await node.run(lambda s: reading.get_post(s, ana, start.public_id))).locked
    # Restoring a post that was never removed is said kindly.
    where = await location(
        client, f"/posts/{start.public_id}", f"/moderation/posts/{start.public_id}/restore", {}
    )
    assert "done=restored" in where
