"""Meeting notices: invitations, changes, cancellations, reminders, leave decisions,
returned records and the staff's daily digest of records waiting for review.

Everything is sent by scheduled jobs after the change that causes it has committed:

* ``send_event_notices`` (every minute) reads the recent trail (``MeetingEvent``) and
  tells the people concerned about each event once: the roster of a meeting scheduled,
  moved or cancelled (and the branch's group robots), the member whose leave was
  decided, the recorder and the secretaries of a returned record.
* ``send_reminders`` (every few minutes) reminds the roster before a planned meeting,
  at the configured times before it (by default the day before and an hour before);
  members whose leave was approved are not reminded.
* ``send_review_digest`` (daily) tells each committee staff member how many records
  of the branches they look after wait for review: one message a day, never one per
  record.

Each notice is a ``MeetingNotice`` row with a unique key (the event, or the meeting,
reminder and start time, or the committee and day) written in the same transaction
as its messages, so a job that runs twice or late sends nothing twice; each message
also has a per-recipient ``dedupe_key``. Messages are stored as kind + params and
rendered in the reader's language (``notify.texts``); the member's preferences
(``notify.services.wants``) decide inbox, e-mail and SMS.
"""

from __future__ import annotations

from studyhub.meetings.notices.common import attendees as attendees
from studyhub.meetings.notices.digest import send_review_digest as send_review_digest
from studyhub.meetings.notices.events import send_event_notices as send_event_notices
from studyhub.meetings.notices.reminders import DEFAULT_REMINDERS as DEFAULT_REMINDERS
from studyhub.meetings.notices.reminders import reminder_key as reminder_key
from studyhub.meetings.notices.reminders import send_reminders as send_reminders
from studyhub.meetings.notices.texts import CANCELLED as CANCELLED
from studyhub.meetings.notices.texts import CHANGED as CHANGED
from studyhub.meetings.notices.texts import INVITATION as INVITATION
from studyhub.meetings.notices.texts import LEAVE_DECIDED as LEAVE_DECIDED
from studyhub.meetings.notices.texts import NOTICE_KINDS as NOTICE_KINDS
from studyhub.meetings.notices.texts import RECORD_RETURNED as RECORD_RETURNED
from studyhub.meetings.notices.texts import RECORDS_WAITING as RECORDS_WAITING
from studyhub.meetings.notices.texts import REMINDER as REMINDER
from studyhub.meetings.notices.texts import RENDERERS as RENDERERS
