"""A shared check-in as other servers read it: a plain Note whose content says it all,
with ``kinfolk:checkIn`` carrying its scale for other Kinfolk nodes (every term defined
for a JSON-LD peer); what reaches us is read back, anything odd left out."""

from __future__ import annotations

from federation.protocol.post_readings import read_post
from federation.protocol.vocab import ACTIVITY_CONTEXT, CONTEXT, with_context
from tests.api_client import Api
from tests.jsonld import expand, expand_all, undefined_terms

KINFOLK = "https://w3id.org/kinfolk/ns#"
AP = {"Accept": "application/activity+json"}


async def test_a_shared_check_in_is_a_note_with_its_scale(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    body = {"scale": 3, "words": ["tired", "hopeful"], "note": "Slept badly."}
    recorded = (await api.call("POST", "/api/v1/checkins", as_=ana, json=body)).expect(201)
    share = {"group": "circle"}
    path = f"/api/v1/checkins/{recorded['id']}/share"
    post = (await api.call("POST", path, as_=ana, json=share)).expect(201)
    async with api.client.get(f"/posts/{post['id']}", headers=AP) as response:
        document = await response.json(content_type=None)
    assert document["type"] == "Note"
    assert "name" not in document
    assert document["checkIn"] == 3
    assert "Check-in: okay — tired, hopeful" in document["content"]
    assert "Slept badly." in document["content"]
    assert undefined_terms(expand_all(document)) == set()
    assert expand(document)[KINFOLK + "checkIn"] == [{"@value": 3}]
    # A private check-in is in no document the node serves.
    private = (await api.call("POST", "/api/v1/checkins", as_=ana, json={"scale": 1})).expect(201)
    async with api.client.get("/groups/circle/outbox?page=true", headers=AP) as response:
        assert private["id"] not in await response.text()


def test_the_scale_is_read_back_and_anything_odd_is_left_out() -> None:
    base = {
        "id": "https://kin.example/posts/1",
        "type": "Note",
        "attributedTo": "https://kin.example/users/ana",
        "content": "<p>Check-in: low</p>",
    }
    assert read_post({**base, "checkIn": 2}, "Note").check_in_scale == 2
    for odd in (0, 6, "3", True, None, 2.5, [3]):
        assert read_post({**base, "checkIn": odd}, "Note").check_in_scale is None
    for context in (CONTEXT, ACTIVITY_CONTEXT):
        assert (
            undefined_terms(expand_all(with_context({**base, "checkIn": 2}, context=context)))
            == set()
        )
