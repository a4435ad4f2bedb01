"""Check-ins: a member notes how they are, for themselves, and may share one with a group.

A check-in is a scale of five steps (``scale``), a few feeling words of the member's own
and an optional note, all plain text. It is private: ``recording`` reads and writes only
the member's own (anyone else, staff included, is told it does not exist), and nothing
about it ever leaves the node: no event, activity or collection. ``sharing`` turns one
into a post in a group the member belongs to, through the post-writing service (so
pre-moderation, topics, anonymity and federation work as for any post), marked with its
scale so pages give it a gentle look and other Kinfolk nodes can too
(``kinfolk:checkIn``, FEDERATION.md).
"""
