"""The domain as federation sees it: values in, values out.

Federation — the inbox reading what other nodes say, the outbox telling them what
happened here — never holds a row of node's tables. It asks these services, which
answer with frozen values (``actors``), and tells them what other nodes decided,
which they apply by node's own rules (``posts``, ``groups``, ``follows``, …).
Incoming: ``incoming_posts``, ``group_decisions``, ``ties``, ``incoming_reports``.
Outgoing: ``outgoing_posts``, ``audiences``, ``follow_requests``,
``reaction_records``, ``ban_records``, ``report_forwarding``.
"""
