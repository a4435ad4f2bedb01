"""A member's own data, to take with them: an archive of their profile, settings, posts
and replies, conversations (their own messages), reports they made, memberships and
follows (``archive``, ``records``, ``sections``), asked for, built and handed to them
alone by ``jobs``. Nothing of other members' private words is in it."""
