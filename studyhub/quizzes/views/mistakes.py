"""The mistake book: what a member got wrong, reviewed on a schedule."""
