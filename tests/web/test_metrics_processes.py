"""Several processes on one machine, one scrape: prometheus-client's multiprocess mode.

With ``PROMETHEUS_MULTIPROC_DIR`` set, each process (a ``serve``, a worker) writes
its counters to the shared directory, and ``/metrics`` answers with their sum,
including those of processes that have ended."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from web.metrics.endpoint import process_registry

COUNT_ONE_REFUSAL = "from federation import metrics; metrics.inbox_refused('unsigned', '')"


def test_the_counters_of_every_process_add_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": ""}
    for _ in range(2):  # two processes, one after the other: two process ids
        subprocess.run([sys.executable, "-c", COUNT_ONE_REFUSAL], env=environment, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = generate_latest(process_registry()).decode()
    refused = {
        sample.labels["reason"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "kinfolk_inbox_refused_total"
    }
    assert refused == {"unsigned": 2.0}
