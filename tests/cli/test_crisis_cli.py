"""``kinfolk crisis`` as an admin runs it: the node's list and a group's, set from JSON."""

from __future__ import annotations

import asyncio
import json
import subprocess

from tests.cli.test_cli import PASSWORD, kinfolk, node_env  # noqa: F401 (the fixture)


async def test_an_admin_sets_the_node_list_and_a_moderator_their_group_list(
    node_env: dict[str, str],  # noqa: F811
) -> None:
    async def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args, stdin=stdin)

    init = await run("init", "--admin", "ada", "--password-stdin", stdin=PASSWORD)
    assert init.returncode == 0, init.stderr
    created = await run("user", "create", "bob", "--password-stdin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    made = await run("group", "create", "circle", "--owner", "bob")
    assert made.returncode == 0, made.stderr
    node_list = json.dumps(
        [{"name": "Samaritans", "kind": "phone", "value": "116 123", "country": "GB"}]
    )
    saved = await run("crisis", "set", "-", "--by", "ada", stdin=node_list)
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout == "Saved 1 crisis resource(s) for the node\n"
    group_list = json.dumps(
        {"resources": [{"name": "Grief line", "kind": "web", "value": "https://grief.example"}]}
    )
    refused = await run("crisis", "set", "-", "--by", "ada", "--group", "circle", stdin=group_list)
    assert refused.returncode != 0
    saved = await run("crisis", "set", "-", "--by", "bob", "--group", "circle", stdin=group_list)
    assert saved.returncode == 0, saved.stderr
    shown = await run("crisis", "show")
    assert shown.stdout == "Samaritans\tphone\t116 123\tGB\t-\t\t\n"
    shown = await run("crisis", "show", "--group", "circle")
    assert shown.stdout.startswith("Grief line\tweb\thttps://grief.example\t")
    bad = await run("crisis", "set", "-", "--by", "ada", stdin='[{"name": "x"}]')
    assert bad.returncode == 2
    assert "not a list of crisis resources" in bad.stderr
