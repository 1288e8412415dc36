"""Erasing a departed member's personal data while keeping the figures they count in.

China's Personal Information Protection Law gives a person who has left the
right to have their personal data deleted; the branch's and the committee's
history (completion, closed quarters' scores, attendance counts) must not
change. So the rows stay and the identity goes:

- the account: name → a placeholder ("已注销党员 #<member id>"), phone, member
  number, e-mail, position and the date they joined emptied, the password made
  unusable, every login record, activation code and appointment deleted (the
  account can never log in again, since nothing is left to log in with);
- their inbox (messages and e-mail copies) deleted;
- the free text they wrote replaced by :data:`studyhub.core.scrub.ERASED_TEXT`,
  and every copy of their name, phone, member number or e-mail that the
  application made elsewhere (meeting records, frozen scores, evidence
  snapshots, others' messages, audit entries…) replaced by the placeholder.

The domains above org own most of that data, so each adds an :class:`Eraser` to
:data:`ERASERS` when it is imported (as readings adds its committee defaults),
and :func:`erase_member` runs them all. Content staff published for everyone
(readings, question banks, plan guidance) is not searched: it is not about the
member. Files exported before the erasure (score spreadsheets in the storage)
are removed by reports' part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, select, union
from sqlalchemy.orm import Session

from studyhub.accounts.models import ActivationCode, LoginSession, User
from studyhub.accounts.services import unusable_password
from studyhub.audit import services as audit
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.core.scrub import MIN_NUMBER_NEEDLE, needles_of, scrub_columns
from studyhub.notify.models import EmailDelivery, Message, NotificationPreference, SmsDelivery
from studyhub.org.auditing import record_in
from studyhub.org.models import Member, OrgUnit, RoleAssignment
from studyhub.web.storage import Storage, current_storage

PLACEHOLDER = "已注销党员 #{member_id}"


@dataclass(frozen=True)
class ErasedPerson:
    """Who is being erased: their ids, where they were, and what identified them.

    Rows tied to the person by id (their attendance, their frozen score, the
    audit entries about them) lose every one of ``needles``. Other rows of their
    committee are searched as free text, and there a needle that is also another
    live person's exact name, phone, number or e-mail (``shared``: two members
    called 王伟) is left alone, since it may be about that other person; so are
    member numbers and phones shorter than :data:`MIN_NUMBER_NEEDLE` (never
    needles at all: "12" sits inside dates and amounts).
    """

    user_id: int
    member_id: int
    committee_id: int
    branch_id: int
    needles: tuple[str, ...]  # their name, phone, member number, e-mail (longest first)
    placeholder: str
    now: datetime
    protected: tuple[str, ...] = ()  # others' names that contain theirs: left whole
    shared: tuple[str, ...] = ()  # needles that also identify another live person
    namesakes: tuple[int, ...] = ()  # the user ids of those other people
    storage: Storage | None = None  # where exported files are (None: none to remove)

    @property
    def free_needles(self) -> tuple[str, ...]:
        """The needles that may be replaced in text not tied to the person by id."""
        return tuple(n for n in self.needles if n not in self.shared)

    def owns(self, value: dict) -> bool:
        """Whether a dict inside a JSON value (a row of evidence, of an explanation)
        names this person by id."""
        return value.get("user_id") == self.user_id or value.get("member_id") == self.member_id

    def scrub(self, session: Session, model: type, columns: tuple[str, ...], where=None) -> int:
        """Replace this person's identifying strings in ``columns`` of ``model``'s rows that
        are not tied to them by id (``where`` must keep to their committee): only the
        needles no one else shares, but all of them inside a JSON dict naming them by id."""
        return scrub_columns(
            session,
            model.__table__,
            columns,
            self.free_needles,
            self.placeholder,
            where=where,
            protected=self.protected,
            owned=self.owns,
            own_needles=self.needles,
        )

    def scrub_own(self, session: Session, model: type, columns: tuple[str, ...], where=None) -> int:
        """Replace every one of this person's identifying strings in ``columns`` of the rows
        of ``model`` that ``where`` ties to them by id."""
        return scrub_columns(
            session,
            model.__table__,
            columns,
            self.needles,
            self.placeholder,
            where=where,
            protected=self.protected,
        )


# A domain's part of an erasure: changes its tables, returns {what: rows changed}.
Eraser = Callable[[Session, ErasedPerson], dict[str, int]]
ERASERS: list[Eraser] = []


def register_eraser(eraser: Eraser) -> None:
    """Add a domain's part to every erasure (once, however often its module is imported)."""
    if eraser not in ERASERS:
        ERASERS.append(eraser)


def require_erasable(member: Member) -> None:
    """Only a member already deactivated (who has left), and only once."""
    if member.erased_at is not None:
        raise Conflict(_l("This member's personal data has already been erased."))
    if member.is_active:
        raise Conflict(_l("Deactivate the member first: only a departed member can be erased."))


def erase_member(
    session: Session,
    member: Member,
    *,
    typed_name: str | None = None,
    actor_id: int | None,
    now: datetime,
    storage: Storage | None = None,
) -> dict[str, int]:
    """Erase a departed member's personal data; cannot be undone. Returns rows changed per part.

    ``storage`` is the app's storage, where files exported before the erasure are
    removed (None: the app's, :func:`studyhub.web.storage.current_storage`).

    ``typed_name`` is the confirmation a person typed (the member's name); a
    caller without a person (a test, a command) passes None. The audit log gets
    a ``member.erased`` entry holding only the placeholder and the counts, and
    the earlier entries that named the member are rewritten
    (:func:`studyhub.audit.services.erase_person`).
    """
    require_erasable(member)
    user = member.user
    if typed_name is not None and typed_name.strip() != user.name.strip():
        raise InvalidInput(_l("The name typed is not this member's name."))

    def former(*fields: str) -> set[str]:
        return audit.former_values(
            session, object_type="member", object_id=member.id, fields=fields
        )

    names = needles_of([user.name, *former("name")])
    numbers = needles_of(
        [user.phone, user.member_no, user.email, *former("phone", "member_no", "email")],
        shortest=MIN_NUMBER_NEEDLE,
    )
    needles = needles_of([*names, *numbers])
    namesakes = _namesakes(session, user, member.committee_id, needles)
    person = ErasedPerson(
        user_id=user.id,
        member_id=member.id,
        committee_id=member.committee_id,
        branch_id=member.branch_id,
        needles=needles,
        placeholder=PLACEHOLDER.format(member_id=member.id),
        now=now,
        protected=_longer_names(session, user, names),
        shared=tuple(n for n in needles if n in namesakes),
        namesakes=tuple(sorted({i for ids in namesakes.values() for i in ids})),
        storage=storage or current_storage(),
    )
    session.flush()  # the plain UPDATEs below must see every pending change

    user.name = person.placeholder
    user.phone = None
    user.member_no = None
    user.email = None
    user.password_hash = unusable_password()
    user.must_change_password = True
    user.is_enabled = False
    user.last_login_at = None
    member.position = None
    member.joined_on = None
    member.erased_at = now
    member.updated_at = now
    session.flush()

    counts = {
        "logins": _delete(session, LoginSession, LoginSession.user_id == user.id),
        "activation_codes": _delete(session, ActivationCode, ActivationCode.user_id == user.id),
        "roles": _delete(session, RoleAssignment, RoleAssignment.user_id == user.id),
        "email_deliveries": _delete(
            session,
            EmailDelivery,
            EmailDelivery.message_id.in_(select(Message.id).where(Message.user_id == user.id)),
        ),
        "sms_deliveries": _delete(
            session,
            SmsDelivery,
            SmsDelivery.message_id.in_(select(Message.id).where(Message.user_id == user.id)),
        ),
        "notification_preferences": _delete(
            session, NotificationPreference, NotificationPreference.user_id == user.id
        ),
        "messages": _delete(session, Message, Message.user_id == user.id),
        "others_messages": person.scrub(
            session,
            Message,
            ("subject", "body", "link"),
            Message.user_id.in_(_committee_users(person.committee_id)),
        ),
    }
    for eraser in ERASERS:
        counts.update(eraser(session, person))
    counts["audit_entries"] = audit.erase_person(
        session,
        member_id=person.member_id,
        user_id=person.user_id,
        committee_id=person.committee_id,
        needles=person.needles,
        placeholder=person.placeholder,
        shared=person.shared,
        protected=person.protected,
    )
    session.expire_all()  # loaded rows may hold what the plain UPDATEs replaced

    branch = session.get(OrgUnit, person.branch_id)
    assert branch is not None
    record_in(
        session,
        branch,
        "member.erased",
        actor_id=actor_id,
        now=now,
        object_type="member",
        object_id=person.member_id,
        summary=person.placeholder,
        details={"rows": {k: v for k, v in counts.items() if v}},
    )
    session.flush()
    return counts


def _longer_names(session: Session, user: User, names: tuple[str, ...]) -> tuple[str, ...]:
    """Other people's names that contain one of this person's ("张一鸣" for "张一"),
    longest first, so that erasing one person leaves another's name whole."""
    found: set[str] = set()
    for name in names:
        found.update(
            session.scalars(
                select(User.name)
                .where(User.id != user.id, User.name.contains(name, autoescape=True))
                .distinct()
            )
        )
    return tuple(sorted(found - set(names), key=lambda n: (-len(n), n)))


def _committee_users(committee_id: int):
    """SQL: the ids of the committee's members and of those holding a role in it."""
    return union(
        select(Member.user_id).where(Member.committee_id == committee_id),
        select(RoleAssignment.user_id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(or_(OrgUnit.committee_id == committee_id, OrgUnit.id == committee_id)),
    )


def _namesakes(
    session: Session, user: User, committee_id: int, needles: tuple[str, ...]
) -> dict[str, set[int]]:
    """{needle: ids of the other live people it identifies}: someone in the committee with
    exactly that name, or anyone with that phone, member number or e-mail."""
    if not needles:
        return {}
    found: dict[str, set[int]] = {}
    rows = session.execute(
        select(User.id, User.name, User.phone, User.member_no, User.email)
        .outerjoin(Member, Member.user_id == User.id)
        .where(
            User.id != user.id,
            Member.erased_at.is_(None),
            or_(
                and_(User.name.in_(needles), User.id.in_(_committee_users(committee_id))),
                User.phone.in_(needles),
                User.member_no.in_(needles),
                User.email.in_(needles),
            ),
        )
    )
    for row in rows:
        for value in (row.name, row.phone, row.member_no, row.email):
            if value in needles:
                found.setdefault(value, set()).add(row.id)
    return found


def _delete(session: Session, model: type, where) -> int:
    return session.execute(delete(model).where(where)).rowcount or 0
