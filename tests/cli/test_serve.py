"""``kinfolk serve`` on a fresh data directory: what ``make run`` does.

With nothing configured but the data directory, the node creates its SQLite
database and secret, migrates, answers on its port, serves the API, and stops
cleanly when told to (Ctrl+C, or SIGTERM from a service manager).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web.config import ENVIRONMENT_VARIABLES

KINFOLK = Path(sys.executable).parent / "kinfolk"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_VARIABLES}
    env.pop("KINFOLK_CONFIG", None)
    return {**env, **values}


def request(url: str, method: str = "GET", body: Any = None, token: str = "") -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(call, timeout=5) as answer:  # noqa: S310 (http://127.0.0.1)
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    process = subprocess.Popen(
        [str(KINFOLK), "serve", "--port", str(port)],
        env=clean_environment(KINFOLK_DATA_DIR=str(tmp_path / "data")),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=STOP_TIMEOUT)


def wait_until_healthy(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"kinfolk serve exited with {process.returncode}:\n{out}\n{err}")
        try:
            if request(base + "/healthz") == (200, {"status": "ok"}):
                return
        except OSError:  # not listening yet
            pass
        time.sleep(0.05)  # a polling interval, bounded by the deadline
    pytest.fail(f"kinfolk serve did not answer /healthz within {START_TIMEOUT}s")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_answers_then_stops_cleanly(
    node: tuple[subprocess.Popen[str], str], tmp_path: Path, stop: signal.Signals
) -> None:
    process, base = node
    wait_until_healthy(process, base)

    status, landing = request(base + "/")
    assert status == 200
    assert landing["software"] == "kinfolk"
    status, registered = request(
        base + "/api/v1/accounts", "POST", {"username": "ana", "password": "long enough pw"}
    )
    assert status == 201, registered
    token = registered["token"]
    status, group = request(base + "/api/v1/groups", "POST", {"name": "circle"}, token)
    assert status == 201, group
    assert request(base + "/api/v1/groups/circle")[0] == 200

    process.send_signal(stop)
    out, err = process.communicate(timeout=STOP_TIMEOUT)
    assert process.returncode == 0, f"{stop.name}: exit {process.returncode}\n{out}\n{err}"
    assert "Traceback" not in err
    assert base.rsplit(":", 1)[1] in out  # it said where it listens
    data = tmp_path / "data"
    assert (data / "kinfolk.sqlite3").is_file()
    assert (data / "secret_key").is_file()


def test_serve_refuses_a_database_of_another_base_url(tmp_path: Path) -> None:
    """Started without the node's KINFOLK_BASE_URL, the server would name everything new
    under another address: it says so and does not start."""
    data = str(tmp_path / "data")
    node_url = "https://support.example.org"
    migrated = subprocess.run(
        [str(KINFOLK), "migrate"],
        env=clean_environment(KINFOLK_DATA_DIR=data, KINFOLK_BASE_URL=node_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    served = subprocess.run(
        [str(KINFOLK), "serve", "--port", str(port)],
        env=clean_environment(KINFOLK_DATA_DIR=data),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    assert served.returncode == 2, served.stdout + served.stderr
    assert f"this database belongs to {node_url}" in served.stderr
    assert "configured for http://127.0.0.1:8080" in served.stderr
    assert "Traceback" not in served.stderr
    assert "running" not in served.stdout
