"""Tunables of the delivery worker, in one frozen value.

Design note: the defaults are sized from shared/BENCHMARKS.md. A far node
(556 ms round trip) receiving 20 activities/s needs about 11 requests in flight
to keep up, so ``max_per_host`` is 16, not 1 (one at a time caps it at
1.8/s, Lemmy 0.19's lag). ``max_in_flight`` bounds the whole worker; a host with
any failure streak gets one slot (a probe) and all such hosts together at most
``suspect_share`` of the slots, so dead hosts cannot crowd out live ones. A
request still unanswered after ``overtime_after`` gives its slot back (it keeps
its socket) and its host gets nothing more until it answers: a host that accepts
connections and never answers cannot hold the slots a fan-out needs before its
first failure is even known (S5: 50 such nodes held 39 % of 128 slots and the
healthy nodes finished 1.6 x later).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta


@dataclass(frozen=True)
class DeliveryConfig:
    """How hard the delivery worker pushes, how long it waits and when it stops trying.

    ``lease`` must outlast the worst case of one claimed row: two signed requests
    (double-knocking) each bounded by ``total_timeout``, plus recording. A
    worker's throughput is the lesser of ``max_in_flight`` per time a slot is
    held (Little's law: the round trip plus about 0.25 s on a busy worker, so
    128 slots at 100 ms carry about 500 deliveries/s) and its CPU (about 0.6 ms
    per delivery: the RSA signature, made in the signing threads,
    the HTTP client and the kernel's work on each socket). Admins set
    ``max_in_flight`` with ``KINFOLK_DELIVERY_CONCURRENCY``
    (``federation.runtime.delivery_config``).
    """

    max_in_flight: int = 128  # requests in flight per worker process
    max_per_host: int = 16  # ... of which to one host
    suspect_share: float = 0.1  # share of slots for hosts with a failure streak
    # seconds after which an unanswered request frees its slot (at most max_in_flight
    # such requests beyond the slots: the client's sockets are ``max_sockets``)
    overtime_after: float = 0.5
    batch_size: int = 128  # most rows claimed in one transaction
    claim_window: int = 1024  # oldest sendable rows a claim considers (bounds its cost)
    lease: timedelta = timedelta(minutes=2)
    connect_timeout: float = 5.0  # seconds
    total_timeout: float = 20.0  # seconds, per request
    idle_sleep: float = 0.25  # seconds between polls when nothing is due
    claim_interval: float = 0.05  # seconds: least time between claims that came back short
    refill_slots: int = 16  # free slots a busy worker waits for before it claims again
    # seconds an outcome may wait to be recorded with others (or refill_slots of them)
    record_after: float = 0.02
    sweep_interval: float = 10.0  # seconds between releases of stranded waiting rows
    keep_done: timedelta = timedelta(days=7)  # delivered rows kept (to see what went where)
    keep_failed: timedelta = timedelta(days=30)  # failed rows kept (to see why)
    purge_interval: float = 600.0  # seconds between purges of rows past keeping
    purge_batch: int = 2000  # rows deleted per purge transaction
    breaker_threshold: int = 5  # consecutive failures that open a host's breaker
    breaker_base: timedelta = timedelta(seconds=30)  # first open period, doubled per failure
    breaker_max: timedelta = timedelta(minutes=5)  # longest open period: probes at least this often
    unreachable_after: timedelta = timedelta(days=7)  # of uninterrupted failure
    user_agent: str = "Kinfolk/0.1 (ActivityPub delivery)"

    def __post_init__(self) -> None:
        if min(self.max_in_flight, self.max_per_host, self.batch_size, self.refill_slots) < 1:
            raise ValueError(
                "max_in_flight, max_per_host, batch_size and refill_slots must be at least 1"
            )
        if self.record_after < 0:
            raise ValueError("record_after cannot be negative")
        if self.overtime_after <= 0:
            raise ValueError("overtime_after must be positive")
        if not 1 <= self.breaker_threshold <= 10:
            raise ValueError("breaker_threshold must be between 1 and 10")
        if self.lease.total_seconds() <= 2 * self.total_timeout:
            raise ValueError("lease must outlast two requests (double-knocking) of total_timeout")

    def with_slots(self, slots: int) -> DeliveryConfig:
        """This config with ``slots`` requests in flight, and a claim that may fill them.

        A worker claims once per round, and a round (one transaction) takes tens
        of milliseconds on a busy worker, so a claim capped below the free slots
        caps throughput at that cap per round whatever the slots: at 2,000
        deliveries/s and about twelve rounds a second, a claim of 128 rows falls
        behind. A claim may therefore take every free slot; what bounds its cost
        is ``claim_window``, the rows it reads.
        """
        return replace(
            self,
            max_in_flight=slots,
            batch_size=slots,
            refill_slots=min(self.refill_slots, slots),
        )

    @property
    def max_sockets(self) -> int:
        """Connections the worker's client may hold: the slots, and as many in overtime."""
        return 2 * self.max_in_flight

    @property
    def suspect_slots(self) -> int:
        """In-flight requests allowed to hosts with a failure streak, all together."""
        return max(1, int(self.max_in_flight * self.suspect_share))
