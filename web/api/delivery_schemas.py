"""Did my post arrive? The ``delivery`` object of GET /api/v1/posts/{id}: what the thread
page's delivery line says (``web.pages.delivery_status`` decides who is told), in UTC."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from federation.delivery.reach import HostState, PostReach


class HostDeliveryOut(BaseModel):
    host: str = Field(description="The other node")
    state: HostState = Field(
        description="reached; sending (not tried yet); retrying (an attempt failed, it is "
        "tried again); failed (not delivered: refused, unreachable or dropped by an admin)"
    )
    since: datetime = Field(description="When it reached the node or was given up on, else sent")


class DeliveryOut(BaseModel):
    total: int = Field(description="Other nodes the post was sent to")
    reached: int
    sending: int = Field(description="On their way, not tried yet")
    retrying: int
    not_delivered: int
    retrying_since: datetime | None = Field(
        description="When the oldest delivery still being retried was sent"
    )
    hosts: list[HostDeliveryOut] | None = Field(
        None,
        description="Each node, trouble first: for the group's moderators only (null for "
        "the author)",
    )


def delivery_out(status: PostReach, *, moderates: bool) -> DeliveryOut:
    return DeliveryOut(
        total=len(status.hosts),
        reached=status.reached,
        sending=status.count(HostState.SENDING),
        retrying=status.count(HostState.RETRYING),
        not_delivered=status.count(HostState.FAILED),
        retrying_since=status.retrying_since,
        hosts=[HostDeliveryOut(host=h.host, state=h.state, since=h.since) for h in status.hosts]
        if moderates
        else None,
    )
