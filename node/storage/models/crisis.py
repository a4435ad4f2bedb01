"""Crisis resources: the node's list (``group_id`` empty) and each group's, in order.

A group's list is its moderators' for a group hosted here, and as its node publishes
it for a group elsewhere. Texts are kept in the default language in their columns,
and in other languages in ``translations`` (JSON: ``{"de": {"name": …, "hours": …,
"note": …}}``), so one row is one resource whatever languages it is described in.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.kinds import ContactKind
from node.storage.models.base import Base, enum_column


class CrisisResource(Base):
    __tablename__ = "crisis_resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: one of the node's own resources.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), nullable=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ContactKind] = mapped_column(enum_column(ContactKind, "crisis_contact_kind"))
    value: Mapped[str] = mapped_column(String(300))
    # ISO 3166 alpha-2, upper case; empty: anywhere.
    country: Mapped[str] = mapped_column(String(2), default="")
    # Language tags it answers in, space-separated; empty: not said.
    languages: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    translations: Mapped[str] = mapped_column(Text, default="{}")
