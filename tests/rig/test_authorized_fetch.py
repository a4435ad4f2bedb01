"""Authorized fetch: a node that asks for signed reads still federates."""

from __future__ import annotations

from typing import Any

from federation.signing import signatures
from tests.rig.rig import Rig, RigNode, keys_of

AS2 = {"Accept": "application/activity+json"}


async def _get(node: RigNode, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    assert node.client is not None
    async with node.client.get(path, headers=headers) as response:
        return response.status, await response.json(content_type=None) if (
            "json" in response.content_type
        ) else await response.text()


async def test_reads_need_a_signature_but_federation_goes_on(rig: Rig) -> None:
    a = await rig.add_node("alpha", authorized_fetch=True)
    b = await rig.add_node("beta")
    await a.member("ana")
    ben = await b.member("ben")

    status, problem = await _get(a, "/members/ana", AS2)
    assert (status, problem["code"]) == (401, "unsigned")
    assert (await _get(a, "/members/ana", {"Accept": "text/html"}))[0] == 200
    assert (await _get(a, "/actor", AS2))[0] == 200  # so that peers can check our signatures

    keys = await keys_of(b, "ben")
    signed = signatures.sign_request(
        "GET",
        f"{a.settings.base_url}/members/ana",
        dict(AS2),
        b"",
        key_id=keys.rsa_key_id,
        private_key=keys.rsa,
        now=rig.clock(),
    )
    del signed["Host"]
    status, person = await _get(a, "/members/ana", signed)
    assert (status, person["type"]) == (200, "Person")

    await b.api.call("POST", f"/api/v1/members/ana@{a.domain}/follow", as_=ben)
    await rig.settle()
    following = (await b.api.call("GET", "/api/v1/accounts/me/following", as_=ben)).expect(200)
    assert following["items"][0]["state"] == "accepted"
