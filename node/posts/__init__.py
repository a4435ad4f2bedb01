"""Posts in groups: thread starts, threaded replies, edits, deletion, removal, support.

A deleted post stays as a tombstone (no author, no content) so the replies under
it keep their place in the conversation; its text is wiped at once rather than
hidden, because people delete what they regret sharing.

A post a moderator removes is different: its text is kept, so that a mistaken
removal can be undone (``removal.restore_post``), but everyone sees it as a
tombstone except the group's moderators and node staff, who may ask to see it
(``show_removed``). A post held for approval (pre-moderation, ``node.held_posts``)
is seen by its author and those moderators only, and does not leave the node
until it is approved. Our member's post in a group elsewhere is seen by its
author alone until that group shares it (``node.pending_posts``).

- ``visibility``: which posts a viewer sees, and what of each (``load_post``,
  ``views_of``);
- ``reading``: one post, a group's threads, a thread's replies, as members,
  visitors and other nodes may read them;
- ``writing``: starting a thread, replying, editing, deleting;
- ``support``: supportive reactions;
- ``removal``: moderators removing and restoring posts, here or in a group's own
  node elsewhere;
- ``remote_posts``: posts written on other nodes, stored and wiped.
"""
