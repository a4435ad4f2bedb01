"""``kinfolk user export``: an admin helping a member writes the member's archive to a
file, watching its progress; never over another file, never for a name not here."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tests.cli.test_cli import PASSWORD, kinfolk, node_env  # noqa: F401  (the fixture)
from tests.node.export_helpers import archive_files


async def test_an_admin_writes_a_members_archive_to_a_file(
    node_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    async def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args, stdin=stdin)

    init = await run("init", "--admin", "tess", "--password-stdin", stdin=PASSWORD + "\n")
    assert init.returncode == 0, init.stderr
    assert (await run("user", "create", "ana", "--password-stdin", stdin=PASSWORD)).returncode == 0
    output = tmp_path / "ana.zip"

    done = await run("user", "export", "ana", "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert f"Wrote {output}" in done.stdout
    assert "posts: 0" in done.stderr
    exported, _page = archive_files(output.read_bytes())
    assert exported["profile"]["handle"].startswith("ana@")

    again, nobody = await asyncio.gather(
        run("user", "export", "ana", "--output", str(output)),
        run("user", "export", "nobody", "--output", str(tmp_path / "nobody.zip")),
    )
    assert again.returncode == 2
    assert "exists already" in again.stderr
    assert nobody.returncode == 2
    assert "nobody" in nobody.stderr
    assert not (tmp_path / "nobody.zip").exists()
