"""The schema, as SQLAlchemy 2 declarative models, one module per area.

Design notes:

- One identity table, ``actors``, holds every member, group and (later) the
  instance actor, local or remote, keyed by its canonical URI (``uri``, the
  ActivityPub id). Local-only facts hang off it in side tables (``accounts`` for
  members who sign in here; ``groups`` for group settings, which remote groups
  also carry as far as their home node publishes them). Federation can add remote
  actors without a redesign: they are rows with ``local = false``.
- ``posts`` is likewise one table for every thread start and reply, local or
  remote, keyed by ``uri``. ``thread_id`` points at the thread start so a whole
  conversation is one indexed query; ``in_reply_to_id`` keeps the tree.
- Local handles are unique across members and groups (``uq_local_actor_handle``),
  so ``acct:name@domain`` always names exactly one actor here.
- Times are stored as UTC and always read back timezone-aware, on SQLite too.
- Integer primary keys stay internal; the API and URLs use ``public_id`` (a
  time-ordered random id) so counts and creation order of private content are not
  guessable from its address.

Every area's tables share one metadata (``base.Base``). The areas are imported
here, so that whichever model a module imports, ``Base.metadata`` holds every
table: Alembic compares the migrations against it (``migrations/env.py``), the
tests truncate by it, and foreign keys between areas resolve in it.
"""

from node.storage.models import (  # noqa: F401
    actors,
    blocklists,
    boundaries,
    care,
    checkins,
    conversations,
    crisis,
    data_exports,
    events,
    groups,
    mail,
    meetings,
    moderation,
    node_settings,
    notifications,
    posts,
    topic_filters,
)
