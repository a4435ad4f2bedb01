"""The admin's federation policy: which other nodes this one talks to, and how far it
trusts them.

- ``decision``: the pure decision (``decide(policy, host)``), Mastodon's domain-block
  CSV, and what NodeInfo publishes of the policy;
- ``storage``: the mode, the rules per domain and the publishing switch in the database,
  and the ties a change cuts;
- ``visibility``: what the policy hides from this node's pages and API.

A running node holds the policy in memory for the inbox, fetches and delivery
(``federation.policy_cache``).
"""
