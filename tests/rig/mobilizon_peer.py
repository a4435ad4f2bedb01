"""A Mobilizon server's people, for the rig: they follow a group, and ``Join`` and
``Leave`` its Events as Mobilizon does.

Every payload is a captured one (``shared/fixtures``): the person from
``mobilizon/objects/person.json``, the Join and Leave from Mobilizon's own test
fixtures (``mobilizon-join-activity.json``, ``mobilizon-leave-activity.json``, their
unverifiable LD signature left out, as we read only HTTP signatures), and a follow as
Mobilizon's tests capture one (``mastodon-follow-activity.json``). Only ids, actors and
hosts are rewritten to this peer and to the rig's nodes. The Mobilizon *group* side is
another class (``tests.rig.mobilizon_group_peer``, when it exists); this one is people.
"""

from __future__ import annotations

from typing import Any

from tests.rig.shaped_peers import PeerActor, ShapedPeer, rewrite
from tests.shared_fixtures import activitypub_fixture, extra_fixture

_MOBILIZON = "https://mobilizon.fr"
_FIXTURES = "framasoft+mobilizon/test/fixtures/"


class MobilizonPeer(ShapedPeer):
    """A Mobilizon server whose people take part in events elsewhere."""

    def person(self, name: str) -> PeerActor:
        """A Mobilizon profile (``mobilizon/objects/person.json``), with its own inbox and
        the server's shared one."""
        document = rewrite(
            activitypub_fixture("mobilizon/objects/person.json"),
            {f"{_MOBILIZON}/@sanof44": f"{self.origin}/@{name}", _MOBILIZON: self.origin},
        )
        document.update(preferredUsername=name, name=name.title())
        return self.add_actor(name, document)

    def follow(self, person: PeerActor, target: str) -> dict[str, Any]:
        """A follow of a group (to see its events), as Mobilizon's tests capture one."""
        captured = extra_fixture(_FIXTURES + "mastodon-follow-activity.json")
        captured.pop("signature", None)
        return rewrite(
            captured,
            {
                captured["id"]: f"{person.uri}/follow/{self.serial()}",
                captured["actor"]: person.uri,
                captured["object"]: target,
            },
        )

    def _participation(self, kind: str, person: PeerActor, event: str) -> dict[str, Any]:
        captured = extra_fixture(f"{_FIXTURES}mobilizon-{kind}-activity.json")
        captured.pop("signature", None)
        return rewrite(
            captured,
            {
                captured["id"]: f"{person.uri}/{kind}/event/{self.serial()}",
                captured["actor"]: person.uri,
                captured["object"]: event,
            },
        )

    def join(self, person: PeerActor, event: str) -> dict[str, Any]:
        """``mobilizon-join-activity.json``: the person asks to take part in ``event``."""
        return self._participation("join", person, event)

    def leave(self, person: PeerActor, event: str) -> dict[str, Any]:
        """``mobilizon-leave-activity.json``: the person no longer takes part."""
        return self._participation("leave", person, event)
