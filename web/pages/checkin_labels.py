"""The five steps of the check-in scale (``node.checkins.scale``), marked here for
``make messages`` and translated where shown: on the check-ins page and on a post that
is a shared check-in (``check_in_labels`` in every template)."""

from __future__ import annotations

from collections.abc import Callable


def _(message: str) -> str:
    """Marks a label for extraction; pages translate it when they show it."""
    return message


LABELS: dict[int, str] = {
    1: _("really struggling"),
    2: _("low"),
    3: _("okay"),
    4: _("good"),
    5: _("really good"),
}


def translated(gettext: Callable[[str], str]) -> dict[int, str]:
    """The five steps in the reader's language."""
    return {scale: gettext(label) for scale, label in LABELS.items()}
