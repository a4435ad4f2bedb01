"""Posts: threads and replies, editing, deletion as tombstones, support, private groups."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.kinds import JoinPolicy, MembershipState, NodeRole, Visibility
from node.passwords import Passwords
from node.posts import reading, writing
from node.posts.support import set_support
from node.site import Site
from node.storage.models.posts import Post
from node.views import PostView, Viewer
from tests.node.factories import Node

MINUTE = timedelta(minutes=1)


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def circle(node: Node, **options: object) -> tuple[Viewer, Viewer]:
    """``ana`` owns the group ``circle``; ``ben`` has joined it."""
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", **options)
    await node.join(ben, "circle")
    return ana, ben


async def get(node: Node, viewer: Viewer | None, public_id: str) -> PostView:
    return await node.run(lambda s: reading.get_post(s, viewer, public_id))


async def delete(node: Node, viewer: Viewer, public_id: str) -> None:
    await node.run(lambda s: writing.delete_post(s, viewer, public_id, now=node.now))


async def threads(node: Node, viewer: Viewer | None, limit: int = 20) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        async with node.sessions.begin() as session:
            page = await reading.list_threads(
                session, node.site, viewer, "circle", cursor=cursor, limit=limit
            )
        ids += [p.public_id for p in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


async def replies(node: Node, viewer: Viewer | None, public_id: str, limit: int = 20) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        async with node.sessions.begin() as session:
            page = await reading.list_replies(
                session, viewer, public_id, cursor=cursor, limit=limit
            )
        ids += [p.public_id for p in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


async def test_a_post_is_rendered_from_markdown_and_made_safe(node: Node) -> None:
    _, ben = await circle(node)
    body = (
        "I *finally* slept.\n\n<script>alert(1)</script>\n\n"
        "[click](javascript:alert(1)) and [help](https://help.example/line)"
    )
    post = await node.post(ben, "circle", body, title=" First night ")

    assert post.title == "First night"
    assert "<em>finally</em>" in post.content_html
    assert "<script" not in post.content_html
    assert "&lt;script&gt;" in post.content_html  # shown as the text it was
    assert 'href="javascript' not in post.content_html.lower()
    assert 'href="https://help.example/line"' in post.content_html
    assert post.source == body  # the author gets back what they wrote, to edit it
    assert (await get(node, None, post.public_id)).source is None
    assert post.author is not None
    assert post.author.handle == "ben"
    assert post.uri == f"http://node.test/posts/{post.public_id}"


async def test_the_groups_content_warning_applies_unless_the_author_chooses(node: Node) -> None:
    _, ben = await circle(node, default_content_warning="loss")

    assert (await node.post(ben, "circle")).content_warning == "loss"
    assert (await node.post(ben, "circle", content_warning="suicide")).content_warning == "suicide"
    assert (await node.post(ben, "circle", content_warning="")).content_warning == ""


async def test_an_empty_body_is_refused(node: Node) -> None:
    _, ben = await circle(node)
    with pytest.raises(InvalidInput) as caught:
        await node.post(ben, "circle", " \n ")
    assert caught.value.field == "body"


async def test_only_approved_members_post(node: Node) -> None:
    ana = await node.member("ana")
    cleo, dan = await node.member("cleo"), await node.member("dan")
    await node.group(ana, "circle", join_policy=JoinPolicy.APPROVAL)
    await node.join(dan, "circle")  # pending

    for outsider in (cleo, dan):
        with pytest.raises(PermissionDenied):
            await node.post(outsider, "circle")
    thread = await node.post(ana, "circle")
    with pytest.raises(PermissionDenied):
        await node.reply(dan, thread.public_id)


async def test_deep_replies_keep_pointing_at_the_thread_they_belong_to(node: Node) -> None:
    ana, ben = await circle(node)
    root = await node.post(ben, "circle")
    first = await node.reply(ana, root.public_id, at=node.now + MINUTE)
    second = await node.reply(ben, first.public_id, at=node.now + 2 * MINUTE)
    third = await node.reply(ana, second.public_id, at=node.now + 3 * MINUTE)

    assert (third.in_reply_to, third.thread, third.title) == (
        second.public_id,
        root.public_id,
        None,
    )
    assert (root.in_reply_to, root.thread) == (None, None)
    assert (await get(node, None, root.public_id)).reply_count == 3
    expected = [first.public_id, second.public_id, third.public_id]
    assert await replies(node, None, root.public_id) == expected
    assert await replies(node, None, second.public_id, limit=1) == expected
    assert await threads(node, None) == [root.public_id]


async def test_threads_page_newest_first(node: Node) -> None:
    _, ben = await circle(node)
    made = [await node.post(ben, "circle", at=node.now + n * MINUTE) for n in range(7)]
    # Posts in the same instant still page in a stable order, the later one first.
    made += [await node.post(ben, "circle", at=node.now + 7 * MINUTE) for _ in range(3)]
    newest_first = [p.public_id for p in reversed(made)]

    for limit in (1, 3, 10, 20):
        assert await threads(node, None, limit) == newest_first


async def test_only_the_author_edits(node: Node) -> None:
    ana, ben = await circle(node, default_content_warning="loss")
    post = await node.post(ben, "circle", "Frist draft", title="Draft")
    later = node.now + MINUTE

    edited = await node.run(
        lambda s: writing.edit_post(
            s, ben, post.public_id, body="First **draft**", title="Better", now=later
        )
    )
    assert (edited.title, edited.content_html, edited.edited_at) == (
        "Better",
        "<p>First <strong>draft</strong></p>",
        later,
    )
    assert edited.content_warning == "loss"
    with pytest.raises(PermissionDenied):
        await node.run(lambda s: writing.edit_post(s, ana, post.public_id, body="Mine", now=later))


async def test_a_banned_author_can_no_longer_edit(node: Node) -> None:
    _, ben = await circle(node)
    post = await node.post(ben, "circle", "Before the ban")
    await node.set_state(ben, "circle", MembershipState.BANNED)
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: writing.edit_post(s, ben, post.public_id, body="After", now=node.now)
        )


async def test_replies_cannot_get_a_title(node: Node) -> None:
    ana, ben = await circle(node)
    answer = await node.reply(ana, (await node.post(ben, "circle")).public_id)
    with pytest.raises(InvalidInput) as caught:
        await node.run(
            lambda s: writing.edit_post(s, ana, answer.public_id, title="Title", now=node.now)
        )
    assert caught.value.field == "title"


async def test_authors_moderators_and_node_staff_delete_others_do_not(node: Node) -> None:
    ana, ben = await circle(node)
    cleo = await node.member("cleo")
    await node.join(cleo, "circle")
    admin = await node.member("root-of-trust", role=NodeRole.ADMIN)
    by_ben = [await node.post(ben, "circle") for _ in range(4)]

    with pytest.raises(PermissionDenied):
        await delete(node, cleo, by_ben[0].public_id)
    for deleter, post in zip((ben, ana, admin), by_ben, strict=False):
        await delete(node, deleter, post.public_id)
        assert (await get(node, None, post.public_id)).deleted
    assert not (await get(node, None, by_ben[3].public_id)).deleted


async def test_a_deleted_post_is_wiped_and_leaves_a_tombstone(node: Node) -> None:
    ana, ben = await circle(node)
    thread = await node.post(
        ben, "circle", "What I regret sharing", title="Oh", content_warning="cw"
    )
    answer = await node.reply(ana, thread.public_id, "I hear you", at=node.now + MINUTE)
    await node.run(lambda s: set_support(s, ana, thread.public_id, on=True, now=node.now))
    await delete(node, ben, thread.public_id)

    tombstone = await get(node, ben, thread.public_id)
    assert tombstone.deleted
    assert (tombstone.author, tombstone.title, tombstone.content_html, tombstone.source) == (
        None,
        None,
        "",
        None,
    )
    assert (tombstone.content_warning, tombstone.support_count) == ("", None)
    async with node.sessions() as session:
        row = await session.scalar(select(Post).where(Post.public_id == thread.public_id))
    assert row is not None
    assert (row.title, row.source, row.content_html, row.content_warning) == (None, None, "", "")
    # The conversation under it stays, and the thread stays listed for it.
    assert await replies(node, None, thread.public_id) == [answer.public_id]
    assert await threads(node, None) == [thread.public_id]
    with pytest.raises(Conflict):
        await node.reply(ana, thread.public_id)
    await delete(node, ben, thread.public_id)  # deleting twice changes nothing


async def test_a_deleted_thread_without_replies_disappears(node: Node) -> None:
    _, ben = await circle(node)
    kept = await node.post(ben, "circle")
    gone = await node.post(ben, "circle", at=node.now + MINUTE)
    await delete(node, ben, gone.public_id)

    assert await threads(node, None) == [kept.public_id]


async def test_a_deleted_thread_whose_replies_are_all_deleted_disappears(node: Node) -> None:
    ana, ben = await circle(node)
    gone = await node.post(ben, "circle")
    answer = await node.reply(ana, gone.public_id, at=node.now + MINUTE)
    await delete(node, ana, answer.public_id)
    assert await threads(node, None) == [gone.public_id]  # still alive itself

    await delete(node, ben, gone.public_id)
    assert await threads(node, None) == []


async def test_support_is_idempotent_and_its_count_is_for_the_author(node: Node) -> None:
    ana, ben = await circle(node)
    post = await node.post(ben, "circle")

    async def support(viewer: Viewer, on: bool) -> PostView:
        return await node.run(lambda s: set_support(s, viewer, post.public_id, on=on, now=node.now))

    assert (await support(ana, True)).supported_by_me
    sent_twice = await support(ana, True)
    assert (sent_twice.supported_by_me, sent_twice.support_count) == (True, None)
    seen_by_author = await get(node, ben, post.public_id)
    assert (seen_by_author.support_count, seen_by_author.supported_by_me) == (1, False)
    assert (await get(node, None, post.public_id)).support_count is None
    assert not (await support(ana, False)).supported_by_me
    assert not (await support(ana, False)).supported_by_me
    assert (await get(node, ben, post.public_id)).support_count == 0


async def test_private_group_posts_do_not_exist_for_outsiders(node: Node) -> None:
    ana, ben = await circle(node, visibility=Visibility.PRIVATE)
    cleo = await node.member("cleo")
    post = await node.post(ben, "circle", "Only for us")
    answer = await node.reply(ana, post.public_id)

    for outsider in (cleo, None):
        for public_id in (post.public_id, answer.public_id):
            with pytest.raises(NotFound) as hidden:
                await get(node, outsider, public_id)
            with pytest.raises(NotFound) as missing:
                await get(node, outsider, "01ZZZZZZZZZZZZZZZZZZZZZZZZ")
            assert hidden.value.message == missing.value.message
        with pytest.raises(NotFound):
            await replies(node, outsider, post.public_id)
    with pytest.raises(NotFound):
        await node.run(lambda s: set_support(s, cleo, post.public_id, on=True, now=node.now))
    with pytest.raises(NotFound):
        await node.reply(cleo, post.public_id)
    with pytest.raises(NotFound):
        await delete(node, cleo, post.public_id)
    with pytest.raises(NotFound):
        await node.run(lambda s: writing.edit_post(s, cleo, post.public_id, body="x", now=node.now))
    with pytest.raises(PermissionDenied):
        await threads(node, cleo)
    with pytest.raises(NotFound):
        await threads(node, None)
    assert await threads(node, ben) == [post.public_id]
    # A member who is banned loses sight of the group's conversations at once.
    await node.set_state(ben, "circle", MembershipState.BANNED)
    with pytest.raises(NotFound):
        await get(node, ben, post.public_id)
