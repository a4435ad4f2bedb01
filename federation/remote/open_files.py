"""Room for the sockets a node opens: the soft limit on open files, raised if needed.

Many systems start services with a soft limit of 1,024 open files (systemd's
default, and most shells'). A delivery worker with 1,024 slots would then fail
deliveries with EMFILE ("Too many open files") instead of sending them, and
retry them for days. A process may raise its own soft limit up to the hard
limit, as nginx and Go programs do, so the federation client does that before
it opens its first connection; where the hard limit is too low, the log says
what to change.
"""

from __future__ import annotations

import logging
import resource

log = logging.getLogger("kinfolk.federation")

SPARE = 256  # descriptors beyond the sockets: the database, logs, the web server's clients


def ensure_open_files(sockets: int) -> int:
    """Make room for ``sockets`` connections and ``SPARE`` more; the soft limit now."""
    wanted = sockets + SPARE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if raised > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        log.info("raised the open files limit from %d to %d", soft, raised)
    if raised < wanted:
        log.warning(
            "open files are limited to %d, and %d requests in flight need about %d: "
            "raise the hard limit (systemd: LimitNOFILE=65536) or lower "
            "KINFOLK_DELIVERY_CONCURRENCY",
            raised,
            sockets,
            wanted,
        )
    return raised
