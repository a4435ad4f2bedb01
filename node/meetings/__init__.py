"""A group's meetings: scheduling, recurrence, who is coming, reminders and calendars.

- ``recurrence``: the occurrences of a series, worked out from its local wall time
  (pure; a weekly 19:00 Berlin meeting stays 19:00 across daylight-saving changes).
- ``access``: who may see a meeting, run it, and say they are coming.
- ``scheduling``: schedule, edit, cancel a series or an occurrence, move an
  occurrence, appoint facilitators.
- ``attending``: RSVP (going / maybe / not going, leave), the waiting list and the
  facilitator's acceptance in approval mode.
- ``reading``: one meeting, a group's coming occurrences, a member's meetings.
- ``reminders``: a day and an hour before each occurrence, once each.
- ``calendar_feeds`` and ``ical``: the public and private iCalendar feeds.
- ``hosted``, ``guests`` and ``guest_answers``: our meetings as other nodes are given
  them, people elsewhere coming to them (their Join and Leave), and the answers and
  changes recorded for federation to send.
- ``elsewhere``: meetings of groups on other nodes, kept as their group says.
- ``joining_elsewhere``: our member asking to come to one, its node's answer, leaving.

Only the group's own node runs its meetings; people elsewhere take part through it.
"""
