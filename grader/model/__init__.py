"""The grader's vocabulary: assignments and their records, settings and time budgets, results,
errors, and how values are compared, written as Python and carried as plain data. Every other
part builds on these; nothing here imports the rest of the grader."""
