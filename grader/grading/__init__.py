"""Grading submissions: finding them, grading one from its file to its score (restarting lost
kernels), many at once, and keeping results between runs."""
