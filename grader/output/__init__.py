"""What grading writes and shows: the gradebook, feedback and Gradescope results, JUnit XML, class
statistics, and a run's progress."""
