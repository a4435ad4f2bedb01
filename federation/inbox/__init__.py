"""Receiving: verify, store and answer 202; then the worker that turns each stored
activity into domain calls."""
