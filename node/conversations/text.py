"""What a message may hold: some words, and not a book."""

from __future__ import annotations

from node.errors import InvalidInput

TEXT_MAX = 5000


def check_text(text: str) -> str:
    """``text`` trimmed, or ``InvalidInput`` said kindly when it is empty or too long."""
    if "\x00" in text:  # PostgreSQL cannot store it, and no message needs it
        raise InvalidInput("A message cannot hold NUL characters.", field="text")
    text = text.strip()
    if not text:
        raise InvalidInput("Please write a few words first.", field="text")
    if len(text) > TEXT_MAX:
        raise InvalidInput(
            f"A message can hold up to {TEXT_MAX:,} characters; this one has "
            f"{len(text):,}. Perhaps send it in two parts?",
            field="text",
        )
    return text
