"""The inbox's handlers, one module per family of activities, each with its checks.

Each takes a reading (``federation.protocol.readings.ActivityReading``), never the
payload itself, and the group that announced it, if one did (``via``); it asks
``node`` in values (``node.federated``) and
raises ``Ignored`` for what it understands but does not act on.
``federation.inbox.dispatch`` says which handler takes which type.
"""
