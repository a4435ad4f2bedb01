"""Care on the pages, as a browser without JavaScript meets them: "I'm worried" from a post
or a profile, the member's messages from their community, the calm care queue with its
collapsed posts and tab counts, and a moderator stepping back and coming back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Client
from tests.web import test_moderation_pages
from tests.web.test_moderation_pages import World, post_form, sign_in
from tests.web.test_pages import page

# The moderation pages' world: a group, a post in it, and a rule report about it.
world = test_moderation_pages.world


async def test_a_member_says_they_are_worried_and_the_author_reads_a_kind_message(
    client: Client, world: World
) -> None:
    await sign_in(client, "rita")
    status, html = await page(client, f"/posts/{world.post_id}")
    assert f'href="/posts/{world.post_id}/care"' in html
    status, html = await page(client, f"/posts/{world.post_id}/care")
    assert status == 200
    assert "This is not a complaint" in html
    assert "kind message from this node" in html  # told beforehand where it goes
    status, _, html = await post_form(
        client,
        f"/posts/{world.post_id}/care",
        f"/posts/{world.post_id}/care",
        {"reason": "She wrote she cannot sleep for weeks"},
    )
    assert status == 200
    assert "Thank you for caring" in html
    assert "does not say who you are" in html
    # Again while it is open: kindly refused.
    status, _, html = await post_form(
        client, f"/posts/{world.post_id}/care", f"/posts/{world.post_id}/care", {"reason": ""}
    )
    assert status == 409
    assert "You have told the moderators already" in html

    await sign_in(client, "mia")
    _, html = await page(client, "/groups")
    assert "Someone in your community is thinking of you." in html
    assert 'href="/care-messages"' in html
    _, html = await page(client, "/care-messages")
    assert "From The Circle" in html
    assert "rita" not in html
    assert "sleep" not in html
    assert "You are not in trouble" in html
    message_id = html.split('action="/care-messages/')[1].split("/read")[0]
    status, location, _ = await post_form(
        client, "/care-messages", f"/care-messages/{message_id}/read", {}
    )
    assert (status, location) == (303, "/care-messages")
    _, html = await page(client, "/groups")
    assert "thinking of you" not in html


async def test_a_member_is_worried_from_a_profile(client: Client, world: World) -> None:
    await sign_in(client, "rita")
    _, html = await page(client, "/members/mia")
    assert 'href="/members/mia/care"' in html
    status, _, html = await post_form(client, "/members/mia/care", "/members/mia/care", {})
    assert status == 200
    assert "Thank you for caring" in html


async def test_the_care_queue_has_no_removal_and_collapses_the_post(
    client: Client, world: World
) -> None:
    await sign_in(client, "rita")
    await post_form(
        client, f"/posts/{world.post_id}/care", f"/posts/{world.post_id}/care", {"reason": "Low"}
    )
    await sign_in(client, "olga")
    _, html = await page(client, "/moderation")
    assert 'Rule reports <span class="count">(1 waiting)</span>' in html
    assert 'Care reports <span class="count">(1 waiting)</span>' in html
    # The rule report's post is collapsed too, behind a <details>.
    assert '<details class="reported-post">' in html
    _, html = await page(client, "/moderation?tab=care")
    assert "Someone is worried about" in html
    assert "Low" in html  # what the reporter told the moderators
    assert "rita" not in html  # but never who, for a group's moderator
    assert "/remove" not in html
    assert '<details class="reported-post">' in html
    report_id = html.split('action="/moderation/reports/')[1].split("/reach-out")[0]
    status, location, _ = await post_form(
        client,
        "/moderation?tab=care",
        f"/moderation/reports/{report_id}/reach-out",
        {"back": "/moderation?tab=care"},
    )
    assert (status, location) == (303, "/moderation?tab=care&done=reaching_out")
    _, html = await page(client, location)
    assert "Reaching out" in html
    status, location, _ = await post_form(
        client,
        "/moderation?tab=care",
        f"/moderation/reports/{report_id}/share-resources",
        {"back": "/moderation?tab=care"},
    )
    assert location.endswith("done=resources_unread")  # her first message is unread
    status, location, _ = await post_form(
        client,
        "/moderation?tab=care",
        f"/moderation/reports/{report_id}/close",
        {"back": "/moderation?tab=care", "action": "close", "note": ""},
    )
    assert location.endswith("done=closed")
    _, html = await page(client, location)
    assert 'Care reports <span class="count">(0 waiting)</span>' in html


async def test_a_moderator_steps_back_and_comes_back(client: Client, world: World) -> None:
    await sign_in(client, "olga")  # the app's clock is the real one
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    status, location, _ = await post_form(
        client, "/moderation", "/moderation/step-back", {"until": tomorrow}
    )
    assert (status, location) == (303, "/moderation?done=stepped_back")
    _, html = await page(client, location)
    assert "You are stepping back" in html
    assert "Unkind words" not in html  # the queue is not theirs for now
    # Their co-workers (here the node's staff) see it, and still see the report.
    await sign_in(client, "ada")
    _, html = await page(client, "/moderation")
    assert "Stepping back for a while:" in html
    assert "olga" in html
    assert "Unkind words" in html
    await sign_in(client, "olga")
    status, location, _ = await post_form(client, "/moderation", "/moderation/come-back", {})
    assert location == "/moderation?done=came_back"
    _, html = await page(client, location)
    assert "Unkind words" in html
    # A day gone by is refused kindly.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    status, location, _ = await post_form(
        client, "/moderation", "/moderation/step-back", {"until": yesterday}
    )
    assert location.endswith("done=bad_day")
