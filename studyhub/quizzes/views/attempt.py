"""Members take quizzes: start, answer, submit, results and review."""
