"""三会一课 records: meetings, attendance, check-in, leave, study evidence, review, compliance.

It owns meeting records and their audit trail, attendance (snapshotted roster,
QR check-in, leave requests), the snapshot of a linked study plan's completion,
required frequencies per committee and the meeting register exports.
"""
