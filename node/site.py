"""The node's own identity: its public URL and the canonical URIs it mints.

Every local actor and object is named by a URI under ``base_url``; that URI is
its ActivityPub id and the page a browser opens. They are built here and only
here, so changing the URL layout is one edit (and a migration of stored URIs).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Site:
    base_url: str

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).netloc

    def member_uri(self, handle: str) -> str:
        return f"{self.base_url}/members/{handle}"

    def group_uri(self, handle: str) -> str:
        return f"{self.base_url}/groups/{handle}"

    def post_uri(self, public_id: str) -> str:
        return f"{self.base_url}/posts/{public_id}"

    def report_uri(self, public_id: str) -> str:
        """A report made here: the id of the ``Flag`` that carries it to other nodes."""
        return f"{self.base_url}/reports/{public_id}"

    def conversation_uri(self, public_id: str) -> str:
        """A conversation our member asked for: its id wherever it travels."""
        return f"{self.base_url}/conversations/{public_id}"

    def conversation_message_uri(self, public_id: str) -> str:
        """A message written here in a conversation (never served to anyone else)."""
        return f"{self.base_url}/conversations/messages/{public_id}"
