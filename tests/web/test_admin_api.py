"""The admin API: suspending accounts, the node's moderation log, the federation policy and
whether NodeInfo publishes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import remote_members
from node.actors import upsert_remote_actor
from node.kinds import ActorKind, NodeRole
from node.storage.models.actors import Account, Actor
from node.storage.models.groups import Group, Membership
from tests.api_client import Api, Member
from tests.conftest import Client
from web.keys import FEDERATION

Sessions = async_sessionmaker[AsyncSession]
F = "/api/v1/admin/federation"


async def staff(api: Api, sessions: Sessions, username: str, role: NodeRole) -> Member:
    """A member made node staff (as ``kinfolk user create --admin`` would)."""
    member = await api.register(username)
    async with sessions.begin() as session:
        actor_ids = select(Actor.id).where(Actor.handle_key == username)
        await session.execute(
            update(Account).where(Account.actor_id.in_(actor_ids)).values(role=role)
        )
    return member


async def test_staff_suspend_an_account_and_lift_it(api: Api, sessions: Sessions) -> None:
    sam = await staff(api, sessions, "sam", NodeRole.MODERATOR)
    ana, bob = await api.register("ana"), await api.register("bob")
    await api.create_group(ana, "circle")
    await api.join(bob, "circle")
    await api.post(bob, "circle", "Buy my course", title="Offer")

    for who, status in ((None, 401), (ana, 403)):
        answer = await api.call("POST", "/api/v1/admin/accounts/bob/suspend", as_=who, json={})
        answer.expect(status)
    suspended = await api.call(
        "POST", "/api/v1/admin/accounts/bob/suspend", as_=sam, json={"reason": "selling"}
    )
    body = suspended.expect(200)
    assert (body["actor"]["acct"], body["suspended"], body["role"]) == (
        "bob@node.test",
        True,
        "member",
    )
    again = await api.call("POST", "/api/v1/admin/accounts/bob/suspend", as_=sam, json={})
    assert again.expect(409)["code"] == "conflict"

    refused = await api.call("GET", "/api/v1/accounts/me", as_=bob)  # an existing token
    assert refused.expect(403)["detail"] == "this account is suspended"
    login = {"username": "bob", "password": "correct horse battery"}
    assert (
        "suspended"
        in (await api.call("POST", "/api/v1/auth/token", json=login)).expect(403)["detail"]
    )
    assert await api.items(None, "/api/v1/groups/circle/posts") == []
    assert await api.items(ana, "/api/v1/groups/circle/posts") == []  # hidden like removed,
    whole = await api.items(ana, "/api/v1/groups/circle/posts?show_removed=true")
    assert [t["title"] for t in whole] == ["Offer"]  # but for moderators who ask
    profile = (await api.call("GET", "/api/v1/members/bob")).expect(200)
    assert (profile["suspended"], profile["bio"]) == (True, "")

    (await api.call("DELETE", "/api/v1/admin/accounts/bob/suspend", as_=sam)).expect(204)
    (await api.call("DELETE", "/api/v1/admin/accounts/bob/suspend", as_=sam)).expect(404)
    (await api.call("GET", "/api/v1/accounts/me", as_=bob)).expect(200)
    assert len(await api.items(None, "/api/v1/groups/circle/posts")) == 1

    log = (await api.call("GET", "/api/v1/admin/log", as_=sam, params={"limit": "1"})).expect(200)
    assert [(e["action"], e["moderator"]["acct"]) for e in log["items"]] == [
        ("unsuspend", "sam@node.test")
    ]
    rest = await api.call(
        "GET", "/api/v1/admin/log", as_=sam, params={"cursor": log["next_cursor"]}
    )
    assert [(e["action"], e["reason"], e["target"]) for e in rest.expect(200)["items"]] == [
        ("suspend", "selling", "http://node.test/members/bob")
    ]
    (await api.call("GET", "/api/v1/admin/log", as_=ana)).expect(403)


async def test_a_moderator_cannot_suspend_an_admin(api: Api, sessions: Sessions) -> None:
    sam = await staff(api, sessions, "sam", NodeRole.MODERATOR)
    await staff(api, sessions, "ada", NodeRole.ADMIN)
    answer = await api.call("POST", "/api/v1/admin/accounts/ada/suspend", as_=sam, json={})
    assert "only an admin" in answer.expect(403)["detail"]
    elsewhere = await api.call(
        "POST", "/api/v1/admin/accounts/pat@other.example/suspend", as_=sam, json={}
    )
    assert elsewhere.expect(422)["errors"][0]["field"] == "acct"


async def test_admins_set_the_federation_policy(
    api: Api, sessions: Sessions, client: Client, now: datetime
) -> None:
    ada = await staff(api, sessions, "ada", NodeRole.ADMIN)
    sam = await staff(api, sessions, "sam", NodeRole.MODERATOR)
    (await api.call("GET", F + "/mode", as_=sam)).expect(403)  # the policy is for admins
    (await api.call("PUT", F + "/rules/bad.example", as_=sam, json={})).expect(403)
    assert (await api.call("GET", F + "/mode", as_=ada)).expect(200) == {"mode": "blocklist"}
    bad_mode = await api.call("PUT", F + "/mode", as_=ada, json={"mode": "closed"})
    assert bad_mode.expect(422)["errors"][0]["field"] == "mode"

    # A member of bad.example in one of our groups: the suspension cuts the tie at once.
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    async with sessions.begin() as session:
        group_actor = await session.scalar(select(Actor).where(Actor.handle_key == "circle"))
        assert group_actor is not None
        group = await session.scalar(select(Group).where(Group.actor_id == group_actor.id))
        assert group is not None
        pat = await upsert_remote_actor(
            session,
            uri="https://bad.example/u/pat",
            kind=ActorKind.PERSON,
            handle="pat",
            domain="bad.example",
            display_name="Pat",
            summary="",
            now=now,
        )
        await remote_members.request_to_join(
            session, group_actor, group, pat, follow_uri="https://bad.example/f/1", now=now
        )
    cache = client.app[FEDERATION].policy
    assert await cache.refusal("bad.example") is None  # loaded before the change

    rule = {
        "severity": "suspend",
        "public_reason": "harassment",
        "private_reason": "ticket 7",
        "obfuscate": True,
        "allow": True,
    }
    stored = (await api.call("PUT", F + "/rules/Bad.Example", as_=ada, json=rule)).expect(200)
    assert stored == {
        "domain": "bad.example",
        "severity": "suspend",
        "reject_media": False,
        "reject_reports": False,
        "allow": True,
        "public_reason": "harassment",
        "private_reason": "ticket 7",
        "obfuscate": True,
        "trusted": False,
        "local": True,  # the admin's rule: no subscribed list changes it
        "lists": [],
    }
    assert await cache.refusal("bad.example") == "harassment"  # this process: at once
    async with sessions() as session:
        members = select(func.count()).select_from(Membership).where(Membership.member_id == pat.id)
        assert await session.scalar(members) == 0

    # PUT sets the whole rule: what it leaves out is off.
    limited = {"severity": "limit", "reject_media": True}
    replaced = (await api.call("PUT", F + "/rules/bad.example", as_=ada, json=limited)).expect(200)
    assert (replaced["severity"], replaced["allow"], replaced["public_reason"]) == (
        "limit",
        False,
        "",
    )
    for domain in ("*.wild.example", "127.0.0.1:8080"):
        (await api.call("PUT", F + f"/rules/{domain}", as_=ada, json={"allow": True})).expect(200)
    bad = await api.call("PUT", F + "/rules/not a domain", as_=ada, json={})
    assert bad.expect(422)["errors"][0]["field"] == "domain"

    first = (await api.call("GET", F + "/rules", as_=ada, params={"limit": "2"})).expect(200)
    assert [r["domain"] for r in first["items"]] == ["*.wild.example", "127.0.0.1:8080"]
    rest = await api.call("GET", F + "/rules", as_=ada, params={"cursor": first["next_cursor"]})
    assert [r["domain"] for r in rest.expect(200)["items"]] == ["bad.example"]

    (await api.call("DELETE", F + "/rules/bad.example", as_=ada)).expect(204)
    (await api.call("DELETE", F + "/rules/bad.example", as_=ada)).expect(404)
    assert (await api.call("PUT", F + "/mode", as_=ada, json={"mode": "allowlist"})).expect(
        200
    ) == {"mode": "allowlist"}
    assert await cache.refusal("other.example") is not None


async def nodeinfo(client: Client) -> dict[str, Any]:
    async with client.get("/nodeinfo/2.1") as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body


async def test_nodeinfo_publishes_the_policy_only_when_the_admin_chooses(
    api: Api, sessions: Sessions, client: Client
) -> None:
    ada = await staff(api, sessions, "ada", NodeRole.ADMIN)
    rules: dict[str, dict[str, Any]] = {
        "bad.example": {
            "severity": "suspend",
            "public_reason": "harassment",
            "private_reason": "ticket 7",
        },
        "secret-place.example": {"severity": "suspend", "obfuscate": True},
        "loud.example": {"severity": "limit", "reject_media": True, "public_reason": "spam"},
        "friend.example": {"allow": True},
    }
    for domain, rule in rules.items():
        (await api.call("PUT", F + f"/rules/{domain}", as_=ada, json=rule)).expect(200)
    assert "federation" not in (await nodeinfo(client))["metadata"]  # off by default
    assert (await api.call("GET", F + "/publish", as_=ada)).expect(200) == {"publish": False}

    on = await api.call("PUT", F + "/publish", as_=ada, json={"publish": True})
    assert on.expect(200) == {"publish": True}
    client.app[FEDERATION].policy.invalidate()  # as it will be within seconds
    federation = (await nodeinfo(client))["metadata"]["federation"]
    assert federation["mode"] == "blocklist"
    assert [(b["domain"], b["reason"]) for b in federation["blocked"]] == [
        ("bad.example", "harassment"),
        ("secret******.**ample", ""),
    ]
    assert [(b["domain"], b["reason"]) for b in federation["limited"]] == [("loud.example", "spam")]
    assert federation["mrf_simple"] == {
        "reject": ["bad.example", "secret******.**ample"],
        "federated_timeline_removal": ["loud.example"],
        "media_removal": ["loud.example"],
        "report_removal": [],
    }
    assert federation["mrf_simple_info"] == {
        "reject": {"bad.example": {"reason": "harassment"}},
        "federated_timeline_removal": {"loud.example": {"reason": "spam"}},
        "media_removal": {"loud.example": {"reason": "spam"}},
    }
    text = str(federation)
    assert "ticket 7" not in text
    assert "friend.example" not in text
    assert "secret-place" not in text

    (await api.call("PUT", F + "/publish", as_=ada, json={"publish": False})).expect(200)
    assert "federation" not in (await nodeinfo(client))["metadata"]
