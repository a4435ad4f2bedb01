"""A fake Mobilizon server with a *group* that holds events, for the rig.

The group (``mobilizon/objects/group.json``) accepts followers, its member
(``mobilizon/objects/person.json``) makes its events (``mobilizon/objects/event.json``,
attributed to the group, made by the member: Mobilizon's shape) and sends their
``Create`` (``mobilizon-post-activity-group.json``'s envelope), which the group
announces to its followers. A ``Join`` of an event is answered with an ``Accept`` or
a ``Reject`` naming it by id, as Mobilizon names the participation it recorded, in
the envelope of the answers Mobilizon's tests capture. Ids and hosts are rewritten to
this peer; everything else stays as captured but for what a test chooses (the name,
the times, whether the event is online).

Kept apart from the Mastodon- and Lemmy-shaped peers (``tests.rig.shaped_peers``) and
from a Mobilizon *participant* peer, so each can grow on its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from federation.protocol.vocab import PUBLIC
from tests.rig.shaped_peers import PeerActor, ShapedPeer, rewrite
from tests.shared_fixtures import activitypub_fixture, extra_fixture

_MOBILIZON = "https://mobilizon.fr"
_EVENTS = "https://rendezvous.nomagic.uk"
_FIXTURES = "framasoft+mobilizon/test/fixtures/"


class MobilizonGroupPeer(ShapedPeer):
    """A Mobilizon server: a group with an organizer, its events, and their answers."""

    def group(self, name: str) -> PeerActor:
        """A Mobilizon group (``mobilizon/objects/group.json``)."""
        document = rewrite(
            activitypub_fixture("mobilizon/objects/group.json"),
            {f"{_MOBILIZON}/@contribateliers": f"{self.origin}/@{name}", _MOBILIZON: self.origin},
        )
        document.update(preferredUsername=name, name=name.title())
        return self.add_actor(name, document)

    def person(self, name: str) -> PeerActor:
        """A Mobilizon account (``mobilizon/objects/person.json``): the group's organizer."""
        document = rewrite(
            activitypub_fixture("mobilizon/objects/person.json"),
            {f"{_MOBILIZON}/@sanof44": f"{self.origin}/@{name}", _MOBILIZON: self.origin},
        )
        document.update(preferredUsername=name, name=name.title())
        return self.add_actor(name, document)

    def accept_follow(self, group: PeerActor, follow: dict[str, Any]) -> dict[str, Any]:
        """The group lets a follower in (the Accept Mobilizon's tests capture)."""
        captured = extra_fixture(_FIXTURES + "mastodon-accept-activity.json")
        captured.pop("signature")
        return rewrite(
            captured,
            {
                captured["id"]: f"{self.origin}/accepts/follows/{uuid.uuid4()}",
                captured["object"]["id"]: follow["id"],
                "http://mobilizon.test/@thomas1": follow["actor"],
                "http://mobilizon.test/@thomas0": group.uri,
            },
        )

    def event(
        self,
        group: PeerActor,
        organizer: PeerActor,
        name: str,
        starts: datetime,
        *,
        online: str | None = None,
    ) -> dict[str, Any]:
        """An event of ``group`` made by ``organizer`` (``mobilizon/objects/event.json``):
        two hours from ``starts``; ``online``, its online address (a "Website" Link)."""
        captured = activitypub_fixture("mobilizon/objects/event.json")
        ident = str(uuid.uuid4())
        event = rewrite(
            captured,
            {
                captured["uuid"]: ident,
                f"{_EVENTS}/@devon_caledonian_society": group.uri,
                f"{_EVENTS}/@emorrp1": organizer.uri,
                _EVENTS: self.origin,
            },
        )
        event.update(
            name=name,
            startTime=_iso(starts),
            endTime=_iso(starts + timedelta(hours=2)),
            published=_iso(self.clock()),
            updated=_iso(self.clock()),
        )
        if online is not None:
            event.update(isOnline=True)
            event["attachment"].append(
                {"type": "Link", "href": online, "mediaType": "text/html", "name": "Website"}
            )
        return self.publish(event)

    def create(self, organizer: PeerActor, event: dict[str, Any]) -> dict[str, Any]:
        """The organizer's Create of a group's event
        (``mobilizon-post-activity-group.json``'s envelope)."""
        captured = extra_fixture(_FIXTURES + "mobilizon-post-activity-group.json")
        body = {key: value for key, value in event.items() if key != "@context"}
        return {
            "@context": event["@context"],
            "id": f"{event['id']}/activity",
            "type": captured["type"],
            "actor": organizer.uri,
            "attributedTo": event["attributedTo"],
            "to": event["to"],
            "cc": event["cc"],
            "published": event["published"],
            "object": body,
        }

    def announce(self, group: PeerActor, activity: dict[str, Any]) -> dict[str, Any]:
        """The group shares an activity with its followers (Mobilizon's tests' Announce)."""
        captured = extra_fixture(_FIXTURES + "mastodon-announce.json")
        inner = {key: value for key, value in activity.items() if key != "@context"}
        return {
            **{key: captured[key] for key in ("@context", "type", "published")},
            "id": f"{self.origin}/announces/{uuid.uuid4()}",
            "actor": group.uri,
            "to": [PUBLIC],
            "cc": [group.document["followers"]],
            "object": inner,
        }

    def answer_join(
        self, organizer: PeerActor, join: dict[str, Any], *, accept: bool = True
    ) -> dict[str, Any]:
        """The organizer accepts (or rejects) a participation, naming the Join by its id."""
        name = "mastodon-accept-activity.json" if accept else "mastodon-reject-activity.json"
        captured = extra_fixture(_FIXTURES + name)
        captured.pop("signature")
        kind = "accept" if accept else "reject"
        return {
            **captured,
            "id": f"{self.origin}/{kind}/join/{uuid.uuid4()}",
            "actor": organizer.uri,
            "to": [join["actor"]],
            "object": join["id"],
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
