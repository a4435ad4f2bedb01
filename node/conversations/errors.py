"""What the conversation services refuse with, beside the usual domain errors."""

from __future__ import annotations

from node.errors import PermissionDenied


class NotAvailable(PermissionDenied):
    """The person asked cannot be asked by this asker. The reason is never told: a
    boundary, a block and no such member read alike, so asking reveals nothing."""

    code = "not_available"

    def __init__(self, message: str = "This person is not available to talk.") -> None:
        super().__init__(message)


class AlreadyOpen(NotAvailable):
    """The two already have an open request or conversation; the asker is told so, and
    pointed at it (``public_id``), since both of them know of it already."""

    code = "already_open"

    def __init__(self, message: str, *, public_id: str) -> None:
        super().__init__(message)
        self.public_id = public_id


class ConversationClosed(PermissionDenied):
    """Nothing can be written here now: the request is not accepted yet, or was declined,
    or the conversation has ended (for good)."""

    code = "conversation_closed"
