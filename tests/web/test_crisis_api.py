"""Crisis resources through the JSON API: admins edit the node's, group moderators their
group's, and anyone asks what they are shown."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.kinds import NodeRole
from tests.api_client import Api
from tests.web.test_reports_api import fields, make_role

NODE = "/api/v1/node/crisis-resources"
GROUP = "/api/v1/groups/circle/crisis-resources"
SHOWN = "/api/v1/crisis-resources"
SAMARITANS = {
    "name": "Samaritans",
    "kind": "phone",
    "value": "116 123",
    "country": "GB",
    "languages": ["en"],
    "hours": "24/7",
}
SEELSORGE = {
    "name": "TelefonSeelsorge",
    "kind": "phone",
    "value": "0800 111 0 111",
    "country": "DE",
    "languages": ["de"],
    "note": "Anonymous",
    "translations": [{"language": "de", "note": "Anonym"}],
}


def _names(items: list[Any]) -> list[str]:
    return [item["name"] for item in items]


async def test_admins_and_group_moderators_edit_and_anyone_reads(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ada, olga, mia = [await api.register(name) for name in ("ada", "olga", "mia")]
    await make_role(sessions, ada, NodeRole.ADMIN)
    await api.create_group(olga, "circle")
    await api.join(mia, "circle")
    body = {"resources": [SAMARITANS, SEELSORGE]}
    (await api.call("PUT", NODE, json=body)).expect(401)
    (await api.call("PUT", NODE, as_=mia, json=body)).expect(403)
    saved = (await api.call("PUT", NODE, as_=ada, json=body)).expect(200)["items"]
    assert [r["name"] for r in saved] == ["Samaritans", "TelefonSeelsorge"]
    assert saved[0]["href"] == "tel:116123"
    assert saved[1]["translations"] == [
        {"language": "de", "name": "", "hours": "", "note": "Anonym"}
    ]
    assert (await api.call("GET", NODE)).expect(200)["items"] == saved
    line = {"name": "Grief line", "kind": "chat", "value": "https://grief.example/chat"}
    (await api.call("PUT", GROUP, as_=mia, json={"resources": [line]})).expect(403)
    (await api.call("PUT", GROUP, as_=olga, json={"resources": [line]})).expect(200)
    assert [r["name"] for r in (await api.call("GET", GROUP)).expect(200)["items"]] == [
        "Grief line"
    ]
    shown = (await api.call("GET", SHOWN, params={"group": "circle"})).expect(200)["items"]
    assert [(r["name"], r["from_group"]) for r in shown] == [
        ("Grief line", True),
        ("Samaritans", False),
        ("TelefonSeelsorge", False),
    ]
    # In German, the German line first and its note in German.
    async with api.client.get(SHOWN, headers={"Accept-Language": "de"}) as response:
        items = (await response.json())["items"]
    assert [(r["name"], r["note"]) for r in items] == [
        ("TelefonSeelsorge", "Anonym"),
        ("Samaritans", ""),
    ]
    # A browser's region orders (never filters) when no language decides.
    async with api.client.get(SHOWN, headers={"Accept-Language": "it-DE"}) as response:
        items = (await response.json())["items"]
    assert _names(items) == ["TelefonSeelsorge", "Samaritans"]
    # A member who set their country is not shown another country's line.
    answer = await api.call("PATCH", "/api/v1/accounts/me", as_=mia, json={"crisis_country": "de"})
    assert answer.expect(200)["crisis_country"] == "DE"
    shown = (await api.call("GET", SHOWN, as_=mia)).expect(200)["items"]
    assert [r["name"] for r in shown] == ["TelefonSeelsorge"]
    (await api.call("GET", SHOWN, params={"group": "nowhere"})).expect(404)


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        ({**SAMARITANS, "value": "ring us"}, "resources[0].value"),
        ({**SAMARITANS, "kind": "web"}, "resources[0].value"),
        ({**SAMARITANS, "kind": "fax"}, "resources.0.kind"),
        ({**SAMARITANS, "country": "G1"}, "resources[0].country"),
        ({**SAMARITANS, "languages": ["English"]}, "resources[0].languages"),
        ({**SAMARITANS, "name": " "}, "resources[0].name"),
        ({**SAMARITANS, "name": "x" * 121}, "resources.0.name"),
    ],
)
async def test_bad_resources_are_422_naming_the_field(
    api: Api, sessions: async_sessionmaker[AsyncSession], resource: dict[str, Any], field: str
) -> None:
    ada = await api.register("ada")
    await make_role(sessions, ada, NodeRole.ADMIN)
    answer = (await api.call("PUT", NODE, as_=ada, json={"resources": [resource]})).expect(422)
    assert field in fields(answer)


async def test_a_member_country_is_two_letters(api: Api) -> None:
    mia = await api.register("mia")
    answer = await api.call("PATCH", "/api/v1/accounts/me", as_=mia, json={"crisis_country": "1x"})
    assert "crisis_country" in fields(answer.expect(422))
