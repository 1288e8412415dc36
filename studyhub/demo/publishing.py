"""The demo's branch publishing: editors, a branch reading, submissions waiting and returned,
and the committee's branches taking turns on a rota across branches."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.org import services as org
from studyhub.org.models import Member, OrgUnit, Role, UnitKind
from studyhub.readings.services import publishing, rota
from studyhub.readings.services.library import ReadingFields, StudyTiming
from studyhub.readings.services.rota import cross

_BRANCH_READING = (
    "学习身边的榜样：记一次支部主题党日",
    "上周六，支部党员走进社区开展志愿服务。大家分成三个小组，为老人测量血压、讲解防诈骗知识，"
    "并收集居民对社区工作的意见建议。\n\n活动结束后，支部召开简短的交流会，"
    "大家谈到：服务群众不只在活动日，更在平常工作的每一件小事中。",
)
_SUBMITTED = (
    "读《习近平谈治国理政》第四卷体会",
    "本周支部集中学习了第四卷中关于全过程人民民主的论述。结合本职工作，"
    "我们体会到：发扬民主、倾听意见，是做好机关服务工作的基本功。\n\n"
    "下一步，支部将把学习成果转化为改进工作作风的具体措施。",
)
_RETURNED = (
    "离退休党员话初心",
    "老党员们回忆入党时的情景，讲述几十年来坚守初心的故事。",
)


def load_branch_publishing(session: Session, committee: OrgUnit, now: datetime) -> None:
    """Each branch's second member is its editor (宣传委员); the first branch published one
    reading to its members, the second has one waiting for review, the third one returned;
    all branches take turns on the committee's rota, yesterday and today already led."""
    config = current_app.config
    timing = StudyTiming(
        fraction=config["READING_MIN_FRACTION"],
        floor=config["READING_MIN_SECONDS"],
        ceiling=config["READING_MAX_MIN_SECONDS"],
    )
    branches = session.scalars(
        select(OrgUnit)
        .where(OrgUnit.committee_id == committee.id, OrgUnit.kind == UnitKind.BRANCH)
        .order_by(OrgUnit.id)
    ).all()
    editors = {}
    for branch in branches:
        second = session.scalars(
            select(Member).where(Member.branch_id == branch.id).order_by(Member.id).offset(1)
        ).first()
        if second is not None:
            org.appoint(session, second.user, branch, Role.BRANCH_EDITOR, by=None, now=now)
            editors[branch.id] = second.user_id
    staff_id = session.scalar(
        select(Member.user_id)
        .join(OrgUnit, OrgUnit.id == Member.branch_id)
        .where(Member.committee_id == committee.id)
        .order_by(Member.id)
        .offset(1)
    )
    samples = list(zip(branches, ("branch", "committee", "committee"), strict=False))
    for (branch, audience), (title, body) in zip(
        samples, (_BRANCH_READING, _SUBMITTED, _RETURNED), strict=False
    ):
        reading = publishing.write(
            session,
            branch,
            ReadingFields(title=title, body_markdown=body, source=branch.name),
            audience=audience,
            by_user_id=editors.get(branch.id),
            now=now - timedelta(hours=3),
            timing=timing,
        )
        if title == _RETURNED[0]:
            publishing.return_to_author(
                session,
                reading,
                "请补充一两位老党员的具体事例，并注明采访时间。",
                by_user_id=staff_id,
                now=now - timedelta(hours=1),
            )
    cross.set_rota_branches(session, committee, [b.id for b in branches], by_user_id=None, now=now)
    today = rota.branch_today(session, committee, now)
    for days_ago in (1, 0):
        rota.assign_day(session, committee, today - timedelta(days=days_ago), now=now)
    session.flush()
