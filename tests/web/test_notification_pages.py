"""Notifications on the pages, as a browser without JavaScript meets them: the count in
the header, the list with its links and reasons, marking read, the calm empty state,
quiet hours that hold what is new, and their settings, in English and German."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from node.notifications import set_quiet_hours
from node.posts import removal
from node.storage.models.actors import Account
from tests.conftest import Client
from tests.web import test_moderation_pages
from tests.web.test_moderation_pages import World, post_form, sign_in
from tests.web.test_pages import page

# The moderation pages' world: olga's group "circle", mia's post in it, rita a member.
world = test_moderation_pages.world
N, S = "/notifications", "/settings/notifications"


async def _rita_replies(world: World) -> None:
    await world.node.reply(world.reporter, world.post_id, "Please be kind, @mia.")


async def test_the_header_counts_and_the_list_says_what_happened(
    client: Client, world: World
) -> None:
    await sign_in(client, "mia")
    _, html = await page(client, "/groups")
    assert f'href="{N}">Notifications</a>' in html
    _, html = await page(client, N)
    assert "Nothing here right now." in html
    await _rita_replies(world)
    _, html = await page(client, "/groups")
    assert "Notifications (1 new)" in html
    status, html = await page(client, N)
    assert status == 200
    assert "rita replied to your post in The Circle" in html
    assert f'href="/posts/{world.post_id}"' in html
    assert "Mark all as read" in html
    assert "Please be kind" not in html  # what was said is read where it was said
    status, location, _ = await post_form(client, N, f"{N}/read", {})
    assert (status, location) == (303, N)
    _, html = await page(client, N)
    assert "Notifications (1 new)" not in html
    assert "Mark all as read" not in html
    assert "rita replied to your post" in html


async def test_a_moderators_removal_comes_with_the_reason_and_is_marked_read_alone(
    client: Client, world: World
) -> None:
    await world.node.run(
        lambda s: removal.remove_post(
            s, world.owner, world.post_id, reason="Please keep it kind", now=world.node.now
        )
    )
    await sign_in(client, "mia")
    _, html = await page(client, N)
    assert "A moderator removed your post in The Circle." in html
    assert "Reason given: Please keep it kind" in html
    assert "olga" not in html.split("<main", 1)[1]
    entry_id = html.split('action="/notifications/', 2)[2].split("/read", 1)[0]
    status, location, _ = await post_form(client, N, f"{N}/{entry_id}/read", {})
    assert (status, location) == (303, N)
    _, html = await page(client, "/groups")
    assert "Notifications (1 new)" not in html


async def test_in_german(client: Client, world: World) -> None:
    await _rita_replies(world)
    await world.node.run(
        lambda s: s.execute(
            update(Account).where(Account.id == world.member.account_id).values(locale="de")
        )
    )
    await sign_in(client, "mia")
    _, html = await page(client, "/groups")
    assert "Benachrichtigungen (1 neu)" in html
    _, html = await page(client, N)
    assert "rita hat auf deinen Beitrag in The Circle geantwortet" in html
    assert "Alle als gelesen markieren" in html


async def test_quiet_hours_hold_what_is_new_until_they_end(client: Client, world: World) -> None:
    # A window around this very moment (the app's clock is the real one).
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start, end = (hour - timedelta(hours=1)).time(), (hour + timedelta(hours=2)).time()
    await world.node.run(
        lambda s: set_quiet_hours(s, world.member.account_id, time_zone="UTC", start=start, end=end)
    )
    await _rita_replies(world)  # made at the world's "now", before the window: listed
    await sign_in(client, "mia")
    _, html = await page(client, "/groups")
    assert "Notifications (1 new)" not in html
    _, html = await page(client, N)
    assert "Your quiet hours last until" in html
    assert "rita replied to your post" in html


async def test_settings_for_quiet_hours(client: Client, world: World) -> None:
    await sign_in(client, "mia")
    _, html = await page(client, "/settings")
    assert f'href="{S}"' in html
    status, html = await page(client, S)
    assert status == 200
    assert 'value="UTC"' in html
    assert '<option value="Europe/Berlin">' in html
    form = {"time_zone": "Europe/Berlin", "quiet_start": "22:00", "quiet_end": "07:00"}
    status, location, _ = await post_form(client, S, S, form)
    assert (status, location) == (303, f"{S}?done=saved")
    _, html = await page(client, location)
    assert "Your quiet hours are saved." in html
    assert 'value="Europe/Berlin"' in html
    assert 'value="22:00"' in html
    assert 'value="07:00"' in html
    status, _, html = await post_form(client, S, S, {**form, "time_zone": "Atlantis/Capital"})
    assert status == 422
    assert "Choose a time zone from the list" in html
    assert 'aria-invalid="true"' in html
    status, _, html = await post_form(client, S, S, {**form, "quiet_end": ""})
    assert status == 422
    assert "Give the quiet hours a start and an end" in html
    _, html = await page(client, S)
    assert 'value="22:00"' in html
