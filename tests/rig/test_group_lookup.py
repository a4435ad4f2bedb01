"""Finding a group by handle or by URL, here or on another node, before joining it."""

from __future__ import annotations

from tests.rig.rig import Rig


async def test_a_group_elsewhere_is_found_by_url_or_handle_and_joined(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle", display_name="Grief circle")
    await b.api.create_group(bea, "nook")
    url = f"{a.settings.base_url}/groups/circle"

    for ref in (url, f"!circle@{a.domain}", f"@circle@{a.domain}", f"circle@{a.domain}"):
        found = await b.api.call("POST", "/api/v1/groups/lookup", as_=bea, json={"ref": ref})
        group = found.expect(200)
        acct = group["actor"]["acct"]
        assert (acct, group["display_name"]) == (f"circle@{a.domain}", "Grief circle"), ref
    # A handle or URL of this node finds the local group without leaving it.
    for ref in ("nook", f"!nook@{b.domain}", f"{b.settings.base_url}/groups/nook"):
        local = await b.api.call("POST", "/api/v1/groups/lookup", as_=bea, json={"ref": ref})
        assert local.expect(200)["actor"]["acct"] == f"nook@{b.domain}", ref

    joined = await b.api.call("POST", f"/api/v1/groups/{acct}/join", as_=bea)
    assert joined.expect(200)["state"] == "pending"
    await rig.settle()
    mine = await b.api.call("GET", f"/api/v1/groups/{acct}", as_=bea)
    assert mine.expect(200)["membership"]["state"] == "approved"


async def test_looking_up_what_is_not_a_group_says_why(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    await a.member("mo")
    bea = await b.member("bea")
    for ref, reason in (
        (f"{a.settings.base_url}/members/mo", "not a group"),
        (f"nobody@{a.domain}", "cannot find the group"),
        (f"{a.settings.base_url}/groups/none", "cannot find the group"),
    ):
        answer = await b.api.call("POST", "/api/v1/groups/lookup", as_=bea, json={"ref": ref})
        assert answer.status == 404, ref
        assert reason in answer.json["detail"], answer.json
    anonymous = await b.api.call("POST", "/api/v1/groups/lookup", json={"ref": "x@y.example"})
    assert anonymous.status == 401
    empty = await b.api.call("POST", "/api/v1/groups/lookup", as_=bea, json={"ref": ""})
    assert empty.status == 422
