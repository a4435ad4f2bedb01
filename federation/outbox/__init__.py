"""Sending: domain events into activities, queued for delivery; and which of our
activities are served by id."""
