"""deploy/: the systemd units and the settings file an admin copies onto a server.

An admin who follows deploy/README.md gets what these files say, so they are
checked as systemd and a shell would read them, and every command and setting
in them against the node's own parser.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser
from federation.delivery.config import DeliveryConfig
from federation.remote.open_files import SPARE
from tests.conftest import IN_CI
from web.config import ENVIRONMENT_VARIABLES, MAX_DELIVERY_CONCURRENCY, load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
INSTALLED_KINFOLK = "/opt/kinfolk/.venv/bin/kinfolk"
Unit = dict[str, dict[str, list[str]]]


def read_unit(path: Path) -> Unit:
    """Sections and their keys' values, repeated keys kept in order, as systemd reads them."""
    unit: Unit = {}
    section: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = unit.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return unit


def services() -> dict[str, Unit]:
    return {path.name: read_unit(path) for path in UNITS if path.suffix == ".service"}


def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if IN_CI:
            pytest.fail("systemd-analyze is needed to check deploy/systemd")
        pytest.skip("systemd-analyze is not installed")
    kinfolk = Path(sys.executable).with_name("kinfolk")
    checked = []
    for path in UNITS:
        # systemd checks that ExecStart's program exists: point it at this checkout's.
        text = path.read_text(encoding="utf-8").replace(INSTALLED_KINFOLK, str(kinfolk))
        name = path.name.replace("@.", "@1.")  # a template is checked as an instance
        (tmp_path / name).write_text(text, encoding="utf-8")
        checked.append(str(tmp_path / name))
    result = subprocess.run(
        [analyze, "verify", "--man=no", *checked],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    complaints = [line for line in result.stderr.splitlines() if str(tmp_path) in line]
    assert result.returncode == 0, result.stderr
    assert not complaints, result.stderr


@pytest.mark.parametrize("name", sorted(services()))
def test_every_unit_runs_a_kinfolk_command_the_cli_accepts(name: str) -> None:
    (command,) = services()[name]["Service"]["ExecStart"]
    program, *arguments = shlex.split(command)
    assert program == INSTALLED_KINFOLK
    parsed = build_parser().parse_args(arguments)  # exits (fails the test) on a bad argument
    assert callable(parsed.run)


def test_every_process_that_delivers_may_open_a_socket_per_slot() -> None:
    """The web server delivers too while its worker is embedded (the default); a
    worker's client holds up to two sockets per slot (requests in overtime)."""
    sockets = DeliveryConfig().with_slots(MAX_DELIVERY_CONCURRENCY).max_sockets
    delivering = {"kinfolk-web.service", "kinfolk-delivery@.service"}
    for name in delivering:
        (limit,) = services()[name]["Service"]["LimitNOFILE"]
        assert int(limit) >= sockets + SPARE, name


def test_the_target_starts_migrations_first_and_restarts_everything() -> None:
    units = services()
    for name, unit in units.items():
        assert unit["Unit"]["PartOf"] == ["kinfolk.target"], name
        assert unit["Install"]["WantedBy"] == ["kinfolk.target"], name
        assert unit["Service"]["User"] == ["kinfolk"], name
        assert unit["Service"]["EnvironmentFile"] == ["/etc/kinfolk/kinfolk.env"], name
        if name != "kinfolk-migrate.service":
            assert "kinfolk-migrate.service" in unit["Unit"]["Requires"][0].split(), name
            assert "kinfolk-migrate.service" in unit["Unit"]["After"][0].split(), name
    assert units["kinfolk-migrate.service"]["Service"]["Type"] == ["oneshot"]


def environment_file_as_systemd_reads_it() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "kinfolk.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().removeprefix('"').removesuffix('"')
    return values


def test_the_settings_file_names_real_settings_with_valid_values(tmp_path: Path) -> None:
    values = environment_file_as_systemd_reads_it()
    assert set(values) <= set(ENVIRONMENT_VARIABLES), set(values) - set(ENVIRONMENT_VARIABLES)
    settings = load_settings({**values, "KINFOLK_DATA_DIR": str(tmp_path)})
    assert settings.base_url == "https://support.example.org"
    assert settings.node_name == "Support Circle"
    assert not settings.is_sqlite


def test_a_shell_reads_the_settings_file_as_systemd_does() -> None:
    """deploy/README.md runs admin commands with `set -a; . /etc/kinfolk/kinfolk.env`."""
    script = f"set -a; . {shlex.quote(str(DEPLOY / 'kinfolk.env'))}; env -0"
    output = subprocess.run(
        ["/bin/sh", "-c", script], capture_output=True, text=True, check=True, env={}
    ).stdout
    seen = dict(item.split("=", 1) for item in output.split("\0") if "=" in item)
    for key, value in environment_file_as_systemd_reads_it().items():
        assert seen[key] == value, key
