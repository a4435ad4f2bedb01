"""Persistence: models, engine and session set-up, and migrations."""
