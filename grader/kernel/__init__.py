"""A student's notebook in its kernel: reading it, starting the kernel under limits and in the
sandbox, running its cells (all, or in fast mode those ``defs_only`` keeps), and calling its
functions across the kernel boundary with plain data."""
