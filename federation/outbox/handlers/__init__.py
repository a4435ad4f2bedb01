"""One module per family of events, each turning an event into the activities it means.

A handler fetches the facts it needs from node (values, never rows), builds the
activities with ``federation.protocol.activities`` and sends them
(``federation.outbox.sending``). ``federation.outbox.dispatch`` says which handler
answers which event.
"""
