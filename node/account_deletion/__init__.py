"""A member of this node deletes their own account, for good.

Design note. At once, in one transaction (``deleting``): the password is checked, the
account can no longer sign in (its tokens, and so its page sessions, are deleted), its
profile is gone (``accounts.deleted_at``: the profile and actor answer 410), its open
conversations end, its memberships, follows, support, boundaries and personal settings
go, and an ``ACCOUNT_DELETED`` event names every actor elsewhere whose node may hold its
words (``audience``, computed before those ties are cut), for federation's ``Delete`` of
the actor. Its posts are hidden from that moment like a suspended account's.

Then, a batch per transaction (``wiping``), every post and reply it wrote, anonymous ones
included, is wiped as its own deletion of each would wipe it: a tombstone keeps the
replies of others in place, and a ``POST_DELETED`` event tells the group's nodes, by
the same path as a single deletion (an anonymous post's as the group's or this node's
act, never beside the actor). The batches only ever look for what is left to wipe, so a
crash half-way is simply resumed.

The actor row stays, so the name is never given to anyone else (``register`` finds it
taken), and tombstones, reports and the moderation log still name it.
"""
