"""What a person is told when a group on another node cannot be fetched.

Joining a group elsewhere looks it up again first (``groups.join``), and so does
finding one by handle or address (``find_group``); either way, every kind of
``FetchError`` comes down to one of four things a person can act on, each said in
their language.
"""

from __future__ import annotations

from collections.abc import Callable

from federation.remote.http import FetchError, FetchErrorKind

Message = Callable[[Callable[[str], str]], str]


def _malformed(_: Callable[[str], str]) -> str:
    return _(
        "Please enter a group's handle, such as @circle@node.example, or its web "
        "address, such as https://node.example/groups/circle."
    )


def _unknown(_: Callable[[str], str]) -> str:
    return _("No group was found at this handle or address. Please check it and try again.")


def _unreachable(_: Callable[[str], str]) -> str:
    return _("That node could not be reached just now. Please try again later.")


def _refused(_: Callable[[str], str]) -> str:
    return _("This node does not connect with that node, so its groups cannot be joined from here.")


FAILURES: dict[str, Message] = {
    "malformed": _malformed,
    "unknown": _unknown,
    "unreachable": _unreachable,
    "refused": _refused,
}

# Which of the four things a person can act on each fetch failure is.
_FAILURE_OF: dict[FetchErrorKind, str] = {
    FetchErrorKind.INVALID_ADDRESS: "malformed",
    FetchErrorKind.REFUSED_BY_POLICY: "refused",
    # Nothing there, or nothing that is a group we can use.
    FetchErrorKind.NOT_FOUND: "unknown",
    FetchErrorKind.NOT_A_DOCUMENT: "unknown",
    FetchErrorKind.WRONG_ID: "unknown",
    FetchErrorKind.NO_ACTOR: "unknown",
    FetchErrorKind.NOT_AN_ACTOR: "unknown",
    FetchErrorKind.NOT_A_GROUP: "unknown",
    # The node could not (or may not) be asked, or did not answer usefully.
    FetchErrorKind.PLAIN_HTTP: "unreachable",
    FetchErrorKind.PRIVATE_ADDRESS: "unreachable",
    FetchErrorKind.HTTP_ERROR: "unreachable",
    FetchErrorKind.UNREACHABLE: "unreachable",
    FetchErrorKind.TIMEOUT: "unreachable",
    FetchErrorKind.TOO_MANY_REDIRECTS: "unreachable",
    FetchErrorKind.TOO_LARGE: "unreachable",
}


def fetch_failure(error: FetchError) -> str:
    """Which of the four things a person can act on went wrong."""
    return _FAILURE_OF[error.kind]
