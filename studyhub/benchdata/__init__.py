"""Synthetic data for the benchmarks: ``studyhub gen-data`` and its steps.

A large committee with its members, a question bank with exams and attempts, a
quarter of readings with receipts and a plan, and years of audit log: one module
per part, each a :class:`~studyhub.benchdata.generation.Step` of
:data:`~studyhub.benchdata.run.STEPS`. It sits above the domains and writes
their tables directly; no domain imports it.
"""
