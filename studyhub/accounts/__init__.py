"""Accounts: the people who log in, their passwords and their sessions.

It owns the ``user`` table, password hashing, login by phone number or member
number, the forced first-login change and password resets. Who belongs where
and who may do what is the org domain's business.
"""
