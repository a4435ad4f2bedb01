"""A node that is down receives what it missed when it comes back, exactly once."""

from __future__ import annotations

from sqlalchemy import func, select

from federation.tables import InboxItem
from node.storage.models.posts import Post
from tests.rig.rig import Rig, count


async def test_a_node_that_was_down_catches_up_exactly_once(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    ana, ben = await a.member("ana"), await b.member("ben")
    await a.api.create_group(ana, "circle")
    await b.api.call("POST", f"/api/v1/members/ana@{a.domain}/follow", as_=ben)
    await rig.settle()

    await b.stop()
    thread = await a.api.post(ana, "circle", "Posted while beta was away")
    await rig.settle()  # the delivery fails and is scheduled again
    for _ in range(3):  # a longer outage: several failed attempts
        rig.clock.advance(minutes=10)
        await rig.settle()

    await b.start()
    rig.clock.advance(hours=1)
    await rig.settle()
    rig.clock.advance(hours=6)  # nothing more arrives later
    await rig.settle()

    uri = thread["uri"]
    assert await count(b, select(func.count()).select_from(Post).where(Post.uri == uri)) == 1
    creates = select(func.count()).select_from(InboxItem).where(InboxItem.payload.contains(uri))
    assert await count(b, creates) == 1
