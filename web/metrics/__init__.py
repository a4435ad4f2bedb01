"""``/metrics`` for Prometheus: request metrics, federation's counters, the database's truth."""
