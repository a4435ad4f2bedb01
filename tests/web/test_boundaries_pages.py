"""Boundaries on the pages, as a browser without JavaScript meets them: choosing who may
ask, muting and blocking from a thread and from a profile, a blocked person's reply
kindly refused, node blocks, and undoing each from the boundaries page."""

from __future__ import annotations

from sqlalchemy import update

from node.storage.models.groups import Group
from tests.conftest import Client
from tests.web import test_moderation_pages
from tests.web.test_moderation_pages import World, post_form, sign_in
from tests.web.test_pages import page

# The moderation pages' world: olga's group "circle", mia's post in it, rita a member.
world = test_moderation_pages.world
B = "/settings/boundaries"


async def test_a_member_chooses_who_may_ask_them(client: Client, world: World) -> None:
    await sign_in(client, "rita")
    _, html = await page(client, "/settings")
    assert f'href="{B}"' in html
    status, html = await page(client, B)
    assert status == 200
    assert 'value="shared_groups" checked' in html
    assert "You have not muted anyone." in html
    status, location, _ = await post_form(client, B, B, {"contact_policy": "nobody"})
    assert (status, location) == (303, f"{B}?done=saved")
    _, html = await page(client, location)
    assert 'value="nobody" checked' in html
    assert "Your choice is saved." in html


async def test_muting_from_a_thread_hides_the_writer_there_and_is_undone_on_the_page(
    client: Client, world: World
) -> None:
    thread = f"/posts/{world.post_id}"
    await sign_in(client, "olga")
    _, html = await page(client, thread)
    assert "Mute or block" in html
    status, location, _ = await post_form(
        client, thread, f"{B}/mute", {"acct": "mia", "back": thread}
    )
    assert status == 303
    assert location == f"{thread}?done=muted"
    _, html = await page(client, "/groups/circle")
    assert thread not in html
    _, html = await page(client, location)
    assert "Muted." in html
    # Others still see it.
    await sign_in(client, "rita")
    _, html = await page(client, "/groups/circle")
    assert thread in html

    await sign_in(client, "olga")
    _, html = await page(client, B)
    assert "@mia" in html
    status, location, _ = await post_form(client, B, f"{B}/unmute", {"acct": "mia"})
    assert location == f"{B}?done=unmuted"
    _, html = await page(client, "/groups/circle")
    assert thread in html


async def test_a_blocked_person_is_kindly_refused_a_reply_to_the_blocker(
    client: Client, world: World
) -> None:
    await sign_in(client, "mia")
    status, location, _ = await post_form(client, "/members/rita", f"{B}/block", {"acct": "rita"})
    assert location == f"{B}?done=blocked"
    _, html = await page(client, "/members/rita")
    assert "Unblock" in html

    await sign_in(client, "rita")
    thread = f"/posts/{world.post_id}"
    status, _, html = await post_form(client, thread, f"{thread}/reply", {"body": "Hello"})
    assert status == 403
    assert "has chosen not to receive replies from you" in html
    assert "Hello" in html  # what she wrote is given back

    await sign_in(client, "mia")
    await post_form(client, B, f"{B}/unblock", {"acct": "rita"})
    await sign_in(client, "rita")
    status, _, _ = await post_form(client, thread, f"{thread}/reply", {"body": "Hello"})
    assert status == 303


async def test_a_node_is_blocked_and_unblocked_and_a_wrong_name_is_asked_again(
    client: Client, world: World
) -> None:
    await sign_in(client, "rita")
    status, _, html = await post_form(client, B, f"{B}/nodes/block", {"domain": "not a node"})
    assert status == 422
    assert "Write a node&#39;s name" in html or "Write a node's name" in html
    status, location, _ = await post_form(client, B, f"{B}/nodes/block", {"domain": "far.example"})
    assert location == f"{B}?done=node_blocked"
    _, html = await page(client, B)
    assert "far.example" in html
    await post_form(client, B, f"{B}/nodes/unblock", {"domain": "far.example"})
    _, html = await page(client, B)
    assert "You have not blocked any node." in html


async def test_the_buttons_are_for_signed_in_members_and_never_on_anonymous_posts(
    client: Client, world: World
) -> None:
    _, html = await page(client, f"/posts/{world.post_id}")
    assert "Mute or block" not in html
    _, html = await page(client, "/members/mia")
    assert f"{B}/block" not in html
    status, html = await page(client, B)
    assert status == 200
    assert 'action="/signin' in html  # followed to the sign-in page, which comes back here
    await sign_in(client, "olga")
    await world.node.run(lambda s: s.execute(update(Group).values(allow_anonymous_posts=True)))
    hidden = await world.node.post(world.member, "circle", "Unnamed", anonymous=True)
    _, html = await page(client, f"/posts/{hidden.public_id}")
    assert "Mute or block" not in html
