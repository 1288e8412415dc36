"""Framework-free building blocks: the clock and the domain errors.

Nothing in here imports anything else from studyhub, so every domain may use it.
"""
