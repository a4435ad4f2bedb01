"""A member takes their data with them: the archive holds their own words and choices,
and nothing of other members' private words, reports about them, or moderators' notes."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import conversations
from node.boundaries.blocking import block_node
from node.boundaries.muting import mute
from node.errors import NotFound
from node.export import jobs, records
from node.export.archive import FORMAT, VERSION
from node.ids import new_public_id
from node.kinds import JoinPolicy, Visibility
from node.mail.addresses import set_email
from node.mail.links import MailContext
from node.notifications import set_quiet_hours
from node.passwords import Passwords
from node.posts.removal import remove_post
from node.reports.care import file_care_report
from node.reports.filing import file_report
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.data_exports import ExportState
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.topics.filters import set_choices
from node.views import Viewer
from tests.node.export_helpers import archive_files, download
from tests.node.factories import Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _export(node: Node, viewer: Viewer) -> tuple[dict[str, Any], str]:
    status = await node.run(lambda s: jobs.request_export(s, node.site, viewer, now=node.now))
    assert status.state is ExportState.READY
    return archive_files(await download(node.sessions, viewer, node.now, status.token))


async def _talk(node: Node, asker: Viewer, recipient: Viewer) -> None:
    """``asker`` asks ``recipient`` for a conversation, who accepts; both write."""

    async def ask(session: AsyncSession) -> int:
        me = await session.get_one(Actor, asker.actor_id)
        them = await session.get_one(Actor, recipient.actor_id)
        asked = await conversations.ask(session, node.site, me, them, "Ana asks: talk?", node.now)
        return asked.id

    conversation = await node.run(ask)
    await node.run(lambda s: conversations.accept(s, conversation, recipient.actor_id, node.now))
    await node.run(
        lambda s: conversations.send_message(
            s, node.site, conversation, recipient.actor_id, "Ben answers: yes", node.now
        )
    )
    await node.run(
        lambda s: conversations.send_message(
            s, node.site, conversation, asker.actor_id, "Ana's secret", node.now
        )
    )


async def _private_circle(node: Node) -> tuple[Viewer, Viewer, Viewer]:
    """``ana`` moderates the private group ``circle``, where anonymous posts are allowed;
    ``ben`` (whose archive we read) and ``cat`` are members."""
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    await node.group(ana, "circle", visibility=Visibility.PRIVATE, join_policy=JoinPolicy.OPEN)
    async with node.sessions.begin() as session:
        await session.execute(update(Group).values(allow_anonymous_posts=True))
    for member in (ben, cat):
        await node.join(member, "circle")
    return ana, ben, cat


async def test_the_archive_holds_the_members_words_and_nothing_of_others(node: Node) -> None:
    ana, ben, cat = await _private_circle(node)
    thread = await node.post(ben, "circle", "Ben starts <script>alert(1)</script>", title="Hi")
    await node.reply(ben, thread.public_id, "Ben replies")
    await node.reply(cat, thread.public_id, "Cat's private words")
    hidden = await node.post(ben, "circle", "Ben, anonymously", anonymous=True)
    removed = await node.post(ben, "circle", "Ben's off-topic post")
    await node.run(
        lambda s: remove_post(s, ana, removed.public_id, reason="Off topic here", now=node.now)
    )
    cats = await node.post(cat, "circle", "Cat's own thread")
    await node.run(
        lambda s: file_report(
            s, node.site, ben, post_id=cats.public_id, reason="Ben reports this", now=node.now
        )
    )
    await node.run(
        lambda s: file_care_report(
            s, node.site, ben, acct="cat", reason="Ben worries", now=node.now
        )
    )
    await node.run(
        lambda s: file_report(s, node.site, cat, acct="ben", reason="Cat reports Ben", now=node.now)
    )
    await _talk(node, ana, ben)

    async def ben_mutes_cat(session: AsyncSession) -> None:
        await mute(session, ben, await session.get_one(Actor, cat.actor_id), now=node.now)

    await node.run(ben_mutes_cat)

    exported, page = await _export(node, ben)

    assert (exported["format"], exported["version"]) == (FORMAT, VERSION)
    assert exported["profile"]["handle"] == f"ben@{node.site.domain}"
    texts = {post["text"]: post for post in exported["posts"]}
    assert set(texts) == {
        "Ben starts <script>alert(1)</script>",
        "Ben replies",
        "Ben, anonymously",
        "Ben's off-topic post",
    }
    assert texts["Ben, anonymously"]["anonymous"] is True
    assert texts["Ben, anonymously"]["id"] == hidden.public_id
    assert texts["Ben replies"]["kind"] == "reply"
    assert texts["Ben replies"]["thread"] == thread.uri
    assert texts["Ben's off-topic post"]["removed_by_moderator"]["reason"] == "Off topic here"
    assert texts["Ben replies"]["group"] == f"circle@{node.site.domain}"

    # Conversations: the partner and dates, Ben's own words only.
    [talk] = exported["conversations"]
    assert (talk["with"], talk["you_asked"], talk["state"]) == (
        f"ana@{node.site.domain}",
        False,
        "accepted",
    )
    assert [m["text"] for m in exported["messages"]] == ["Ben answers: yes"]
    ana_acct = f"ana@{node.site.domain}"
    assert (
        talk["not_included"]
        == f"Messages from {ana_acct} are not included: they are {ana_acct}'s words."
    )
    assert "they are ana@" in page

    # Reports Ben made, his words; not the one Cat made about him.
    assert sorted((r["kind"], r["your_words"]) for r in exported["reports"]) == [
        ("care", "Ben worries"),
        ("rule", "Ben reports this"),
    ]
    assert [(m["group"], m["role"], m["state"]) for m in exported["memberships"]] == [
        (f"circle@{node.site.domain}", "member", "approved")
    ]
    assert exported["settings"]["boundaries"]["muted"] == [f"cat@{node.site.domain}"]

    everything = str(exported) + page
    for others in (
        "Cat's private words",
        "Cat's own thread",
        "Ana's secret",
        "Ana asks",
        "Cat reports Ben",
    ):
        assert others not in everything
    assert "email" not in str(exported["profile"])
    assert "password" not in str(exported["profile"])

    # The page: escaped text, a language, nothing fetched or run.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page
    assert '<html lang="en">' in page
    assert "http-equiv" not in page
    assert "<link" not in page
    assert "src=" not in page
    assert "Messages from the other person are not included" in page
    assert "posted anonymously" in page


async def test_settings_sections_hold_every_choice(node: Node) -> None:
    ben = await node.member("ben")
    await node.run(lambda s: block_node(s, node.site, ben, "loud.example", now=node.now))
    await node.run(lambda s: set_choices(s, ben, {"grief-and-loss": "hide"}))
    await node.run(
        lambda s: set_quiet_hours(
            s, ben.account_id, time_zone="Europe/Berlin", start=time(22), end=time(7)
        )
    )
    mail = MailContext(node.site, "Kinfolk")
    await node.run(lambda s: set_email(s, mail, ben, "ben@mail.test", now=node.now))
    cat = await node.member("cat")
    await node.run(lambda s: set_email(s, mail, cat, "cat@mail.test", now=node.now))
    exported, page = await _export(node, ben)
    settings = exported["settings"]
    assert settings["email"] == {"address": "ben@mail.test", "verified": False, "digest": "off"}
    assert "cat@mail.test" not in str(exported) + page
    assert settings["boundaries"]["blocked_nodes"] == ["loud.example"]
    assert settings["boundaries"]["contact_policy"] == "shared_groups"
    assert settings["topic_filters"]["grief-and-loss"] == "hide"
    assert "loud.example" in page
    assert settings["notifications"] == {
        "time_zone": "Europe/Berlin",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
    }


async def test_only_the_member_opens_their_archive_and_asking_again_replaces_it(
    node: Node,
) -> None:
    ben, mo = await node.member("ben"), await node.member("mo")
    first = await node.run(lambda s: jobs.request_export(s, node.site, ben, now=node.now))
    with pytest.raises(NotFound):
        await download(node.sessions, mo, node.now, first.token)
    with pytest.raises(NotFound):
        await download(node.sessions, mo, node.now)

    again = await node.run(lambda s: jobs.request_export(s, node.site, ben, now=node.now))
    assert again.token != first.token
    with pytest.raises(NotFound):
        await download(node.sessions, ben, node.now, first.token)
    assert await download(node.sessions, ben, node.now, again.token)

    # Deleting the account takes the archive with it (node.account_deletion calls this).
    await node.run(lambda s: jobs.delete_archive_of(s, ben.account_id))
    with pytest.raises(NotFound):
        await node.run(lambda s: jobs.export_status(s, ben, now=node.now))
    again = await node.run(lambda s: jobs.request_export(s, node.site, ben, now=node.now))

    # A week later it is gone.
    later = node.now + jobs.KEPT_FOR
    assert await jobs.build_next(node.sessions, node.site, now=later) == 0
    with pytest.raises(NotFound):
        await node.run(lambda s: jobs.export_status(s, ben, now=later))


async def _many_posts(node: Node, viewer: Viewer, count: int) -> None:
    """``count`` posts by ``viewer`` in ``circle``, inserted at once (as years of writing)."""
    async with node.sessions.begin() as session:
        group_id = await session.scalar(
            update(Group).values(allow_anonymous_posts=False).returning(Group.id)
        )
        rows = []
        for n in range(count):
            public_id = new_public_id(node.now)
            rows.append(
                {
                    "public_id": public_id,
                    "uri": node.site.post_uri(public_id),
                    "local": True,
                    "author_id": viewer.actor_id,
                    "group_id": group_id,
                    "source": f"Post number {n}",
                    "content_html": f"<p>Post number {n}</p>",
                    "content_warning": "",
                    "topics": "",
                    "language": "en",
                    "published_at": node.now - timedelta(minutes=n),
                    "anonymous": False,
                }
            )
        await session.execute(insert(Post), rows)


def _count_post_reads(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    reads: list[int] = []
    engine = sessions.kw["bind"].sync_engine

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().startswith("SELECT posts.id, posts.public_id"):
            reads.append(1)

    return reads


async def test_a_large_account_is_built_in_the_background_a_batch_at_a_time(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    ben = await node.member("ben")
    await node.group(ben, "circle")
    await _many_posts(node, ben, 3_000)
    status = await node.run(lambda s: jobs.request_export(s, node.site, ben, now=node.now))
    assert status.state is ExportState.REQUESTED
    with pytest.raises(NotFound):  # nothing to download yet
        await download(node.sessions, ben, node.now)

    monkeypatch.setattr(records, "BATCH", 500)
    reads = _count_post_reads(node.sessions)
    assert await jobs.build_next(node.sessions, node.site, now=node.now) == 1
    # Read twice (the JSON, then the page), 500 rows a query.
    assert len(reads) == 2 * 7
    status = await node.run(lambda s: jobs.export_status(s, ben, now=node.now))
    assert status.state is ExportState.READY
    assert status.size > jobs.PART_BYTES // 20
    exported, page = archive_files(await download(node.sessions, ben, node.now))
    assert len(exported["posts"]) == 3_000
    assert page.count("<article>") == 3_000
    assert await jobs.build_next(node.sessions, node.site, now=node.now) == 0


async def test_an_archive_left_half_way_is_taken_up_again_after_its_lease(node: Node) -> None:
    ben = await node.member("ben")
    await node.group(ben, "circle")
    await _many_posts(node, ben, jobs.SMALL_ACCOUNT_ROWS)
    await node.run(lambda s: jobs.request_export(s, node.site, ben, now=node.now))
    # A worker claimed it, and stopped (a restart) before it was done.
    async with node.sessions.begin() as session:
        assert await jobs._claim(session, node.now) is not None

    assert await jobs.build_next(node.sessions, node.site, now=node.now) == 0
    later = node.now + jobs.LEASE + timedelta(seconds=1)
    assert await jobs.build_next(node.sessions, node.site, now=later) == 1
    status = await node.run(lambda s: jobs.export_status(s, ben, now=later))
    assert status.state is ExportState.READY
    exported, _page = archive_files(await download(node.sessions, ben, later))
    assert len(exported["posts"]) == jobs.SMALL_ACCOUNT_ROWS


async def test_a_build_that_keeps_failing_is_marked_failed(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    ben = await node.member("ben")
    await node.group(ben, "circle")
    await _many_posts(node, ben, jobs.SMALL_ACCOUNT_ROWS)
    await node.run(lambda s: jobs.request_export(s, node.site, ben, now=node.now))

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "write_archive", broken)
    when = node.now
    for _ in range(jobs.MAX_ATTEMPTS):
        assert await jobs.build_next(node.sessions, node.site, now=when) == 1
        when += jobs.RETRY_AFTER + timedelta(seconds=1)
    status = await node.run(lambda s: jobs.export_status(s, ben, now=when))
    assert status.state is ExportState.FAILED
    assert await jobs.build_next(node.sessions, node.site, now=when) == 0
