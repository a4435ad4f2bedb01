"""How the node's settings shape its delivery worker."""

from __future__ import annotations

from pathlib import Path

from federation.delivery.worker import DeliveryConfig
from federation.runtime import delivery_config
from web.config import load_settings

SECRET = "s" * 40


def _settings(tmp_path: Path, **environ: str) -> dict[str, str]:
    return {"KINFOLK_DATA_DIR": str(tmp_path), "KINFOLK_SECRET_KEY": SECRET, **environ}


def test_by_default_a_worker_keeps_128_requests_in_flight(tmp_path: Path) -> None:
    config = delivery_config(load_settings(_settings(tmp_path)))
    assert config.max_in_flight == 128
    assert config.batch_size == DeliveryConfig().batch_size
    assert config.user_agent.startswith("Kinfolk/")
    assert config.user_agent.endswith("(+http://127.0.0.1:8080)")


def test_the_admin_sets_how_many_requests_a_worker_keeps_in_flight(tmp_path: Path) -> None:
    wide = delivery_config(load_settings(_settings(tmp_path, KINFOLK_DELIVERY_CONCURRENCY="512")))
    # A claim may fill every free slot: capped at 128 a round, a busy worker's
    # twelve-odd rounds a second could not use 512 slots.
    assert (wide.max_in_flight, wide.batch_size, wide.refill_slots) == (512, 512, 16)
    # A small node's few slots: a claim never asks for more rows than it can send.
    narrow = delivery_config(load_settings(_settings(tmp_path, KINFOLK_DELIVERY_CONCURRENCY="4")))
    assert (narrow.max_in_flight, narrow.batch_size, narrow.refill_slots) == (4, 4, 4)
