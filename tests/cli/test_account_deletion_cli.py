"""``kinfolk user delete`` as an admin runs it at a member's request: confirmed with
``--yes`` (or refused without a terminal), the last admin kept, the name taken for good."""

from __future__ import annotations

import asyncio
import subprocess

from tests.api_client import Api
from tests.cli.test_cli import PASSWORD, kinfolk, node_env  # noqa: F401 (the fixture)
from tests.conftest import AiohttpClient, cheap_passwords
from web.app import create_app
from web.config import load_settings


async def test_an_admin_deletes_an_account_on_request(
    node_env: dict[str, str],  # noqa: F811
    aiohttp_client: AiohttpClient,
) -> None:
    async def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args, stdin=stdin)

    assert (await run("init", "--admin", "ada", "--password-stdin", stdin=PASSWORD)).returncode == 0
    created = await run("user", "create", "bob", "--password-stdin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    domain = load_settings(node_env).base_url.split("://", 1)[1]

    helped = await run("user", "delete", "--help")
    assert helped.returncode == 0
    assert "at its member's request" in helped.stdout
    unconfirmed = await run("user", "delete", "bob")
    assert unconfirmed.returncode == 2
    assert "--yes" in unconfirmed.stderr
    last_admin = await run("user", "delete", "ada", "--yes")
    assert last_admin.returncode == 1
    assert "only admin" in last_admin.stderr

    deleted = await run("user", "delete", "bob", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.startswith(f"Deleted @bob@{domain}")
    again = await run("user", "delete", "BOB", "--yes")
    assert again.returncode == 1
    taken = await run("user", "create", "Bob", "--password-stdin", stdin=PASSWORD)
    assert taken.returncode == 1
    assert "taken" in taken.stderr

    api = Api(
        await aiohttp_client(create_app(load_settings(node_env), passwords=cheap_passwords()))
    )
    login = await api.call(
        "POST", "/api/v1/auth/token", json={"username": "bob", "password": PASSWORD}
    )
    login.expect(401)
