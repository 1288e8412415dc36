"""Questions for the mistake-book, daily-quiz and statistics tests, made by the bank service."""

from __future__ import annotations

from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.quizzes.models import Bank, Question, QuestionType
from studyhub.quizzes.services import bank as banks
from tests.conftest import NOW


def make_bank(session: Session, committee: OrgUnit, name: str = "党章题库") -> Bank:
    return banks.create_bank(session, committee, name=name, now=NOW)


def single(session: Session, bank: Bank, n: int, *, answer: str = "B") -> Question:
    """A single-choice question numbered ``n`` whose right option is ``answer``."""
    return banks.create_question(
        session,
        bank,
        banks.QuestionFields(
            qtype=QuestionType.SINGLE,
            stem=f"第{n}题：下列哪一项正确？",
            options=[f"选项甲{n}", f"选项乙{n}", f"选项丙{n}", f"选项丁{n}"],
            answer=answer,
            explanation=f"第{n}题的解析。",
        ),
        by_user_id=None,
        now=NOW,
    )


def truefalse(session: Session, bank: Bank, n: int, *, answer: bool = True) -> Question:
    return banks.create_question(
        session,
        bank,
        banks.QuestionFields(
            qtype=QuestionType.TRUEFALSE,
            stem=f"判断第{n}题：这句话正确。",
            answer=answer,
            explanation="判断题解析。",
        ),
        by_user_id=None,
        now=NOW,
    )


def fillin(session: Session, bank: Bank, n: int, accepted: list[str]) -> Question:
    return banks.create_question(
        session,
        bank,
        banks.QuestionFields(
            qtype=QuestionType.FILLIN,
            stem=f"第{n}题：党的最高领导机关是党的______和它所产生的中央委员会。",
            answer=[accepted],
            explanation="见党章。",
        ),
        by_user_id=None,
        now=NOW,
    )


def many(session: Session, bank: Bank, count: int, start: int = 1) -> list[Question]:
    return [single(session, bank, n) for n in range(start, start + count)]
