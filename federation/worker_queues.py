"""The queues a ``kinfolk worker`` process may run (``federation.workers``), apart from
the workers themselves so the command line can offer them without loading federation."""

from __future__ import annotations

import enum


class Queue(enum.StrEnum):
    INBOX = "inbox"  # process accepted activities, dispatch domain events, read groups
    DELIVERY = "delivery"  # send queued deliveries
    ALL = "all"
