"""Notifications through the JSON API: a member lists them grouped, newest first, a
page at a time, with where each leads; counts what is new (none in quiet hours, with
when they end); marks them read in the three ways; and sets their quiet hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from node.passwords import Passwords
from tests.api_client import Api
from tests.conftest import AiohttpClient
from tests.web.test_reports_api import circle, fields
from tests.web.test_sign_in_throttle import Clock
from web.app import create_app
from web.config import Settings

N = "/api/v1/notifications"


async def test_replies_are_listed_grouped_with_where_they_lead(api: Api) -> None:
    ana, ben, cat, _ = await circle(api)
    (await api.call("GET", N)).expect(401)
    mine = await api.post(ana, "circle", "A hard week", title="This week")
    await api.reply(ben, mine["id"], "I hear you")
    await api.reply(cat, mine["id"], "Me too")
    listed = (await api.call("GET", N, as_=ana)).expect(200)
    (entry,) = listed["items"]
    assert entry["kind"] == "reply"
    assert entry["count"] == 2
    assert entry["actor"] is None  # a group of things names no one
    assert entry["post"]["thread_title"] == "This week"
    assert entry["url"] == f"/posts/{mine['id']}"
    assert entry["read"] is False
    assert listed["next_cursor"] is None
    assert "I hear you" not in str(listed)
    unread = (await api.call("GET", N + "/unread", as_=ana)).expect(200)
    assert unread == {"count": 2, "quiet_until": None}


async def test_marking_read_in_three_ways(api: Api) -> None:
    ana, ben, _cat, _ = await circle(api)
    posts = [await api.post(ana, "circle", f"Post {n}", title=f"T{n}") for n in range(3)]
    for post in posts:
        await api.reply(ben, post["id"], "Yes")
    items = (await api.call("GET", N, as_=ana)).expect(200)["items"]
    assert len(items) == 3
    read = N + "/read"
    # Ids past the INTEGER column are no ids we gave out: refused, not a 500 from the
    # database (found by the API fuzz test on PostgreSQL).
    too_large = 2**31
    for bad in (
        {},
        {"all": True, "up_to": 1},
        {"ids": "1"},
        {"up_to": 0},
        {"up_to": too_large},
        {"ids": [too_large]},
        {"ids": [0]},
    ):
        (await api.call("POST", read, as_=ana, json=bad)).expect(422)
    done = await api.call("POST", read, as_=ana, json={"ids": [items[0]["id"]]})
    assert done.expect(200) == {"marked": 1}
    done = await api.call("POST", read, as_=ana, json={"up_to": items[2]["id"]})
    assert done.expect(200) == {"marked": 1}
    assert (await api.call("GET", N + "/unread", as_=ana)).expect(200)["count"] == 1
    done = await api.call("POST", read, as_=ana, json={"all": True})
    assert done.expect(200) == {"marked": 1}
    assert all(e["read"] for e in (await api.call("GET", N, as_=ana)).expect(200)["items"])


async def test_pages_with_a_cursor(api: Api) -> None:
    ana, ben, _cat, _ = await circle(api)
    for n in range(5):
        post = await api.post(ana, "circle", f"Post {n}", title=f"T{n}")
        await api.reply(ben, post["id"], "Yes")
    first = (await api.call("GET", N + "?limit=3", as_=ana)).expect(200)
    assert len(first["items"]) == 3
    rest = await api.call("GET", f"{N}?limit=3&cursor={first['next_cursor']}", as_=ana)
    second = rest.expect(200)
    assert second["next_cursor"] is None
    titles = [e["post"]["thread_title"] for e in first["items"] + second["items"]]
    assert titles == ["T4", "T3", "T2", "T1", "T0"]
    (await api.call("GET", N + "?cursor=nonsense", as_=ana)).expect(422)


async def test_settings_are_checked(api: Api) -> None:
    ana = await api.register("ana")
    path = N + "/settings"
    default = {"time_zone": "UTC", "quiet_start": None, "quiet_end": None}
    assert (await api.call("GET", path, as_=ana)).expect(200) == default
    chosen = {"time_zone": "Europe/Berlin", "quiet_start": "22:00", "quiet_end": "07:00"}
    assert (await api.call("PUT", path, as_=ana, json=chosen)).expect(200) == chosen
    assert (await api.call("GET", path, as_=ana)).expect(200) == chosen
    wrong = await api.call("PUT", path, as_=ana, json={**chosen, "time_zone": "Mars/Base"})
    assert fields(wrong.expect(422)) == {"time_zone"}
    (await api.call("PUT", path, as_=ana, json={**chosen, "quiet_end": "25:00"})).expect(422)
    (await api.call("PUT", path, as_=ana, json={**chosen, "quiet_end": None})).expect(422)
    assert (await api.call("GET", path, as_=ana)).expect(200) == chosen
    none = {"time_zone": "UTC", "quiet_start": None, "quiet_end": None}
    assert (await api.call("PUT", path, as_=ana, json=none)).expect(200) == none


async def test_quiet_hours_hold_what_is_new_until_they_end(
    settings: Settings, aiohttp_client: AiohttpClient, passwords: Passwords, now: datetime
) -> None:
    clock = Clock(now.replace(hour=12))  # 13:00 in Berlin, in November
    api = Api(await aiohttp_client(create_app(settings, passwords=passwords, clock=clock)))
    ana, ben, _cat, _ = await circle(api)
    window = {"time_zone": "Europe/Berlin", "quiet_start": "20:00", "quiet_end": "08:00"}
    (await api.call("PUT", N + "/settings", as_=ana, json=window)).expect(200)
    mine = await api.post(ana, "circle", "Evening thoughts")
    clock.now = now.replace(hour=21)  # 22:00 in Berlin
    await api.reply(ben, mine["id"], "Good night")
    quiet = (await api.call("GET", N + "/unread", as_=ana)).expect(200)
    assert quiet["count"] == 0
    assert quiet["quiet_until"] == "2026-11-22T07:00:00Z"  # 08:00 in Berlin
    assert (await api.call("GET", N, as_=ana)).expect(200)["items"] == []
    clock.now = now.replace(hour=7) + timedelta(days=1, minutes=1)  # 08:01 in Berlin
    after = (await api.call("GET", N + "/unread", as_=ana)).expect(200)
    assert after == {"count": 1, "quiet_until": None}
    (entry,) = (await api.call("GET", N, as_=ana)).expect(200)["items"]
    assert entry["actor"]["handle"] == "ben"


async def test_the_openapi_document_describes_them(api: Api) -> None:
    document = (await api.call("GET", "/api/openapi.json")).expect(200)
    for path in (N, N + "/unread", N + "/read", N + "/settings"):
        assert path in document["paths"]
    assert set(document["paths"][N + "/settings"]) == {"get", "put"}
