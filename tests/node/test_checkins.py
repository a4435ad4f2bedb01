"""A member checks in privately: they record how they are, read their own history, delete
a check-in; nobody else ever reads one (staff included), and nothing leaves the node.
Shared with a group they belong to, a check-in becomes a post there with its scale; crisis
words bring the crisis offer; the archive holds every check-in; deleting the account
deletes them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.account_deletion import deleting
from node.checkins import recording, sharing
from node.checkins.scale import share_text
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.export import jobs
from node.kinds import JoinPolicy, NodeRole
from node.passwords import Passwords
from node.posts import reading
from node.site import Site
from node.storage.models.checkins import CheckIn
from node.storage.models.data_exports import ExportState
from node.storage.models.events import Event
from node.views import Viewer
from tests.node.export_helpers import archive_files, download
from tests.node.factories import PASSWORD, Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def check_in(
    node: Node,
    viewer: Viewer,
    scale: int = 3,
    words: tuple[str, ...] = ("tired", "hopeful"),
    note: str = "",
    *,
    at: datetime | None = None,
) -> recording.Recorded:
    return await node.run(
        lambda s: recording.record_check_in(
            s, viewer, scale=scale, words=words, note=note, now=at or node.now
        )
    )


async def events(node: Node) -> int:
    return await node.run(lambda s: s.scalar(select(func.count()).select_from(Event))) or 0


async def test_a_member_records_reads_and_deletes_their_check_ins(node: Node) -> None:
    ana = await node.member("ana")
    before = await events(node)
    first = await check_in(node, ana, 2, ("tired",), "A long week.")
    second = await check_in(node, ana, 4, (" calm ", "", "calm"), at=node.now + timedelta(hours=1))
    assert first.check_in.words == ("tired",)
    assert first.check_in.note == "A long week."
    assert second.check_in.words == ("calm",)
    assert not first.crisis_prompt
    # Private: no event, so nothing is ever sent.
    assert await events(node) == before

    page = await node.run(lambda s: recording.list_check_ins(s, ana, limit=1))
    assert [c.public_id for c in page.items] == [second.check_in.public_id]
    assert page.next_cursor is not None
    rest = await node.run(lambda s: recording.list_check_ins(s, ana, cursor=page.next_cursor))
    assert [c.public_id for c in rest.items] == [first.check_in.public_id]
    assert rest.next_cursor is None

    points = await node.run(
        lambda s: recording.history(s, ana, days=30, now=node.now + timedelta(days=1))
    )
    assert [p.scale for p in points] == [2, 4]

    await node.run(lambda s: recording.delete_check_in(s, ana, first.check_in.public_id))
    with pytest.raises(NotFound):
        await node.run(lambda s: recording.get_check_in(s, ana, first.check_in.public_id))


async def test_the_chart_shows_only_the_chosen_days(node: Node) -> None:
    ana = await node.member("ana")
    await check_in(node, ana, 1, at=node.now - timedelta(days=60))
    await check_in(node, ana, 5)
    month = await node.run(lambda s: recording.history(s, ana, days=30, now=node.now))
    quarter = await node.run(lambda s: recording.history(s, ana, days=90, now=node.now))
    assert [p.scale for p in month] == [5]
    assert [p.scale for p in quarter] == [1, 5]
    with pytest.raises(InvalidInput):
        await node.run(lambda s: recording.history(s, ana, days=7, now=node.now))


async def test_what_a_check_in_takes(node: Node) -> None:
    ana = await node.member("ana")
    for scale, words, note in [
        (0, (), ""),
        (6, (), ""),
        (3, tuple(f"w{i}" for i in range(recording.WORDS_MAX + 1)), ""),
        (3, ("x" * (recording.WORD_MAX + 1),), ""),
        (3, (), "x" * (recording.NOTE_MAX + 1)),
    ]:
        with pytest.raises(InvalidInput):
            await check_in(node, ana, scale, words, note)


async def _refused_to(node: Node, other: Viewer, public_id: str) -> None:
    with pytest.raises(NotFound):
        await node.run(lambda s: recording.get_check_in(s, other, public_id))
    with pytest.raises(NotFound):
        await node.run(lambda s: recording.delete_check_in(s, other, public_id))
    with pytest.raises(NotFound):
        await node.run(
            lambda s: sharing.share_check_in(s, node.site, other, public_id, "x", now=node.now)
        )
    listed = await node.run(lambda s: recording.list_check_ins(s, other))
    assert listed.items == []


async def test_nobody_else_reads_a_check_in_not_even_an_admin(node: Node) -> None:
    ana = await node.member("ana")
    ben = await node.member("ben")
    admin = await node.member("ada", role=NodeRole.ADMIN)
    mine = (await check_in(node, ana)).check_in.public_id
    for other in (ben, admin):
        await _refused_to(node, other, mine)
    assert (await node.run(lambda s: recording.get_check_in(s, ana, mine))).public_id == mine


async def test_sharing_makes_a_post_in_the_group_with_its_scale(node: Node) -> None:
    ana = await node.member("ana")
    ben = await node.member("ben")
    await node.group(ana, "circle", join_policy=JoinPolicy.OPEN)
    await node.join(ben, "circle")
    recorded = await check_in(node, ben, 3, ("tired", "hopeful"), "Slept *badly*.")
    before = await events(node)
    shared = await node.run(
        lambda s: sharing.share_check_in(
            s, node.site, ben, recorded.check_in.public_id, "circle", now=node.now
        )
    )
    assert not shared.crisis_prompt
    # Shared: it goes out as any post does.
    assert await events(node) == before + 1
    post = await node.run(lambda s: reading.get_post(s, ana, shared.post.public_id))
    assert post.check_in_scale == 3
    assert "Check-in: okay — tired, hopeful" in post.content_html
    assert "Slept *badly*." in post.content_html  # plain text, not Markdown
    mine = await node.run(lambda s: recording.get_check_in(s, ben, recorded.check_in.public_id))
    assert mine.shared_post == shared.post.public_id
    assert mine.shared_group == f"circle@{node.site.domain}"
    with pytest.raises(Conflict):
        await node.run(
            lambda s: sharing.share_check_in(
                s, node.site, ben, recorded.check_in.public_id, "circle", now=node.now
            )
        )


async def test_a_member_cannot_share_in_a_group_they_are_not_in(node: Node) -> None:
    ana = await node.member("ana")
    ben = await node.member("ben")
    await node.group(ana, "circle", join_policy=JoinPolicy.OPEN)
    recorded = await check_in(node, ben)
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: sharing.share_check_in(
                s, node.site, ben, recorded.check_in.public_id, "circle", now=node.now
            )
        )
    mine = await node.run(lambda s: recording.get_check_in(s, ben, recorded.check_in.public_id))
    assert mine.shared_post is None


async def test_crisis_words_bring_the_crisis_offer(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "circle")
    recorded = await check_in(node, ana, 1, ("numb",), "I can't go on like this.")
    assert recorded.crisis_prompt
    shared = await node.run(
        lambda s: sharing.share_check_in(
            s, node.site, ana, recorded.check_in.public_id, "circle", now=node.now
        )
    )
    assert shared.crisis_prompt


def test_the_shared_text_reads_well_in_the_members_language() -> None:
    assert share_text(1, ("müde",), "", "de") == "Check\\-in: sehr schwer — müde"
    assert share_text(5, (), "", "fr") == "Check\\-in : très bien"
    assert share_text(3, ("a_b",), "one\ntwo\n\nthree", "en") == (
        "Check\\-in: okay — a\\_b\n\none\\\ntwo\n\nthree"
    )


async def test_the_archive_holds_every_check_in(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "circle")
    await check_in(node, ana, 2, ("tired",), "Only for me.")
    shared = await check_in(node, ana, 4, ("calm",))
    await node.run(
        lambda s: sharing.share_check_in(
            s, node.site, ana, shared.check_in.public_id, "circle", now=node.now
        )
    )
    status = await node.run(lambda s: jobs.request_export(s, node.site, ana, now=node.now))
    assert status.state is ExportState.READY
    data, page = archive_files(await download(node.sessions, ana, node.now, status.token))
    items = data["check_ins"]
    assert [(c["scale"], c["words"], c["note"]) for c in items] == [
        (2, ["tired"], "Only for me."),
        (4, ["calm"], ""),
    ]
    assert items[0]["scale_words"] == "low"
    assert items[0]["shared_as"] is None
    assert items[1]["shared_as"] is not None
    assert "Your check-ins" in page
    assert "Only for me." in page


async def test_deleting_the_account_deletes_the_check_ins(node: Node) -> None:
    ana = await node.member("ana")
    ben = await node.member("ben")
    await check_in(node, ana)
    await check_in(node, ben)
    await node.run(
        lambda s: deleting.delete_own_account(s, node.passwords, ana, PASSWORD, now=node.now)
    )
    owners = await node.run(lambda s: s.scalars(select(CheckIn.owner_id)))
    assert list(owners) == [ben.actor_id]
