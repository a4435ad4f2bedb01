"""A member's boundaries: who may ask them for a conversation, whom they muted, whom
and which nodes they blocked for themselves.

Design note. These are a person's own choices, not moderation. A mute hides an
actor's posts and replies from the muter alone, and nobody is told. A block hides
too, and also refuses: the blocked actor may not reply to the blocker's posts, mention
them or ask them for a conversation, and neither may ask the other. Blocking a remote
actor sends a ``Block`` to that actor's server (as Mastodon does), so it can stop
them there too; an incoming ``Block`` of one of our members by a remote actor is
kept, so we stop sending that person our member's requests and messages.

- ``checks``: the questions other parts ask (``may_ask``, ``blocks``, ``hidden_from``);
"""
