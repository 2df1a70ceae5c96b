"""Show files: typed schema, strict loading, includes."""
