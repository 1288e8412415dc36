"""Staff pages for quizzes: create, edit, publish, assign to units."""
