"""Other servers as we reach them: guarded HTTP, their actors, groups and collections."""
