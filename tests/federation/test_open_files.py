"""A worker with many slots makes room for its sockets under a low open-files limit."""

from __future__ import annotations

import subprocess
import sys

# The child lowers its own limits first, as a service manager would have set them.
_CHILD = """
import logging, resource, sys
sockets, soft, hard = map(int, sys.argv[1:])
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(message)s")
from federation.remote.open_files import ensure_open_files
ensure_open_files(sockets)
print("soft", resource.getrlimit(resource.RLIMIT_NOFILE)[0])
"""


def _run(sockets: int, soft: int, hard: int) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(sockets), str(soft), str(hard)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_a_worker_with_1024_slots_raises_a_soft_limit_of_1024() -> None:
    out = _run(1024, soft=1024, hard=2048)  # systemd's default soft limit
    assert "soft 1280" in out
    assert "raised the open files limit from 1024 to 1280" in out


def test_a_hard_limit_too_low_is_raised_to_and_said_in_the_log() -> None:
    out = _run(1024, soft=512, hard=800)
    assert "soft 800" in out
    assert "WARNING open files are limited to 800" in out
    assert "LimitNOFILE" in out


def test_a_limit_already_high_enough_is_left_alone() -> None:
    out = _run(128, soft=1024, hard=1024)
    assert "soft 1024" in out
    assert "raised" not in out
