"""Study plans: the quarter's theme (季度主题学习) with its materials, test, dates and branches.

It owns plans, their targets and deadline overrides, members' progress
through them and the reminders about them.
"""
