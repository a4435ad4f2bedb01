"""``kinfolk user reset-link`` as an admin runs it for a member who cannot sign in: a
one-time link, with no mail server needed, that works once."""

from __future__ import annotations

import asyncio
import re
import subprocess

from tests.api_client import Api
from tests.cli.test_cli import PASSWORD, kinfolk, node_env  # noqa: F401 (the fixture)
from tests.conftest import AiohttpClient, cheap_passwords
from tests.web.test_pages import page, submit
from web.app import create_app
from web.config import load_settings


async def test_an_admin_prints_a_link_that_works_once(
    node_env: dict[str, str],  # noqa: F811
    aiohttp_client: AiohttpClient,
) -> None:
    async def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args, stdin=stdin)

    init = await run("init", "--admin", "ada", "--password-stdin", stdin=PASSWORD)
    assert init.returncode == 0, init.stderr
    created = await run("user", "create", "bob", "--password-stdin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    unknown = await run("user", "reset-link", "nobody")
    assert unknown.returncode == 2
    assert "no member called 'nobody'" in unknown.stderr

    printed = await run("user", "reset-link", "bob")
    assert printed.returncode == 0, printed.stderr
    assert "@bob" in printed.stdout
    assert "24 hours" in printed.stdout
    [path] = re.findall(r"http://127\.0\.0\.1:8080(/password/reset/\S+)", printed.stdout)

    settings = load_settings(node_env)
    client = await aiohttp_client(create_app(settings, passwords=cheap_passwords()))
    status, html = await submit(client, path, {"password": "bob's new passphrase"})
    assert status == 200, html
    assert "Your password is changed" in html
    signed_in = await Api(client).call(
        "POST", "/api/v1/auth/token", json={"username": "bob", "password": "bob's new passphrase"}
    )
    signed_in.expect(200)
    status, html = await page(client, path)
    assert status == 410
