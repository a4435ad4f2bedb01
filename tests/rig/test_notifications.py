"""Notifications across nodes: Ana on alpha writes in a group hosted on beta; when Bea
answers her there, or names her, Ana is told on alpha. Her quiet hours on alpha hold
what arrives in them, and show it once they end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api_client import Member
from tests.rig.rig import Rig, RigNode

N = "/api/v1/notifications"


async def _ana_writes_in_beta_circle(rig: Rig) -> tuple[RigNode, RigNode, Member, Member, str]:
    """Ana (alpha) joins Bea's circle on beta and starts a thread there; the id of the
    thread as beta knows it."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    ana, bea = await a.member("ana"), await b.member("bea")
    await b.api.create_group(bea, "circle")
    await a.api.join(ana, f"circle@{b.domain}")
    await rig.settle()
    (joined,) = await _listed(a, ana)  # the group's node let her in
    assert (joined["kind"], joined["group"]["acct"]) == ("join_approved", f"circle@{b.domain}")
    (await a.api.call("POST", N + "/read", as_=ana, json={"all": True})).expect(200)
    await a.api.post(ana, f"circle@{b.domain}", "Sundays are the hardest.", title="Sundays")
    await rig.settle()
    (thread,) = (await b.api.call("GET", "/api/v1/groups/circle/posts", as_=bea)).expect(200)[
        "items"
    ]
    return a, b, ana, bea, thread["id"]


async def _unread(node: RigNode, member: Member) -> Any:
    return (await node.api.call("GET", N + "/unread", as_=member)).expect(200)


async def _listed(node: RigNode, member: Member) -> list[Any]:
    return list((await node.api.call("GET", N, as_=member)).expect(200)["items"])


async def test_a_reply_elsewhere_reaches_the_author_at_home_after_her_quiet_hours(
    rig: Rig,
) -> None:
    a, b, ana, bea, thread = await _ana_writes_in_beta_circle(rig)
    await b.api.reply(bea, thread, "They are here too. You are not alone.")
    await rig.settle()
    assert (await _unread(a, ana))["count"] == 1
    entry, joined = await _listed(a, ana)
    assert joined["read"]
    assert (entry["kind"], entry["read"]) == ("reply", False)
    assert entry["actor"]["acct"] == f"bea@{b.domain}"
    assert entry["post"]["thread_title"] == "Sundays"
    assert "not alone" not in str(entry)
    (await a.api.call("POST", N + "/read", as_=ana, json={"all": True})).expect(200)
    # Bea has no notice of her own reply, on either node.
    assert await _listed(b, bea) == []

    # Quiet hours from an hour from now, for two hours, on Ana's clock (UTC here).
    start = (rig.clock() + timedelta(hours=1)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=2)
    window = {
        "time_zone": "UTC",
        "quiet_start": start.strftime("%H:%M"),
        "quiet_end": end.strftime("%H:%M"),
    }
    (await a.api.call("PUT", N + "/settings", as_=ana, json=window)).expect(200)
    rig.clock.advance(minutes=90)
    await b.api.reply(bea, thread, "Thinking of you tonight.")
    await rig.settle()
    quiet = await _unread(a, ana)
    assert quiet["count"] == 0
    assert quiet["quiet_until"] is not None
    assert all(entry["read"] for entry in await _listed(a, ana))

    rig.clock.advance(minutes=91)  # the window is over: what waited is new
    assert (await _unread(a, ana)) == {"count": 1, "quiet_until": None}
    newest = (await _listed(a, ana))[0]
    assert (newest["kind"], newest["read"]) == ("reply", False)


async def test_a_mention_elsewhere_reaches_the_member_named(rig: Rig) -> None:
    a, b, ana, bea, _thread = await _ana_writes_in_beta_circle(rig)
    await b.api.post(bea, "circle", f"Welcome, @ana@{a.domain}. Glad you are here.")
    await rig.settle()
    entry = (await _listed(a, ana))[0]
    assert (entry["kind"], entry["read"]) == ("mention", False)
    assert entry["actor"]["acct"] == f"bea@{b.domain}"
    assert entry["url"].startswith("/posts/")
