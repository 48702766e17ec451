"""Grading submissions: one from its file to its score (restarting lost kernels), many at once
in a pool or on a cluster, and keeping results between runs."""
