"""Delivering queued activities: claiming, signing and sending, outcomes, per-host
state and retry."""
