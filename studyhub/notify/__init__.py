"""Notifications: the in-app inbox and e-mail, fed by an outbox written with its cause.

A service that wants to tell someone something adds a :class:`Message` in the
same transaction as the change that caused it; e-mail copies are queued as
:class:`EmailDelivery` rows and sent by the ``deliver_outbox`` job after commit,
with retries, so no request ever waits for a mail server.
"""
