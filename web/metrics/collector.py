"""Federation's health (``federation.health``) as Prometheus gauges, read at scrape time.

A collector built per scrape from one ``NodeHealth``: whichever ``serve``
process Prometheus asks, the queues, deliveries and hosts it reports are those
of every process, read from the database a moment before. Hosts are named in
labels only while they fail (at most ``federation.health.HOST_LIMIT``, and not
the unreachable ones, which are counted but not named), so the series stay few.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from federation.health import NodeHealth

_DELIVERIES = (
    "Deliveries by outcome: delivered, failed (given up) and dropped (never sent) "
    "in the last hour; retrying: queued again after a failed attempt."
)
_HOSTS = (
    "Hosts whose deliveries fail, by state: failing (still tried), open (the "
    "breaker holds deliveries back), unreachable (deliveries dropped)."
)


class HealthCollector(Collector):
    def __init__(self, health: NodeHealth) -> None:
        self._health = health

    def collect(self) -> Iterator[Metric]:
        health, now = self._health, self._health.now
        for queue, state in (("inbox", health.inbox), ("delivery", health.deliveries)):
            yield GaugeMetricFamily(
                f"kinfolk_{queue}_queue_depth",
                f"Items waiting in the {queue} queue (every process's, from the database).",
                value=state.depth,
            )
            yield GaugeMetricFamily(
                f"kinfolk_{queue}_queue_oldest_age_seconds",
                f"How long the oldest item of the {queue} queue has waited (0 when empty).",
                value=state.oldest_age(now),
            )
        yield _by_label("kinfolk_deliveries", _DELIVERIES, "outcome", health.outcomes)
        yield _by_label("kinfolk_failing_hosts", _HOSTS, "state", health.hosts_by_state)
        yield from self._failing_hosts()

    def _failing_hosts(self) -> Iterator[Metric]:
        breaker = GaugeMetricFamily(
            "kinfolk_host_breaker_open",
            "1 while a failing host's breaker holds its deliveries back, else 0.",
            labels=["host"],
        )
        since = GaugeMetricFamily(
            "kinfolk_host_failing_since_timestamp_seconds",
            "When a failing host's current streak of failures began (Unix time).",
            labels=["host"],
        )
        pending = GaugeMetricFamily(
            "kinfolk_host_pending_deliveries",
            "Deliveries waiting for a failing host.",
            labels=["host"],
        )
        for host in self._health.failing_hosts:
            if host.state == "unreachable":
                continue
            breaker.add_metric([host.host], 1 if host.state == "open" else 0)
            if host.failing_since is not None:
                since.add_metric([host.host], host.failing_since.timestamp())
            pending.add_metric([host.host], host.pending)
        yield from (breaker, since, pending)


def _by_label(name: str, documentation: str, label: str, values: dict[str, int]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, number in values.items():
        family.add_metric([key], number)
    return family
