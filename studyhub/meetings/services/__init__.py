"""Meeting operations; callers commit.

``records`` plans, records and moves a record through review; ``attendance``
snapshots the roster, runs QR check-in, manual marks and leave; ``evidence``
freezes the linked plan's completion; ``attachments`` stores photos and PDFs;
``audit`` writes the trail every one of them appends to.
"""
