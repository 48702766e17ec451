"""Verdicts, decided in the grader's process: each sub-check's inputs (drawn with hypothesis or
stored), the expected outputs, the search for the smallest failing input, and checking every
exercise a kernel defines."""
