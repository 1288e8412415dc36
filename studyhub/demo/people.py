"""The demo committee's people: its branches, groups and members, and the logins printed."""

from __future__ import annotations

from dataclasses import dataclass

COMMITTEE = "市科技局机关党委"
DEMO_PASSWORD = "demo2026"
ADMIN_LOGIN = "admin"
# Members who have not activated their account yet (no password: the branch's
# activation slips list them).
NOT_ACTIVATED = ("彭志诚", "吕玉珍", "苏永贵")

# (general branch or None, branch, groups, member names)
BRANCHES: list[tuple[str | None, str, list[str], list[str]]] = [
    (
        "局机关党总支",
        "机关第一党支部",
        ["第一党小组", "第二党小组"],
        [
            "王建国",
            "李秀英",
            "张伟",
            "刘洋",
            "陈静",
            "杨帆",
            "赵磊",
            "黄丽娟",
            "周涛",
            "吴敏",
            "徐海燕",
            "孙志强",
            "马晓东",
            "朱婷",
            "胡斌",
        ],
    ),
    (
        "局机关党总支",
        "机关第二党支部",
        ["第一党小组", "第二党小组"],
        [
            "郭玉兰",
            "何俊",
            "高雪梅",
            "林志远",
            "罗红",
            "郑凯",
            "梁晓燕",
            "宋文杰",
            "谢芳",
            "韩冬",
            "唐明辉",
            "冯丽",
            "董建华",
            "萧雅琴",
        ],
    ),
    (
        None,
        "离退休干部党支部",
        ["第一党小组"],
        [
            "程德福",
            "曹桂英",
            "袁振华",
            "邓淑珍",
            "许国强",
            "傅秀兰",
            "沈长林",
            "曾凤英",
            "彭志诚",
            "吕玉珍",
            "苏永贵",
        ],
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    login: str


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("system admin", "系统管理员", ADMIN_LOGIN),
        DemoLogin("committee staff", "李秀英", "13800000002"),
        DemoLogin("secretary, 机关第一党支部", "王建国", "13800000001"),
        DemoLogin("secretary, 机关第二党支部", "郭玉兰", "13800000016"),
        DemoLogin("branch editor (宣传委员), 机关第二党支部", "何俊", "13800000017"),
        DemoLogin("secretary, 离退休干部党支部", "程德福", "13800000030"),
        DemoLogin("member, 机关第一党支部", "张伟", "13800000003"),
    ]
