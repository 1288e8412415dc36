"""The XLSX template's layout: sheets, columns and their other names, types, the instructions."""

from __future__ import annotations

import re

from studyhub.quizzes.importers.model import (
    BLANK_PATTERN,
    KEYS,
    QType,
)

SHEET = "题目"
NOTES_SHEET = "填写说明"
OPTION_HEADERS = [f"选项{key}" for key in KEYS]
HEADERS = ["题型", "题干", *OPTION_HEADERS, "答案", "解析", "分类", "难度", "标签", "标题",
           "ID", "评分标准"]  # fmt: skip
_COLUMN_KEYS = ["type", "stem", *KEYS, "answer", "explanation", "category", "difficulty",
                "tags", "title", "id", "rubric"]  # fmt: skip
REQUIRED_HEADERS = ["题型", "题干", "答案"]
_ALIASES = {"题目": "stem", "题目内容": "stem", "试题内容": "stem", "试题类型": "type",
            "类型": "type", "正确答案": "answer", "参考答案": "answer", "答案解析": "explanation",
            "试题解析": "explanation", "知识点": "category", "试题分类": "category",
            "难易度": "difficulty", "难易程度": "difficulty", "题目类型": "type",
            "试题题型": "type", "问题类型": "type", "题目题干": "stem", "试题题干": "stem",
            "标准答案": "answer", "题目ID": "id", "试题ID": "id", "评分要点": "rubric",
            "参考评分标准": "rubric"}  # fmt: skip
_ALIASES.update({f"{key}选项": key for key in KEYS})
_ALIASES.update({f"选项{key}": key for key in KEYS})
_ALIASES.update({key: key for key in KEYS})  # columns headed just A, B, C…
_HEADER_KEYS = {**dict(zip(HEADERS, _COLUMN_KEYS, strict=True)), **_ALIASES}
_HEADER_KEYS.update({key.lower(): key for key in _COLUMN_KEYS if len(key) > 1})
_HEADER_SEARCH_ROWS = 10
_MAX_ROWS = 100_000

TYPE_NAMES: dict[QType, str] = {"single": "单选", "multiple": "多选", "truefalse": "判断",
                                "fillin": "填空", "essay": "简答"}  # fmt: skip
_TYPES: dict[str, QType] = {"单项选择": "single", "单项选择题": "single", "多项选择": "multiple",
                            "多项选择题": "multiple", "fill-in": "fillin",
                            "true/false": "truefalse", "问答": "essay", "问答题": "essay",
                            "论述": "essay", "论述题": "essay", "主观题": "essay"}  # fmt: skip
for _qtype, _name in TYPE_NAMES.items():
    _TYPES.update({_name: _qtype, _name + "题": _qtype, _qtype: _qtype})
_TRUE = {"对", "正确", "√", "✓", "✔", "T", "TRUE"}
_FALSE = {"错", "错误", "×", "✗", "✘", "X", "F", "FALSE"}
_HTML_MARK = "[html]"
_BLANK_SEP = re.compile(r"[;；]")
_ALTERNATIVE_SEP = re.compile(r"[|｜]")
_LETTER_SEP = re.compile(r"[\s,，、;；]+")
_TAG_SEP = re.compile(r"[,，、;；]")
_STEM_BLANK = re.compile(BLANK_PATTERN)
_RUBRIC_SEP = re.compile(r"[;；\n]")
_RUBRIC_ROW = re.compile(r"^(?P<criterion>.+?)\s*[:：]\s*(?P<points>\d+(?:\.\d+)?)\s*分?$")

INSTRUCTIONS = [
    "题目导入模板填写说明",
    "1. 每行一道题，第一行是列名，请勿修改列名。列的顺序可以调整，"
    "不用的列（如 选项G、选项H、标题）可以删除。",
    "2. 题型：单选、多选、判断、填空、简答（也可写 单选题、多选题、判断题、填空题、简答题）。"
    "其他题型（如 计算题、连线题）的行会列为“已跳过”，不影响其他题目导入。",
    "3. 题干：题目内容。填空题的空可以写作 ___（三个或更多下划线）、＿＿（两个或更多全角下划线）"
    "或一对中间只有空格的括号：（）、（ ）、()、( )，全角半角混用如（) 也可以；"
    "若题干中写了空，空的个数须与答案中的空数相同。",
    "4. 选项A…选项H：单选题、多选题至少两个选项，从选项A起连续填写，中间不要留空。"
    "判断题、填空题不填选项。",
    "5. 答案：单选题填一个字母，如 B；"
    "多选题填所有正确选项的字母，如 ABD（也可写 A,B,D 或 A、B、D）；"
    "判断题填 对/错、正确/错误、√/×、T/F 之一；"
    "填空题：几个空之间用分号 ; 或 ； 分隔，"
    "同一个空可接受的几种答案之间用竖线 | 或 ｜ 分隔，"
    "如“中国共产党|中共;人民”表示两个空，第一个空填“中国共产党”或“中共”都算对。",
    "6. 解析：答题后显示的解释，可不填。简答题的“答案”列填参考答案（可不填），"
    "“评分标准”列填评分要点及分值，如“要点一:2;要点二:3”。",
    "7. 分类：知识点路径，各级之间用 / 分隔，如 党章/总纲；可不填。",
    "8. 难度：1 到 5 的整数（1 最易，5 最难），可不填。",
    "9. 标签：多个标签用逗号或顿号（、）分隔，可不填。",
    "10. 标题：题目的简短名称，供题库管理时查看，可不填。",
    "11. 题干、选项、解析按纯文本显示；若某格以 [html] 开头，其后的内容按 HTML 显示"
    "（导出含格式的题目时会这样写）。",
    "12. 只要有一行有错，整个文件都不会导入（除非选择跳过有错的题目）；错误报告会列出行号。"
    "同一题目重复导入不会产生重复数据。",
    "13. 修改题库后重新导入：题干和题型相同（或 ID 列相同）而答案、选项或解析不同的题目，"
    "会作为该题的新版本更新，不会新增一道题；已有的答题记录仍按原版本显示和评分。",
    "14. 单元格按 Excel 中显示的文字读取：显示为 7月1日 的日期读作“7月1日”，数字 1921 读作“1921”。",
    "15. 也可以导入 CSV 文件（UTF-8 或 GB18030 编码），列名与本模板相同。",
]
EXAMPLES = [
    ["单选", "中国共产党的最高理想和最终目标是实现（ ）。", "社会主义", "共产主义", "小康社会", "",
     "", "", "", "", "B", "见《中国共产党章程》总纲。", "党章/总纲", 1, "党章、理想信念", ""],
    ["多选", "“四个意识”包括下列哪些？", "政治意识", "大局意识", "核心意识", "看齐意识",
     "", "", "", "", "ABCD", "", "党的建设", 2, "", ""],
    ["判断", "党员有权参加党的有关会议，阅读党的有关文件。", "", "", "", "", "", "", "", "",
     "对", "", "党章/党员", 1, "", ""],
    ["填空", "中国共产党是中国____的先锋队，同时是中国人民和中华民族的先锋队。", "", "", "", "",
     "", "", "", "", "工人阶级", "", "党章/总纲", 2, "", ""],
    ["简答", "简述党员的八项义务中的两项。", "", "", "", "", "", "", "", "",
     "认真学习马克思列宁主义……", "", "党章/党员", 3, "", "", "", "写出第一项:2;写出第二项:2"],
]  # fmt: skip
