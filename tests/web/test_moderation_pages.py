"""The moderation and admin pages, as a browser without JavaScript meets them: the queue
(reports, requests to join, held posts), the logs, the node's settings and the
federation policy. The same refusals as the API, every form CSRF-checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import group_settings, held_posts
from node.federation_policy import storage
from node.federation_policy.decision import Severity
from node.groups import membership
from node.kinds import JoinPolicy, MembershipState, NodeRole, ReportState, Visibility
from node.passwords import Passwords
from node.reports import filing, report_queue
from node.site import Site
from node.storage.models.actors import Account
from node.views import Viewer
from tests.conftest import Client
from tests.node.factories import PASSWORD, Node
from tests.web.test_pages import HTML, csrf_of, page


@dataclass(frozen=True)
class World:
    node: Node
    admin: Viewer
    staff: Viewer
    owner: Viewer
    member: Viewer
    reporter: Viewer
    post_id: str
    report_id: str


@pytest.fixture
async def world(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> World:
    node = Node(sessions, site, passwords, now)
    admin = await node.member("ada", role=NodeRole.ADMIN)
    staff = await node.member("nodemod", role=NodeRole.MODERATOR)
    owner = await node.member("olga")
    member = await node.member("mia")
    reporter = await node.member("rita")
    await node.group(owner, "circle", display_name="The Circle")
    await node.join(member, "circle")
    await node.join(reporter, "circle")
    post = await node.post(member, "circle", "You are all <b>fools</b>")
    report = await node.run(
        lambda s: filing.file_report(
            s, site, reporter, post_id=post.public_id, reason="Unkind words", now=now
        )
    )
    return World(node, admin, staff, owner, member, reporter, post.public_id, report.public_id)


async def sign_in(client: Client, handle: str) -> None:
    client.session.cookie_jar.clear()
    _, html = await page(client, "/signin")
    response = await client.post(
        "/signin",
        data={"csrf_token": csrf_of(html), "username": handle, "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()


async def post_form(
    client: Client, from_page: str, action: str, form: dict[str, str], **headers: str
) -> tuple[int, str, str]:
    """Send a form of ``from_page`` (with its token): status, Location, body."""
    _, html = await page(client, from_page, **headers)
    response = await client.post(
        action,
        data={"csrf_token": csrf_of(html), **form},
        headers={**HTML, **headers},
        allow_redirects=False,
    )
    return response.status, response.headers.get("Location", ""), await response.text()


async def test_members_and_node_moderators_are_refused_where_it_is_not_theirs(
    client: Client, world: World
) -> None:
    await sign_in(client, "mia")
    for path in ("/moderation", "/admin", "/admin/federation", "/admin/log"):
        status, html = await page(client, path)
        assert status == 403, path
        assert "You are not allowed to do this." in html
    # The header shows no staff links to a member.
    _, html = await page(client, "/")
    assert 'href="/moderation"' not in html
    await sign_in(client, "nodemod")
    status, _ = await page(client, "/moderation")
    assert status == 200
    status, _ = await page(client, "/admin/log")
    assert status == 200
    for path in ("/admin", "/admin/federation", "/admin/federation/export.csv"):
        status, html = await page(client, path)
        assert status == 403, path
        assert "You are not allowed to do this." in html
    _, html = await page(client, "/")
    assert 'href="/moderation"' in html
    assert 'href="/admin"' not in html
    # Signed out: the sign-in page, which comes back here.
    client.session.cookie_jar.clear()
    response = await client.get("/moderation", headers=HTML, allow_redirects=False)
    assert response.status == 303
    assert unquote(response.headers["Location"]) == "/signin?next=/moderation"


async def test_a_group_moderator_removes_the_reported_post_then_resolves(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, "olga")
    status, html = await page(client, "/moderation")
    assert status == 200
    assert "Unkind words" in html
    assert "You are all <b>fools</b>" not in html  # sanitised: never raw markup
    assert "The Circle" in html
    assert "rita" not in html  # who reported is for node staff alone
    assert f'action="/moderation/posts/{world.post_id}/remove"' in html

    status, location, _ = await post_form(
        client,
        "/moderation",
        f"/moderation/posts/{world.post_id}/remove",
        {"reason": "Insults", "back": "/moderation"},
    )
    assert (status, location) == (303, "/moderation?done=removed")
    _, html = await page(client, location)
    assert 'role="status"><p>The post was removed.</p>' in html
    assert "The post (removed: only moderators see it)" in html
    assert f'action="/moderation/posts/{world.post_id}/remove"' not in html

    status, location, _ = await post_form(
        client,
        "/moderation",
        f"/moderation/reports/{world.report_id}/close",
        {"note": "Removed it", "action": "resolve", "back": "/moderation"},
    )
    assert (status, location) == (303, "/moderation?done=resolved")
    _, html = await page(client, location)
    assert "The report was resolved." in html
    assert "No reports here." in html
    _, html = await page(client, "/moderation?state=resolved")
    assert "Removed it" in html
    # The group's log says what was done, to anyone (a public group).
    client.session.cookie_jar.clear()
    status, html = await page(client, "/groups/circle/modlog")
    assert status == 200
    assert "Removed a post" in html
    assert "Insults" in html
    assert "Resolved a report" in html
    assert "@olga@" in html
    async with sessions.begin() as session:
        view = await report_queue.get_report(session, world.owner, world.report_id)
    assert view.state is ReportState.RESOLVED


async def test_a_report_is_dismissed_with_a_note_and_twice_is_already_done(
    client: Client, world: World
) -> None:
    await sign_in(client, "nodemod")
    _, html = await page(client, "/moderation")
    assert "rita" in html  # node staff see who reported
    form = {"note": "Not a breach", "action": "dismiss", "back": "/moderation?state=open"}
    status, location, _ = await post_form(
        client, "/moderation", f"/moderation/reports/{world.report_id}/close", form
    )
    assert (status, location) == (303, "/moderation?state=open&done=dismissed")
    status, location, _ = await post_form(
        client, "/moderation", f"/moderation/reports/{world.report_id}/close", form
    )
    assert location == "/moderation?state=open&done=already"
    _, html = await page(client, "/moderation?state=dismissed")
    assert "Not a breach" in html
    # A report of no group here is logged in the node's log; this one went to the group's.
    _, html = await page(client, "/groups/circle/modlog")
    assert "Dismissed a report" in html


async def test_a_held_post_is_approved(
    client: Client, world: World, site: Site, now: datetime
) -> None:
    node = world.node
    await node.run(
        lambda s: group_settings.update_settings(
            s, site, world.owner, "circle", hold_new_members_posts=True, now=now
        )
    )
    newcomer = await node.member("nina")
    await node.join(newcomer, "circle")
    held = await node.post(newcomer, "circle", "My first words here")
    await sign_in(client, "olga")
    _, html = await page(client, "/moderation?tab=held")
    assert "My first words here" in html
    back = "/moderation?tab=held"
    status, location, _ = await post_form(
        client, back, f"/moderation/posts/{held.public_id}/approve", {"back": back}
    )
    assert (status, location) == (303, "/moderation?tab=held&done=post_approved")
    _, html = await page(client, location)
    assert "The post was approved and is now shared." in html
    assert "No post is waiting." in html
    waiting = await node.run(lambda s: held_posts.list_held(s, site, world.owner, "circle"))
    assert waiting.items == []
    # Turning one down.
    second = await node.member("noah")
    await node.join(second, "circle")
    other = await node.post(second, "circle", "Buy my pills")
    status, location, _ = await post_form(
        client,
        back,
        f"/moderation/posts/{other.public_id}/reject",
        {"reason": "Spam", "back": back},
    )
    assert location == "/moderation?tab=held&done=post_rejected"
    _, html = await page(client, "/groups/circle/modlog")
    assert "Approved a held post" in html
    assert "Turned down a held post" in html


async def test_the_header_links_the_queue_for_group_moderators_and_node_staff(
    client: Client, world: World
) -> None:
    # olga moderates a group and is no node staff; mia and rita moderate nothing.
    for handle, linked in (("olga", True), ("mia", False), ("nodemod", True), ("ada", True)):
        await sign_in(client, handle)
        _, html = await page(client, "/groups")
        assert ('href="/moderation"' in html) is linked, handle
        assert ('href="/admin"' in html) is (handle == "ada"), handle
    client.session.cookie_jar.clear()
    _, html = await page(client, "/groups")
    assert 'href="/moderation"' not in html
    # A member whose own group is the only one they moderate gets the link with it.
    await world.node.group(world.member, "mias-circle")
    await sign_in(client, "mia")
    _, html = await page(client, "/moderation")
    assert 'href="/moderation" aria-current="page"' in html


async def test_node_staff_see_and_approve_held_posts_of_groups_they_do_not_moderate(
    client: Client, world: World, site: Site, now: datetime
) -> None:
    node = world.node
    await node.group(world.owner, "hidden", visibility=Visibility.PRIVATE)
    for group in ("circle", "hidden"):
        async with node.sessions.begin() as session:
            await group_settings.update_settings(
                session, site, world.owner, group, hold_new_members_posts=True, now=now
            )
    newcomer = await node.member("nina")
    await node.join(newcomer, "circle")
    await node.join(newcomer, "hidden")
    held = await node.post(newcomer, "circle", "My first words here")
    secret = await node.post(newcomer, "hidden", "Words for members only")

    await sign_in(client, "nodemod")
    back = "/moderation?tab=held"
    _, html = await page(client, back)
    assert "As node staff, you also see the held posts" in html
    assert "My first words here" in html
    assert f'action="/moderation/posts/{held.public_id}/approve"' in html
    # A private group's posts are for its members: the domain refuses staff who are not
    # (posts.load_post), so the queue does not offer them.
    assert "Words for members only" not in html
    status, _, _ = await post_form(
        client, back, f"/moderation/posts/{secret.public_id}/approve", {"back": back}
    )
    assert status == 404

    status, location, _ = await post_form(
        client, back, f"/moderation/posts/{held.public_id}/approve", {"back": back}
    )
    assert (status, location) == (303, "/moderation?tab=held&done=post_approved")
    _, html = await page(client, location)
    assert "The post was approved and is now shared." in html
    assert "My first words here" not in html
    assert "No post is waiting." in html
    waiting = await node.run(lambda s: held_posts.list_held(s, site, world.owner, "circle"))
    assert waiting.items == []
    # A member moderating nothing still sees no held posts, and no queue.
    assert await node.run(lambda s: held_posts.groups_with_held(s, world.member)) == []
    # Staff who belong to the private group see its held post too.
    await node.join(world.staff, "hidden")
    _, html = await page(client, back)
    assert "Words for members only" in html


async def test_a_request_to_join_is_approved_and_one_turned_down(
    client: Client, world: World, site: Site
) -> None:
    node = world.node
    await node.group(world.owner, "quiet", join_policy=JoinPolicy.APPROVAL)
    pia, paul = await node.member("pia"), await node.member("paul")
    await node.join(pia, "quiet")
    await node.join(paul, "quiet")
    await sign_in(client, "olga")
    back = "/moderation?tab=joins"
    _, html = await page(client, back)
    assert "@pia@" in html
    assert "@paul@" in html
    status, location, _ = await post_form(
        client, back, "/moderation/groups/quiet/members/pia/approve", {"back": back}
    )
    assert (status, location) == (303, "/moderation?tab=joins&done=member_approved")
    status, location, _ = await post_form(
        client, back, "/moderation/groups/quiet/members/paul/reject", {"back": back}
    )
    assert location == "/moderation?tab=joins&done=member_rejected"
    members = await node.run(lambda s: membership.list_members(s, site, world.owner, "quiet"))
    assert {m.member.handle for m in members.items} == {"olga", "pia"}
    pending = await node.run(
        lambda s: membership.list_members(
            s, site, world.owner, "quiet", state=MembershipState.PENDING
        )
    )
    assert pending.items == []
    # Someone who moderates nothing there is refused, as by the API.
    await sign_in(client, "nodemod")
    status, _, _ = await post_form(
        client, "/moderation", "/moderation/groups/quiet/members/pia/approve", {}
    )
    assert status == 403


async def test_reports_come_a_page_at_a_time(client: Client, world: World) -> None:
    node = world.node
    for index in range(20):
        post = await node.post(world.member, "circle", f"Post number {index}")
        async with node.sessions.begin() as session:
            await filing.file_report(
                session,
                node.site,
                world.reporter,
                post_id=post.public_id,
                reason=f"why {index}",
                now=node.now,
            )
    await sign_in(client, "olga")
    _, html = await page(client, "/moderation")
    assert html.count('class="queue-item"') == 20
    assert 'rel="next"' in html
    start = html.index('<p class="pager"><a href="') + len('<p class="pager"><a href="')
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    _, html = await page(client, link)
    assert html.count('class="queue-item"') == 1
    assert "Unkind words" in html
    status, _ = await page(client, "/moderation?cursor=not-ours")
    assert status == 404


async def test_the_admin_sets_what_the_start_page_says(client: Client, world: World) -> None:
    await sign_in(client, "ada")
    description = "We are a circle of carers.\n\nWe meet <online>."
    status, location, _ = await post_form(
        client, "/admin", "/admin/site", {"description": description}
    )
    assert (status, location) == (303, "/admin?done=site_saved")
    _, html = await page(client, location)
    assert "The start page was updated." in html
    assert 'href="/admin/crisis"' in html
    # The crisis resources have their own editor (tests/web/test_crisis_pages.py).
    status, location, _ = await post_form(
        client,
        "/admin/crisis",
        "/admin/crisis",
        {
            "name_0": "Samaritans",
            "kind_0": "phone",
            "value_0": "116 123",
            "name_1": "Crisis text",
            "kind_1": "web",
            "value_1": "https://help.example/chat",
        },
    )
    assert (status, location) == (303, "/admin/crisis?done=crisis_saved")
    client.session.cookie_jar.clear()
    _, html = await page(client, "/")
    assert '<p class="site-description">We are a circle of carers.</p>' in html
    assert "We meet &lt;online&gt;." in html
    assert '<a href="tel:116123">116 123</a>' in html
    assert '<a href="https://help.example/chat">https://help.example/chat</a>' in html
    # Too long: said beside the field, and nothing is lost.
    await sign_in(client, "ada")
    status, _, html = await post_form(client, "/admin", "/admin/site", {"description": "x" * 2001})
    assert status == 422
    assert 'aria-invalid="true"' in html
    assert "Use at most 2000 characters." in html


async def test_the_admin_edits_the_node_rules(client: Client, world: World) -> None:
    await sign_in(client, "ada")
    status, location, _ = await post_form(
        client,
        "/admin",
        "/admin/rules",
        {"id_0": "", "title_0": "Be gentle", "description_0": "Always"},
    )
    assert (status, location) == (303, "/admin?done=rules_saved")
    _, html = await page(client, "/admin")
    assert 'value="Be gentle"' in html
    rule_id = html.split('name="id_0" value="')[1].split('"')[0]
    assert rule_id.isdigit()
    await post_form(
        client,
        "/admin",
        "/admin/rules",
        {
            "id_0": rule_id,
            "title_0": "Be kind",
            "description_0": "",
            "id_1": "",
            "title_1": "Keep it here",
            "description_1": "",
        },
    )
    _, html = await page(client, "/")
    assert "Be kind" in html
    assert "Keep it here" in html
    assert "Be gentle" not in html
    # Emptying a rule deletes it.
    await post_form(
        client,
        "/admin",
        "/admin/rules",
        {
            "id_0": rule_id,
            "title_0": "",
            "description_0": "",
            "id_1": "",
            "title_1": "Keep it here",
        },
    )
    _, html = await page(client, "/")
    assert "Be kind" not in html
    assert "Keep it here" in html
    status, _, html = await post_form(
        client, "/admin", "/admin/rules", {"title_0": "", "description_0": "No title"}
    )
    assert status == 422
    assert "A rule needs a title." in html


async def test_the_admin_suspends_an_account_and_the_node_log_says_so(
    client: Client, world: World
) -> None:
    await sign_in(client, "ada")
    status, location, _ = await post_form(
        client,
        "/admin",
        "/admin/suspend",
        {"acct": "@mia", "reason": "Threats", "action": "suspend"},
    )
    assert (status, location) == (303, "/admin?done=suspended")
    status, _, html = await post_form(
        client, "/admin", "/admin/suspend", {"acct": "nobody", "reason": "", "action": "suspend"}
    )
    assert status == 422
    assert "There is no account with this name on this node." in html
    _, html = await page(client, "/admin/log")
    assert "Suspended an account" in html
    assert "Threats" in html
    assert "@mia@" in html
    status, location, _ = await post_form(
        client, "/admin", "/admin/suspend", {"acct": "mia", "reason": "", "action": "unsuspend"}
    )
    assert location == "/admin?done=unsuspended"


async def test_a_group_that_hides_its_moderators_says_a_moderator(
    client: Client, world: World, site: Site, now: datetime
) -> None:
    await world.node.run(
        lambda s: group_settings.update_settings(
            s, site, world.owner, "circle", hide_moderator_names=True, now=now
        )
    )
    await sign_in(client, "olga")
    await post_form(
        client,
        "/moderation",
        f"/moderation/posts/{world.post_id}/remove",
        {"reason": "Insults", "back": "/moderation"},
    )
    client.session.cookie_jar.clear()
    _, html = await page(client, "/groups/circle/modlog")
    assert "a moderator" in html
    assert "@olga@" not in html
    await sign_in(client, "olga")
    _, html = await page(client, "/groups/circle/modlog")
    assert "@olga@" in html
    status, _ = await page(client, "/groups/nowhere/modlog")
    assert status == 404


async def test_the_admin_sets_the_federation_policy(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, "ada")
    status, html = await page(client, "/admin/federation")
    assert status == 200
    assert 'value="blocklist" checked' in html
    status, location, _ = await post_form(
        client,
        "/admin/federation",
        "/admin/federation/rules",
        {
            "domain": "Bad.Example",
            "severity": "suspend",
            "reject_reports": "on",
            "public_reason": "Harassment",
            "private_reason": "ticket 12",
        },
    )
    assert (status, location) == (303, "/admin/federation?done=rule_saved")
    _, html = await page(client, location)
    assert "The domain rule was saved." in html
    assert '<th scope="row">bad.example</th>' in html
    assert "Harassment" in html
    assert "ticket 12" in html
    async with sessions.begin() as session:
        rule = (await storage.load_policy(session)).rules["bad.example"]
    assert rule.severity is Severity.SUSPEND
    assert rule.reject_reports
    # Change it, through its "Change" link's form.
    _, html = await page(client, "/admin/federation?edit=bad.example")
    assert 'value="bad.example"' in html
    assert 'value="suspend" checked' in html
    await post_form(
        client,
        "/admin/federation",
        "/admin/federation/rules",
        {"domain": "bad.example", "severity": "limit", "public_reason": "Loud"},
    )
    async with sessions.begin() as session:
        rule = (await storage.load_policy(session)).rules["bad.example"]
    assert rule.severity is Severity.LIMIT
    assert not rule.reject_reports
    # A bad domain is said beside its field.
    status, _, html = await post_form(
        client,
        "/admin/federation",
        "/admin/federation/rules",
        {"domain": "not a domain", "severity": "suspend"},
    )
    assert status == 422
    assert "This is not a domain." in html
    # The mode.
    status, location, _ = await post_form(
        client, "/admin/federation", "/admin/federation/mode", {"mode": "allowlist"}
    )
    assert location == "/admin/federation?done=mode_saved"
    _, html = await page(client, "/admin/federation")
    assert 'value="allowlist" checked' in html
    # Removing.
    status, location, _ = await post_form(
        client,
        "/admin/federation",
        "/admin/federation/remove",
        {"domain": "bad.example", "back": "/admin/federation"},
    )
    assert location == "/admin/federation?done=rule_removed"
    _, html = await page(client, "/admin/federation")
    assert "bad.example" not in html


async def test_the_admin_publishes_the_federation_policy_in_nodeinfo(
    client: Client, world: World, sessions: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    await world.node.run(lambda s: storage.set_rule(s, "bad.example", "suspend", now=now))
    response = await client.get("/nodeinfo/2.1")
    assert "federation" not in (await response.json())["metadata"]
    await sign_in(client, "ada")
    _, html = await page(client, "/admin/federation")
    assert '<input type="checkbox" id="publish" name="publish" value="on"> ' in html
    status, location, _ = await post_form(
        client, "/admin/federation", "/admin/federation/publish", {"publish": "on"}
    )
    assert (status, location) == (303, "/admin/federation?done=policy_published")
    _, html = await page(client, location)
    assert 'role="status"><p>NodeInfo now publishes the federation policy.</p>' in html
    assert 'name="publish" value="on" checked' in html
    response = await client.get("/nodeinfo/2.1")
    published = (await response.json())["metadata"]["federation"]
    assert published["mode"] == "blocklist"
    assert "bad.example" in str(published)
    # An unticked box sends nothing: publishing stops.
    status, location, _ = await post_form(
        client, "/admin/federation", "/admin/federation/publish", {}
    )
    assert (status, location) == (303, "/admin/federation?done=policy_unpublished")
    _, html = await page(client, location)
    assert "NodeInfo no longer publishes the federation policy." in html
    async with sessions.begin() as session:
        assert not await storage.get_publish(session)
    # In the admin's language.
    async with sessions.begin() as session:
        await session.execute(
            update(Account).where(Account.id == world.admin.account_id).values(locale="de")
        )
    status, location, _ = await post_form(
        client, "/admin/federation", "/admin/federation/publish", {"publish": "on"}
    )
    _, html = await page(client, location)
    assert "NodeInfo veröffentlicht jetzt die Föderationsrichtlinie." in html
    # A node moderator is no admin.
    await sign_in(client, "nodemod")
    status, _, _ = await post_form(client, "/moderation", "/admin/federation/publish", {})
    assert status == 403
    async with sessions.begin() as session:
        assert await storage.get_publish(session)


async def test_a_blocklist_is_imported_listed_by_page_and_exported(
    client: Client, world: World
) -> None:
    await sign_in(client, "ada")
    lines = ["#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"]
    lines += [f"spam{index:02}.example,suspend,false,false,Spam,false" for index in range(24)]
    lines += ["loud.example,silence,true,false,Too loud,false"]
    status, location, _ = await post_form(
        client, "/admin/federation", "/admin/federation/import", {"csv": "\n".join(lines)}
    )
    assert (status, location) == (303, "/admin/federation?done=imported&count=25")
    _, html = await page(client, location)
    assert "The domain rules were imported. Domains imported: 25" in html
    assert html.count('<th scope="row">') == 20
    start = html.index('<p class="pager"><a href="') + len('<p class="pager"><a href="')
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    _, html = await page(client, link)
    assert html.count('<th scope="row">') == 5
    assert "spam23.example" in html
    response = await client.get("/admin/federation/export.csv")
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = await response.text()
    assert text.startswith("#domain,#severity")
    assert "loud.example,silence,true,false,Too loud,false" in text
    # A bad line changes nothing, and says which line.
    status, _, html = await post_form(
        client,
        "/admin/federation",
        "/admin/federation/import",
        {"csv": lines[0] + "\nok.example,suspend\nbad.example,explode"},
    )
    assert status == 422
    assert "Line 3 could not be read. Nothing was imported." in html
    assert "ok.example" in html  # the pasted text is kept in the field...
    assert '<th scope="row">ok.example</th>' not in html  # ... and not imported


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/moderation/posts/{post}/remove", {"reason": "x"}),
        ("/moderation/reports/{report}/close", {"action": "resolve"}),
        ("/admin/site", {"description": "Hijacked"}),
        ("/admin/federation/rules", {"domain": "evil.example", "severity": "noop"}),
        ("/admin/federation/import", {"csv": "evil.example"}),
        ("/admin/federation/publish", {"publish": "on"}),
    ],
)
async def test_forms_without_our_token_are_refused(
    client: Client, world: World, path: str, form: dict[str, str]
) -> None:
    await sign_in(client, "ada")
    target = path.format(post=world.post_id, report=world.report_id)
    response = await client.post(target, data=form, headers=HTML, allow_redirects=False)
    assert response.status == 403
    assert "This form has expired" in await response.text()
