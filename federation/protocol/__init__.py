"""ActivityStreams as we read and write it: the vocabulary, readers that turn peers'
payloads into frozen readings, and our own documents (actors, posts, discovery)."""
