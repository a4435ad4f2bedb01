"""What each member chose to see of posts on a support topic (``node.topics.filters``).

Only choices that differ from the default (collapse) are kept: a member who never
opened their settings has no rows.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base


class TopicFilter(Base):
    __tablename__ = "topic_filters"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    choice: Mapped[str] = mapped_column(String(16))
