"""The ``kinfolk`` command as an admin runs it: a subprocess, exit codes, messages.

Exit codes are an interface (scripts test them): 0 done, 1 refused, 2 bad usage or
configuration. Tests that touch a database run on SQLite (the data directory, as
with zero configuration) and on PostgreSQL (a fresh schema, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from cli.main import build_parser
from node.storage.engine import create_engine
from tests.api_client import Api, Member
from tests.conftest import AiohttpClient, cheap_passwords
from tests.databases import Database
from web.app import create_app
from web.config import ENVIRONMENT_VARIABLES, load_settings

KINFOLK = Path(sys.executable).parent / "kinfolk"
PASSWORD = "a long enough password"
Completed = subprocess.CompletedProcess[str]

# The interface scripts rely on: commands, subcommands and the flags each one takes.
HELP = {
    (): [
        *("init", "serve", "migrate", "config", "base-url", "user", "group", "policy", "mod"),
        "delivery",
    ],
    ("init",): ["--admin", "--password-stdin"],
    ("serve",): ["--host", "--port", "--migrate"],
    ("migrate",): [],
    ("config",): [],
    ("base-url",): ["show", "set"],
    ("base-url", "show"): [],
    ("base-url", "set"): ["URL", "--i-know"],
    ("user",): ["create", "export", "reset-link"],
    ("user", "create"): ["username", "--admin", "--moderator", "--password-stdin"],
    ("user", "export"): ["username", "--output"],
    ("user", "reset-link"): ["username"],
    ("group",): ["create"],
    ("group", "create"): [
        "name",
        "--private",
        "--approval",
        "--owner",
        "--display-name",
        "--description",
        "--rule",
        "--language",
    ],
    ("policy",): ["mode", "set", "remove", "list", "import", "export", "publish"],
    ("policy", "mode"): ["open", "blocklist", "allowlist"],
    ("policy", "set"): [
        "domain",
        "suspend",
        "limit",
        "reject-media",
        "reject-reports",
        "allow",
        "--reason",
        "--private-reason",
    ],
    ("policy", "remove"): ["domain"],
    ("policy", "list"): [],
    ("policy", "import"): ["FILE.csv"],
    ("policy", "export"): [],
    ("policy", "publish"): ["on", "off"],
    ("mod",): ["suspend", "unsuspend", "log", "reports", "resolve", "dismiss", "remove"],
    ("mod", "suspend"): ["USER", "--reason", "--by"],
    ("mod", "unsuspend"): ["USER", "--reason", "--by"],
    ("mod", "log"): ["--limit"],
    ("mod", "reports"): ["--state", "--limit", "--by"],
    ("mod", "resolve"): ["REPORT", "--note", "--by"],
    ("mod", "dismiss"): ["REPORT", "--note", "--by"],
    ("mod", "remove"): ["POST", "--reason", "--by"],
    ("delivery", "list"): ["--host", "--state", "--limit"],
    ("delivery", "retry"): ["--host"],
    ("delivery", "drop"): ["--host", "--yes"],
}


def clean_environment(**values: str) -> dict[str, str]:
    """The test process's environment without any Kinfolk setting, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_VARIABLES}
    env.pop("KINFOLK_CONFIG", None)
    return {**env, "KINFOLK_LOG_LEVEL": "WARNING", **values}


def kinfolk(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the command; standard input is a pipe, never a terminal."""
    return subprocess.run(
        [str(KINFOLK), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _drop_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()


@pytest.fixture
def node_env(database: Database, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh, never migrated node on this test's backend."""
    data_dir = str(tmp_path / "node")
    if database.schema is None:
        yield clean_environment(KINFOLK_DATA_DIR=data_dir)
        return
    schema = f"{database.schema}_cli"
    asyncio.run(_drop_schema(database.url, schema))
    yield clean_environment(
        KINFOLK_DATA_DIR=data_dir, DATABASE_URL=database.url, KINFOLK_DATABASE_SCHEMA=schema
    )
    asyncio.run(_drop_schema(database.url, schema))


def commands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    """Every command and subcommand the parser knows, with its long options."""
    options = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    yield prefix, [o for o in options if o != "--help"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from commands(subparser, (*prefix, name))


def test_every_command_has_help() -> None:
    known = dict(commands(build_parser()))
    assert set(HELP) <= set(known), "a documented command has gone"
    env = clean_environment()
    with ThreadPoolExecutor() as pool:
        results = pool.map(lambda command: kinfolk(env, *command, "--help"), known)
    for (command, options), result in zip(known.items(), results, strict=True):
        name = " ".join(("kinfolk", *command))
        assert result.returncode == 0, f"{name} --help: {result.stderr}"
        assert result.stdout.startswith(f"usage: {name}"), result.stdout
        for word in {*HELP.get(command, []), *options}:
            assert word in result.stdout, f"{name} --help does not mention {word}"


async def test_an_admin_sets_up_a_node(
    node_env: dict[str, str], aiohttp_client: AiohttpClient
) -> None:
    async def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args, stdin=stdin)

    init = await run("init", "--admin", "tess", "--password-stdin", stdin=PASSWORD + "\n")
    assert init.returncode == 0, init.stderr
    assert "Applying" in init.stdout
    assert "Created admin @tess@" in init.stdout
    assert (Path(node_env["KINFOLK_DATA_DIR"]) / "kinfolk.toml").is_file()
    user = await run("user", "create", "ana", "--password-stdin", stdin=PASSWORD)
    assert user.returncode == 0, user.stderr
    assert "Created member @ana@" in user.stdout
    group = await run(
        "group",
        "create",
        "circle",
        "--private",
        "--approval",
        "--owner",
        "ana",
        "--display-name",
        "The Circle",
        "--rule",
        "Be kind",
        "--rule",
        "Listen first",
    )
    assert group.returncode == 0, group.stderr
    assert "private group !circle@" in group.stdout
    assert "(approval joining)" in group.stdout

    # Refusals change nothing, so they can run side by side.
    taken, no_tty, group_taken, no_owner = await asyncio.gather(
        run("user", "create", "ANA", "--password-stdin", stdin=PASSWORD),
        run("user", "create", "bob"),
        run("group", "create", "Circle", "--owner", "ana"),
        run("group", "create", "other", "--owner", "nobody"),
    )
    assert (taken.returncode, taken.stdout) == (1, "")
    assert "already taken" in taken.stderr
    assert no_tty.returncode == 2
    assert "--password-stdin" in no_tty.stderr
    assert group_taken.returncode == 1
    assert "taken" in group_taken.stderr
    assert no_owner.returncode == 2
    assert "nobody" in no_owner.stderr

    settings = load_settings(node_env)
    api = Api(await aiohttp_client(create_app(settings, passwords=cheap_passwords())))
    tokens = {}
    for name in ("tess", "ana"):
        login = {"username": name, "password": PASSWORD}
        tokens[name] = (await api.call("POST", "/api/v1/auth/token", json=login)).expect(200)
    assert tokens["tess"]["account"]["role"] == "admin"
    assert tokens["ana"]["account"]["role"] == "member"
    ana = Member("ana", tokens["ana"]["token"])
    circle = (await api.call("GET", "/api/v1/groups/circle", as_=ana)).expect(200)
    assert (circle["visibility"], circle["join_policy"]) == ("private", "approval")
    assert circle["display_name"] == "The Circle"
    assert [rule["title"] for rule in circle["rules"]] == ["Be kind", "Listen first"]
    assert circle["membership"]["role"] == "owner"
    anonymous = await api.call("GET", "/api/v1/groups/circle")
    assert anonymous.status == 404  # a private group is not shown to outsiders


def test_migrate_twice(node_env: dict[str, str]) -> None:
    before = kinfolk(node_env, "user", "create", "ana", "--password-stdin", stdin=PASSWORD)
    assert before.returncode == 2
    assert "kinfolk migrate" in before.stderr

    first = kinfolk(node_env, "migrate")
    assert first.returncode == 0, first.stderr
    assert "Applying" in first.stdout
    assert "Done." in first.stdout
    second = kinfolk(node_env, "migrate")
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert "Applying" not in second.stdout


def test_bad_configuration_names_every_problem(tmp_path: Path) -> None:
    env = clean_environment(
        KINFOLK_DATA_DIR=str(tmp_path), KINFOLK_PORT="abc", KINFOLK_BASE_URL="ftp://x"
    )
    with ThreadPoolExecutor() as pool:
        results = list(pool.map(lambda command: kinfolk(env, command), ["config", "serve"]))
    for result in results:
        assert result.returncode == 2, result.args
        problems = result.stderr.splitlines()
        assert any("KINFOLK_PORT" in line and "abc" in line for line in problems), result.stderr
        assert any("KINFOLK_BASE_URL" in line and "ftp://x" in line for line in problems)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "kinfolk.sqlite3").exists()


def test_config_masks_the_secret(tmp_path: Path) -> None:
    secret = "a-very-secret-value-" + "s" * 30
    env = clean_environment(KINFOLK_DATA_DIR=str(tmp_path), KINFOLK_SECRET_KEY=secret)
    shown = kinfolk(env, "config")
    assert shown.returncode == 0, shown.stderr
    assert "secret_key = ********" in shown.stdout.splitlines()
    assert secret not in shown.stdout + shown.stderr

    generated = clean_environment(KINFOLK_DATA_DIR=str(tmp_path / "fresh"))
    shown = kinfolk(generated, "config")
    assert shown.returncode == 0, shown.stderr
    stored = (tmp_path / "fresh" / "secret_key").read_text().strip()
    assert stored not in shown.stdout
    assert f"data_dir = {tmp_path / 'fresh'}" in shown.stdout


async def test_an_admin_scripts_the_federation_policy(
    node_env: dict[str, str], tmp_path: Path
) -> None:
    async def run(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args)

    assert (await run("migrate")).returncode == 0
    added = await run("policy", "set", "Bad.Example", "suspend", "--reason", "harassment")
    assert added.returncode == 0, added.stderr
    assert "bad.example: suspend  reason: harassment" in added.stdout
    assert (await run("policy", "set", "friend.example", "allow")).returncode == 0
    assert (await run("policy", "mode", "allowlist")).stdout == "Federation mode: allowlist\n"

    blocklist = tmp_path / "blocks.csv"
    blocklist.write_text(
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        + "".join(f"spam{i}.example,suspend,false,false,bulk,false\n" for i in range(1500))
        + "loud.example,silence,true,false,,false\n",
        encoding="utf-8",
    )
    imported = await run("policy", "import", str(blocklist))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "Imported 1501 domain rule(s)\n"
    assert "1501/1501 domains" in imported.stderr  # the progress bar

    listed = (await run("policy", "list")).stdout.splitlines()
    assert listed[0] == "mode: allowlist"
    assert "friend.example\tallow" in listed
    assert "loud.example\tlimit reject-media" in listed
    assert len(listed) == 1 + 1503

    exported = (await run("policy", "export")).stdout.splitlines()
    assert (
        exported[0] == "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    )
    assert "bad.example,suspend,false,false,harassment,false" in exported
    assert "loud.example,silence,true,false,,false" in exported
    assert not any(line.startswith("friend.example") for line in exported)
    assert len(exported) == 1 + 1502

    assert (await run("policy", "remove", "bad.example")).returncode == 0
    missing = await run("policy", "remove", "bad.example")
    assert (missing.returncode, missing.stderr) == (
        1,
        "kinfolk: there is no rule for bad.example (domain)\n",
    )
    bad = await run("policy", "set", "not a domain", "suspend")
    assert bad.returncode == 1
    assert "is not a domain" in bad.stderr
    broken = tmp_path / "broken.csv"
    broken.write_text("#domain,#severity\nx.example,obliterate\n", encoding="utf-8")
    refused = await run("policy", "import", str(broken))
    assert refused.returncode == 1
    assert "line 2" in refused.stderr


SERVER_URL = "https://support.example.org"


async def test_a_shell_without_the_servers_base_url_is_refused(node_env: dict[str, str]) -> None:
    """Every actor id is built from the base URL: accounts made under another one in the
    same database would be broken for federation, silently."""
    server = {**node_env, "KINFOLK_BASE_URL": SERVER_URL}
    shell = node_env  # no KINFOLK_BASE_URL: the default, http://localhost:8080
    shell_url = load_settings(shell).base_url

    async def run(
        env: dict[str, str], *args: str, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, env, *args, stdin=stdin)

    # The server's settings are in its environment (a service unit), not in kinfolk.toml.
    assert (await run(server, "migrate")).returncode == 0
    admin = await run(
        server, "user", "create", "tess", "--admin", "--password-stdin", stdin=PASSWORD
    )
    assert admin.returncode == 0, admin.stderr
    refusals = await asyncio.gather(
        run(shell, "user", "create", "ana", "--password-stdin", stdin=PASSWORD),
        run(shell, "group", "create", "circle", "--owner", "tess"),
        run(shell, "policy", "set", "bad.example", "suspend"),
        run(shell, "policy", "list"),
        run(shell, "mod", "log"),
        run(shell, "worker"),
        run(shell, "migrate"),
        run(shell, "init"),
    )
    for refused in refusals:
        where = " ".join(refused.args[1:])
        assert refused.returncode == 2, f"{where}: {refused.stdout}{refused.stderr}"
        assert f"this database belongs to {SERVER_URL}" in refused.stderr, where
        assert f"configured for {shell_url}" in refused.stderr, where
        assert f"KINFOLK_BASE_URL={SERVER_URL}" in refused.stderr, where
        assert f"kinfolk base-url set {shell_url} --i-know" in refused.stderr, where
        assert "Traceback" not in refused.stderr
    assert "Created" not in "".join(r.stdout for r in refusals)
    assert not (Path(node_env["KINFOLK_DATA_DIR"]) / "kinfolk.toml").exists()  # init wrote none
    shown = await run(shell, "base-url", "show")
    assert shown.stdout == f"database: {SERVER_URL}\nconfigured: {shell_url}\n"
    assert (await run(server, "policy", "list")).stdout == "mode: blocklist\n"

    # Moving the node is explicit, and says what it does not do.
    unconfirmed = await run(shell, "base-url", "set", shell_url)
    assert unconfirmed.returncode == 2
    assert "--i-know" in unconfirmed.stderr
    assert "keep their ids" in unconfirmed.stderr
    assert (await run(shell, "base-url", "set", "ftp://x", "--i-know")).returncode == 2
    moved = await run(shell, "base-url", "set", shell_url + "/", "--i-know")
    assert moved.returncode == 0, moved.stderr
    assert f"now belongs to {shell_url} (it was {SERVER_URL})" in moved.stdout
    assert "keep their ids" in moved.stdout
    created = await run(shell, "user", "create", "ana", "--password-stdin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    assert f"@ana@{shell_url.split('://')[1]}" in created.stdout
    assert (await run(server, "policy", "list")).returncode == 2


async def _forget_base_url(env: dict[str, str]) -> None:
    """Make the database look like one from before the base URL was remembered."""
    settings = load_settings(env)
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM node_settings WHERE name = 'base_url'"))
    finally:
        await engine.dispose()


async def test_an_older_database_adopts_the_base_url_its_members_are_named_under(
    node_env: dict[str, str],
) -> None:
    server = {**node_env, "KINFOLK_BASE_URL": SERVER_URL}

    async def run(
        env: dict[str, str], *args: str, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, env, *args, stdin=stdin)

    assert (await run(server, "migrate")).returncode == 0
    # No member yet: the first command's base URL is adopted.
    await _forget_base_url(node_env)
    assert (await run(node_env, "policy", "list")).returncode == 0
    assert (await run(server, "policy", "list")).returncode == 2
    assert (await run(server, "base-url", "set", SERVER_URL, "--i-know")).returncode == 0
    created = await run(server, "user", "create", "ana", "--password-stdin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    # Members already named under the server's URL: theirs wins over the shell's.
    await _forget_base_url(node_env)
    refused = await run(node_env, "user", "create", "bo", "--password-stdin", stdin=PASSWORD)
    assert refused.returncode == 2
    assert f"this database belongs to {SERVER_URL}" in refused.stderr
    assert (await run(server, "base-url", "show")).stdout.startswith(f"database: {SERVER_URL}\n")
