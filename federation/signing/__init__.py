"""HTTP signatures (draft-cavage, RFC 9421), digests, keys, and which standard a peer takes."""
