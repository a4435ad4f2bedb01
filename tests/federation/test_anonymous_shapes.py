"""The shapes of anonymous posts sent to a Kinfolk group on another node, as a JSON-LD
peer reads them: every term defined, the token an id, different for every group."""

from __future__ import annotations

from federation.protocol import activities, anonymous_posts
from federation.protocol.vocab import ANONYMOUS_CONTEXT, with_context
from tests.api_client import Api
from tests.jsonld import expand, expand_all, undefined_terms

KINFOLK = "https://w3id.org/kinfolk/ns#"
CIRCLE = "https://other.example/groups/circle"


def test_a_writers_token_is_an_id_of_its_own_for_every_group() -> None:
    secret = b"\x01" * 32
    token = anonymous_posts.writer_token(secret, 7, CIRCLE)
    assert anonymous_posts.is_token(token)
    assert token == anonymous_posts.writer_token(secret, 7, CIRCLE)
    assert token != anonymous_posts.writer_token(secret, 7, "https://other.example/groups/vigil")
    assert token != anonymous_posts.writer_token(secret, 8, CIRCLE)
    assert token != anonymous_posts.writer_token(b"\x02" * 32, 7, CIRCLE)
    post = anonymous_posts.with_token(
        {"id": "https://kin.example/posts/1", "type": "Note", "attributedTo": CIRCLE}, token
    )
    create = activities.post_activity(
        "https://kin.example/activities/1",
        "Create",
        "https://kin.example/actor",
        post,
        group=CIRCLE,
        public=True,
    )
    ban = anonymous_posts.writer_ban(
        "https://other.example/activities/2", CIRCLE, token, "https://kin.example/actor"
    )
    undo = anonymous_posts.undo(
        "https://other.example/activities/3", CIRCLE, ban, "https://kin.example/actor"
    )
    for activity in (create, ban, undo):
        assert (
            undefined_terms(expand_all(with_context(activity, context=ANONYMOUS_CONTEXT))) == set()
        )
    read = expand(with_context(create, context=ANONYMOUS_CONTEXT))
    (note,) = read["https://www.w3.org/ns/activitystreams#object"]
    assert note[KINFOLK + "anonymousToken"] == [{"@id": token}]


async def test_a_group_says_it_takes_anonymous_posts(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    headers = {"Accept": "application/activity+json"}
    async with api.client.get("/groups/circle", headers=headers) as response:
        assert "anonymousPosts" not in await response.json(content_type=None)
    allow = {"allow_anonymous_posts": True}
    (await api.call("PATCH", "/api/v1/groups/circle/settings", as_=ana, json=allow)).expect(200)
    async with api.client.get("/groups/circle", headers=headers) as response:
        document = await response.json(content_type=None)
    assert undefined_terms(expand_all(document)) == set()
    assert expand(document)[KINFOLK + "anonymousPosts"] == [{"@value": True}]
