"""Anonymous posts on the pages: the group's setting, the checkbox on the compose and
reply forms, how a thread names an anonymous writer, and banning one unseen."""

from __future__ import annotations

import re

from tests.api_client import Api, Member
from tests.conftest import Client
from web.pages.session import SESSION_COOKIE


async def _page(client: Client, member: Member | None, path: str) -> str:
    cookies = {} if member is None else {"Cookie": f"{SESSION_COOKIE}={member.token}"}
    async with client.get(path, headers={"Accept": "text/html", **cookies}) as response:
        assert response.status == 200, path
        return await response.text()


async def _form(
    client: Client, member: Member, page: str, path: str, fields: dict[str, str]
) -> tuple[int, str]:
    """POST a form of ``page`` (its CSRF token taken from it) as ``member``."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    cookies = {"Cookie": f"{SESSION_COOKIE}={member.token}"}
    data = {"csrf_token": token.group(1), **fields}
    async with client.post(path, data=data, headers=cookies, allow_redirects=False) as answer:
        return answer.status, answer.headers.get("Location", "") or await answer.text()


async def test_a_moderator_allows_anonymous_posts_and_members_post_so(
    client: Client, api: Api
) -> None:
    mo, ana, cy = await api.register("mo"), await api.register("ana"), await api.register("cy")
    await api.create_group(mo, "circle", display_name="Circle")
    await api.join(ana, "circle")
    await api.join(cy, "circle")
    # No choice offered until the moderators allow it; members see no setting.
    assert "Post anonymously" not in await _page(client, ana, "/groups/circle/compose")
    assert "Allow anonymous posts" not in await _page(client, ana, "/groups/circle")
    group_page = await _page(client, mo, "/groups/circle")
    status, where = await _form(
        client, mo, group_page, "/groups/circle/settings", {"allow_anonymous_posts": "on"}
    )
    assert (status, where) == (303, "/groups/circle?done=settings_saved")
    assert "The group&#39;s settings were saved." in await _page(client, mo, where)

    compose = await _page(client, ana, "/groups/circle/compose")
    assert "Post anonymously" in compose
    fields = {
        "title": "Nights",
        "body": "I cannot sleep",
        "content_warning": "",
        "language": "en",
        "anonymous": "yes",
    }
    status, thread_path = await _form(client, ana, compose, "/groups/circle/compose", fields)
    assert status == 303
    # Cy replies, then Ana answers anonymously from the reply form.
    thread = await _page(client, cy, thread_path)
    assert "Anonymous 1" in thread
    assert "ana" not in thread.lower().replace("anonymous", "")
    status, _ = await _form(
        client, cy, thread, f"{thread_path}/reply", {"body": "I am here", "content_warning": ""}
    )
    assert status == 303
    thread = await _page(client, ana, thread_path)
    assert "only you see that this is yours" in thread
    fields = {"body": "Thank you", "content_warning": "", "anonymous": "yes"}
    status, _ = await _form(client, ana, thread, f"{thread_path}/reply", fields)
    assert status == 303
    for viewer in (cy, None):
        seen = await _page(client, viewer, thread_path)
        assert seen.count("Anonymous 1") >= 2
        assert "/members/ana" not in seen
        assert "only you see that this is yours" not in seen
    listing = await _page(client, cy, "/groups/circle")
    assert "by Anonymous 1" in listing
    assert "/members/ana" not in listing

    # The moderator bans the writer from the thread page, unseen.
    thread = await _page(client, mo, thread_path)
    assert "Ban the writer of this anonymous post" in thread
    post_id = thread_path.rsplit("/", 1)[1]
    status, where = await _form(
        client,
        mo,
        thread,
        f"/moderation/posts/{post_id}/ban-writer",
        {"reason": "spam", "back": thread_path},
    )
    assert (status, where) == (303, f"{thread_path}?done=writer_banned")
    assert "can no longer post in this group" in await _page(client, mo, where)
    refused = await api.call(
        "POST", "/api/v1/groups/circle/posts", as_=ana, json={"body": "x", "title": "x"}
    )
    assert refused.status == 403


async def test_the_care_queue_names_no_anonymous_writer_and_offers_resources(
    client: Client, api: Api
) -> None:
    mo, ana, cy = await api.register("mo"), await api.register("ana"), await api.register("cy")
    await api.create_group(mo, "circle", display_name="Circle")
    settings = {"allow_anonymous_posts": True}
    await api.call("PATCH", "/api/v1/groups/circle/settings", as_=mo, json=settings)
    await api.join(ana, "circle")
    await api.join(cy, "circle")
    post = await api.post(ana, "circle", "Nothing helps", title="Tonight", anonymous=True)
    await api.call("POST", "/api/v1/care-reports", as_=cy, json={"post_id": post["id"]})

    queue = await _page(client, mo, "/moderation?tab=care")
    assert "Someone is worried about the anonymous writer of this post" in queue
    assert "@ana" not in queue
    assert "/users/ana" not in queue
    assert "/reach-out" not in queue  # reaching out in person would need a name
    assert "/share-resources" in queue
