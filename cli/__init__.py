"""The ``kinfolk`` command: what admins run and script against.

Command names and flags are an interface: keep them stable, add freely. Every
command has ``--help``; nothing prompts when standard input is not a terminal.
Exit codes: 0 done, 1 refused (a name is taken, a value is invalid, …), 2 bad
usage or configuration.

``main`` parses and dispatches; each family of commands is a module that adds
its parsers: ``server`` (init, serve, migrate, worker, config), ``base_url``,
``accounts`` (user, group), ``policy``, ``moderation`` (mod). ``command`` is
what they share: opening the node for one transaction, and ``UsageError``.
The commands call the same services as the API and the pages.
"""
