"""Quizzes: question banks and the tests members take on them.

It owns question banks with their categories (knowledge points) and tags, the
questions in them (single choice, multiple choice, true/false, fill-in) and their
versions, the importers that read question files (XLSX template, GIFT, Aiken,
Moodle XML) and the XLSX export, quizzes (practice, exam, the daily quiz) and
the attempts members make at them, grading, question statistics (item
analysis) and each member's mistake book with its spaced-repetition schedule.
"""
