"""Deleting one's own account, on the pages and in the API: what the member reads before,
the password and the checkbox, the goodbye; the profile and actor answer 410 afterwards,
WebFinger too, and no one may register the name again."""

from __future__ import annotations

from federation.protocol.vocab import host_of
from node.crisis import editing
from tests.api_client import Api
from tests.conftest import Client
from tests.web import test_crisis_pages, test_moderation_pages
from tests.web.test_moderation_pages import World, post_form, sign_in
from tests.web.test_pages import page

# The moderation pages' world: olga's group "circle", mia's post in it, rita a member.
world = test_moderation_pages.world
D = "/settings/delete"
AS2 = {"Accept": "application/activity+json"}


async def test_the_page_says_what_goes_and_what_stays(client: Client, world: World) -> None:
    await sign_in(client, "mia")
    _, html = await page(client, "/settings")
    assert f'href="{D}"' in html
    status, html = await page(client, D)
    assert status == 200
    assert "Your name stays reserved" in html
    assert "we cannot force them" in html
    assert 'href="/settings/data"' in html


async def test_a_wrong_password_or_no_checkbox_keeps_the_account(
    client: Client, world: World
) -> None:
    await sign_in(client, "mia")
    status, _, html = await post_form(client, D, D, {"password": "not mine", "confirm": "yes"})
    assert status == 422
    assert "This is not your password." in html
    status, _, html = await post_form(client, D, D, {"password": "correct horse battery"})
    assert status == 422
    assert "Tick the box" in html
    status, _ = await page(client, "/members/mia")
    assert status == 200


async def test_the_member_leaves_and_is_gone(client: Client, world: World) -> None:
    await sign_in(client, "mia")
    form = {"password": "correct horse battery", "confirm": "yes"}
    status, location, _ = await post_form(client, D, D, form)
    assert (status, location) == (303, "/goodbye")
    status, html = await page(client, location)
    assert status == 200
    assert "Your account is deleted" in html
    assert "Take care of yourself" in html
    settings = await client.get("/settings", allow_redirects=False)  # signed out
    assert settings.status == 303
    assert settings.headers["Location"].startswith("/signin")

    status, html = await page(client, "/members/mia")
    assert status == 410
    assert "This account was deleted" in html
    response = await client.get("/members/mia", headers=AS2)
    assert response.status == 410
    tombstone = await response.json()
    assert tombstone["type"] == "Tombstone"
    assert tombstone["formerType"] == "Person"
    assert tombstone["id"].endswith("/members/mia")
    acct = f"acct:mia@{host_of(tombstone['id'])}"
    finger = await client.get("/.well-known/webfinger", params={"resource": acct})
    assert finger.status == 410

    _, html = await page(client, f"/posts/{world.post_id}")
    assert "fools" not in html


async def test_the_api_deletes_with_the_password_and_the_name_stays_taken(api: Api) -> None:
    ana = await api.register("ana")
    answer = await api.call(
        "POST", "/api/v1/accounts/me/deletion", as_=ana, json={"password": "nope"}
    )
    assert answer.expect(422)["errors"][0]["field"] == "password"
    answer = await api.call(
        "POST", "/api/v1/accounts/me/deletion", as_=ana, json={"password": "correct horse battery"}
    )
    assert answer.expect(202)["status"] == "deleted"
    (await api.call("GET", "/api/v1/accounts/me", as_=ana)).expect(401)
    assert (await api.call("GET", "/api/v1/members/ana")).status == 410
    for name in ("ana", "ANA"):
        answer = await api.call(
            "POST", "/api/v1/accounts", json={"username": name, "password": "another password"}
        )
        assert answer.expect(409)["code"] == "conflict"
    login = await api.call(
        "POST", "/api/v1/auth/token", json={"username": "ana", "password": "correct horse battery"}
    )
    login.expect(401)


async def test_the_api_documents_the_deletion(api: Api) -> None:
    document = (await api.call("GET", "/api/openapi.json")).expect(200)
    operation = document["paths"]["/api/v1/accounts/me/deletion"]["post"]
    assert "202" in operation["responses"]


async def test_the_goodbye_shows_where_to_find_help_when_the_node_has_it(
    client: Client, world: World
) -> None:
    await world.node.run(
        lambda s: editing.set_node_resources(s, world.admin, [test_crisis_pages.SAMARITANS])
    )
    await sign_in(client, "rita")
    form = {"password": "correct horse battery", "confirm": "yes"}
    _, location, _ = await post_form(client, D, D, form)
    status, html = await page(client, location)
    assert status == 200
    assert "If you need help now" in html
    assert "Samaritans" in html


async def test_a_groups_only_owner_is_asked_to_hand_it_on(client: Client, world: World) -> None:
    await sign_in(client, "olga")
    form = {"password": "correct horse battery", "confirm": "yes"}
    status, _, html = await post_form(client, D, D, form)
    assert status == 422
    assert "You are the only owner of circle." in html
