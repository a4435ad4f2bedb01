"""Reports: a member tells moderators about a post or a member; reports from other nodes.

Design note. A report goes where the thing reported is moderated: a post in a group
hosted here to that group's moderators, and everything on this node to its staff
(admins and node moderators). A report made here about a post in a group hosted
elsewhere is also sent to that group's node (the group is moderated there, as in
Lemmy), and, if the reporter agrees (``forward``), to the node of the post's
author or of the member reported. What travels is a ``Flag`` from the node itself,
never naming the reporter (Mastodon's way): who reported stays on this node, shown
to its staff alone (``permissions.can_see_reporter``). The domain only records
that the report must travel (``EventKind.REPORT_FILED``); federation builds the Flag.

A ``Flag`` from another node becomes a report here for each thing it names that is
ours to moderate: a post in a group hosted here, or a post or member of this node.
One naming several posts (Mastodon lists an account and some of its posts) makes a
report per post, so each goes to its own group's moderators; the first keeps the
Flag's id, the next ones ``{id}#2``, ``{id}#3``…

Reporting the same post or member again while one's earlier report is still open is
refused (409), so a queue never fills with copies and no second Flag leaves.
Working a report (resolve, dismiss) is written to the moderation log: the group's
when the group is hosted here, else the node's own (no group). The moderator's note
stays with the report; the log, public for a public group, says only what was done.

- ``filing``: a member files a report;
- ``report_queue``: the reports moderators and staff work, and closing them;
- ``remote_reports``: reports arriving from other nodes as ``Flag``s;
- ``report_views``: what each viewer sees of a report;
- ``care``, ``care_messages``, ``care_resources``: care reports ("I'm worried about
  this person"), the kind messages they bring the member, and their resources;
- ``queue_counts``, ``stepping_back``: what waits in each part of the queue, and
  moderators who step back from it for a while.
"""
