"""The quiz domain's operations, one module per concern.

``content`` renders and sanitises question text and checks a question by its
type; ``bank`` keeps banks, categories, tags and versioned questions; ``media``
stores the images and sounds questions embed; ``imports`` stores what the
importers parsed (all or nothing) and exports a bank to the XLSX template;
``quizzes`` and ``attempts`` set up quizzes and run members' attempts;
``grading`` marks responses (pure functions per type); ``review`` decides what
a member may see after an attempt; ``statistics`` analyses items; ``mistakes``
keeps the mistake book; ``daily`` runs the daily quiz.
"""
