"""``kinfolk mod`` and ``kinfolk policy publish`` as an admin runs them: a subprocess, exit
codes, messages, and what the running node then does (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import subprocess

from tests.api_client import Api, Member
from tests.cli.test_cli import PASSWORD, kinfolk, node_env  # noqa: F401 (the fixture)
from tests.conftest import AiohttpClient, cheap_passwords
from web.app import create_app
from web.config import load_settings


async def test_an_admin_suspends_an_account_and_publishes_the_policy(
    node_env: dict[str, str],  # noqa: F811
    aiohttp_client: AiohttpClient,
) -> None:
    async def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args, stdin=stdin)

    init = await run("init", "--admin", "ada", "--password-stdin", stdin=PASSWORD)
    assert init.returncode == 0, init.stderr
    for name in ("bob", "cai"):
        created = await run("user", "create", name, "--password-stdin", stdin=PASSWORD)
        assert created.returncode == 0, created.stderr
    domain = load_settings(node_env).base_url.split("://", 1)[1]

    suspended = await run("mod", "suspend", "bob", "--reason", "spam links", "--by", "ada")
    assert suspended.returncode == 0, suspended.stderr
    assert suspended.stdout == f"Suspended @bob@{domain}: spam links\n"
    # Refusals change nothing, so they can run side by side.
    again, unknown, no_reason, not_staff, bad_limit = await asyncio.gather(
        run("mod", "suspend", "bob", "--reason", "again"),
        run("mod", "suspend", "nobody", "--reason", "x"),
        run("mod", "suspend", "cai"),
        run("mod", "suspend", "ada", "--reason", "x", "--by", "cai"),
        run("mod", "log", "--limit", "0"),
    )
    assert (again.returncode, again.stderr) == (1, "kinfolk: @bob is already suspended\n")
    assert (unknown.returncode, unknown.stderr) == (
        1,
        "kinfolk: no account called 'nobody' here (acct)\n",
    )
    assert no_reason.returncode == 2
    assert "--reason" in no_reason.stderr
    assert not_staff.returncode == 1
    assert "admins and moderators" in not_staff.stderr
    assert bad_limit.returncode == 1

    settings = load_settings(node_env)
    api = Api(await aiohttp_client(create_app(settings, passwords=cheap_passwords())))
    login = await api.call(
        "POST", "/api/v1/auth/token", json={"username": "bob", "password": PASSWORD}
    )
    assert login.expect(403)["detail"] == "this account is suspended"

    lifted = await run("mod", "unsuspend", "bob")
    assert lifted.stdout == f"Lifted the suspension of @bob@{domain}\n"
    log = await run("mod", "log")
    assert log.returncode == 0, log.stderr
    lines = [line.split("\t") for line in log.stdout.splitlines()]
    assert [line[1:] for line in lines] == [
        ["unsuspend", f"@bob@{domain}", "by (command line)"],
        ["suspend", f"@bob@{domain}", f"by @ada@{domain}", "spam links"],
    ]
    login = await api.call(
        "POST", "/api/v1/auth/token", json={"username": "bob", "password": PASSWORD}
    )
    login.expect(200)

    assert (
        await run("policy", "set", "bad.example", "suspend", "--reason", "abuse")
    ).returncode == 0
    published = await run("policy", "publish", "on")
    assert published.stdout == "NodeInfo publishes the federation policy\n"
    async with api.client.get("/nodeinfo/2.1") as response:
        federation = (await response.json())["metadata"]["federation"]
    assert federation["blocked"][0]["domain"] == "bad.example"
    assert federation["blocked"][0]["reason"] == "abuse"
    unpublished = await run("policy", "publish", "off")
    assert unpublished.stdout == "NodeInfo does not publish the federation policy\n"


async def test_a_moderator_works_the_report_queue_from_the_shell(
    node_env: dict[str, str],  # noqa: F811
    aiohttp_client: AiohttpClient,
) -> None:
    async def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args, stdin=stdin)

    assert (await run("init", "--admin", "ada", "--password-stdin", stdin=PASSWORD)).returncode == 0
    settings = load_settings(node_env)
    domain = settings.base_url.split("://", 1)[1]
    api = Api(await aiohttp_client(create_app(settings, passwords=cheap_passwords())))
    login = await api.call(
        "POST", "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}
    )
    ada = Member("ada", login.expect(200)["token"])
    bob, cai = await api.register("bob"), await api.register("cai")
    await api.create_group(ada, "circle")
    for member in (bob, cai):
        await api.join(member, "circle")
    post = await api.post(cai, "circle", "Buy pills at example.com", title="Offer")
    filed = await api.call(
        "POST", "/api/v1/reports", as_=bob, json={"post_id": post["id"], "reason": "spam"}
    )
    report = filed.expect(201)["id"]

    queue = await run("mod", "reports", "--by", "ada")
    assert queue.returncode == 0, queue.stderr
    [line] = [line.split("\t") for line in queue.stdout.splitlines()]
    assert line[0] == report
    assert line[2:] == ["open", f"{post['id']} in @circle@{domain}", "here", "spam"]
    # Who is asking matters: a member works no queue, and --by is required.
    not_staff, nobody = await asyncio.gather(
        run("mod", "reports", "--by", "cai"), run("mod", "reports")
    )
    assert not_staff.returncode == 1
    assert nobody.returncode == 2
    assert "--by" in nobody.stderr

    removed = await run("mod", "remove", post["id"], "--reason", "spam", "--by", "ada")
    assert removed.stdout == f"Removed post {post['id']}: spam\n", removed.stderr
    resolved = await run("mod", "resolve", report, "--note", "removed", "--by", "ada")
    assert resolved.stdout == f"Report {report} resolved\n", resolved.stderr
    again = await run("mod", "dismiss", report, "--by", "ada")
    assert again.returncode == 1
    assert (await run("mod", "reports", "--by", "ada")).stdout == "No open reports for @ada.\n"
    everything = await run("mod", "reports", "--state", "all", "--by", "ada")
    assert everything.stdout.split("\t")[2] == "resolved"
    shown = await api.call("GET", f"/api/v1/posts/{post['id']}", as_=bob)
    assert shown.expect(200)["removed"] is True
    actions = [e["action"] for e in await api.items(None, "/api/v1/groups/circle/modlog")]
    assert actions == ["resolve_report", "remove_post"]


async def test_a_care_report_is_marked_as_care_in_the_shells_queue(
    node_env: dict[str, str],  # noqa: F811
    aiohttp_client: AiohttpClient,
) -> None:
    async def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args, stdin=stdin)

    assert (await run("init", "--admin", "ada", "--password-stdin", stdin=PASSWORD)).returncode == 0
    settings = load_settings(node_env)
    api = Api(await aiohttp_client(create_app(settings, passwords=cheap_passwords())))
    login = await api.call(
        "POST", "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}
    )
    ada = Member("ada", login.expect(200)["token"])
    bob, cai = await api.register("bob"), await api.register("cai")
    await api.create_group(ada, "circle")
    for member in (bob, cai):
        await api.join(member, "circle")
    post = await api.post(cai, "circle", "I can't go on like this")
    care = await api.call("POST", "/api/v1/care-reports", as_=bob, json={"post_id": post["id"]})
    care.expect(201)
    queue = await run("mod", "reports", "--by", "ada")
    [line] = [line.split("\t") for line in queue.stdout.splitlines()]
    assert line[-1] == "[care]"
