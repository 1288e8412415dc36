"""Markdown rendering, sanitising and reading-time estimates (no database)."""

from __future__ import annotations

import pytest

from studyhub.readings.services.content import (
    measure,
    minimum_seconds,
    plain_text,
    render_markdown,
    render_markdown_checked,
    sanitise_html,
)


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("前言<script>alert('x')</script>后记", ["<script", "alert("]),
        ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", ["<script", "evil.example"]),
        ('<img src="/a.png" onerror="alert(1)">', ["onerror", "alert"]),
        ('<p onclick="steal()">点我</p>', ["onclick", "steal"]),
        ('<a href="javascript:alert(1)">链接</a>', ["javascript:"]),
        ("[链接](javascript:alert(1))", ['href="javascript']),
        ('<a href="JaVaScRiPt:alert(1)">链接</a>', ["javascript:", "JaVaScRiPt"]),
        ('<p style="background:url(javascript:alert(1))">文字</p>', ["style=", "javascript"]),
        ("<style>body { display: none }</style>正文", ["<style", "display: none"]),
        ('<iframe src="https://evil.example/"></iframe>', ["<iframe", "evil.example"]),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', ["data:"]),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', ["data:", "<script"]),
        ('<object data="x.swf"></object><embed src="x.swf">', ["<object", "<embed"]),
        ('<form action="/x"><input name="q"></form>', ["<form", "<input"]),
        ('<svg onload="alert(1)"><circle/></svg>', ["<svg", "onload"]),
    ],
)
def test_dangerous_markup_is_stripped(source: str, forbidden: list[str]) -> None:
    html = render_markdown(source)
    for needle in forbidden:
        assert needle.lower() not in html.lower(), html


def test_safe_markup_survives_sanitising() -> None:
    html = render_markdown(
        "## 三会一课\n\n"
        "- 支部党员大会\n- 支部委员会\n\n"
        "1. 第一步\n2. 第二步\n\n"
        "| 会议 | 频次 |\n|---|---|\n| 党小组会 | 每月 |\n\n"
        "**重点** 与 *强调*，见[规定](https://example.org/rules)。\n\n"
        "![合影](/uploads/1/abc.png)\n"
    )
    assert "<h2>三会一课</h2>" in html
    assert "<ul>" in html and "<li>支部党员大会</li>" in html
    assert "<ol>" in html and "<li>第二步</li>" in html
    assert "<table>" in html and "<td>党小组会</td>" in html and "<th>频次</th>" in html
    assert "<strong>重点</strong>" in html and "<em>强调</em>" in html
    assert 'href="https://example.org/rules"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert '<img src="/uploads/1/abc.png" alt="合影">' in html


def test_sanitise_keeps_text_of_removed_tags_but_not_scripts() -> None:
    html = sanitise_html('<font color="red">红色</font><script>var a = 1;</script>')
    assert html == "红色"


@pytest.mark.parametrize(
    "tag", ["style", "script", "title", "textarea", "xmp", "iframe", "noscript", "plaintext"]
)
def test_a_tag_left_open_does_not_swallow_the_rest_of_the_body(tag: str) -> None:
    """The parser would read everything after such a start tag as its text, to be dropped."""
    source = f"写 <{tag}> 标签的第一段。\n\n第二段**加粗**。\n\n## 第三段\n\n- 第四段"
    rendered = render_markdown_checked(source)
    assert rendered.html == (
        "<p>写  标签的第一段。</p>\n<p>第二段<strong>加粗</strong>。</p>\n<h2>第三段</h2>\n"
        "<ul>\n<li>第四段</li>\n</ul>\n"
    )
    assert rendered.dropped == ()
    assert f"<{tag}" not in render_markdown(f"<{tag}>\n\n后面的正文") and "后面的正文" in (
        render_markdown(f"<{tag}>\n\n后面的正文")
    )


def test_a_style_block_at_the_start_of_a_line_keeps_the_text_after_it() -> None:
    html = render_markdown("<style>\n\n正文第一段\n\n正文第二段")
    assert "正文第一段" in html and "正文第二段" in html and "<style" not in html


def test_complete_script_and_style_elements_go_with_their_content_and_say_so() -> None:
    rendered = render_markdown_checked(
        "前<style>p { color: red }</style>中<SCRIPT src=x>alert(1)</script >后<script>b()</script>"
    )
    assert rendered.html == "<p>前中后</p>\n"
    assert rendered.dropped == ("style", "script", "script")


def test_tags_written_as_code_stay_visible() -> None:
    html = render_markdown("用 `<style>` 写样式：\n\n```\n<script>alert(1)</script>\n```\n\n结束")
    assert "<code>&lt;style&gt;</code>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "结束" in html


@pytest.mark.parametrize(
    "trick",
    [
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<sty<style>le>x</style>",
        "<scri<style></style>pt>alert(1)</script>",
        "<a title='<script>'>x</a><script>alert(1)",
    ],
)
def test_cut_and_nested_tags_never_make_a_script(trick: str) -> None:
    html = sanitise_html(trick)
    assert "<script" not in html.lower() and "<style" not in html.lower()


def test_plain_text_of_html() -> None:
    html = render_markdown("# 标题\n\n第一段&amp;第二段\n\n- 一\n- 二")
    assert plain_text(html) == "标题 第一段&第二段 一 二"


def test_chinese_reading_time_counts_characters() -> None:
    text = "党" * 800
    length = measure(text)
    assert length.char_count == 800
    assert length.reading_seconds == 120  # 400 characters a minute


def test_reading_time_mixes_characters_and_words() -> None:
    # 400 Chinese characters (60 s) and 200 English words (60 s).
    length = measure("学" * 400 + " " + " ".join(["word"] * 200))
    assert length.char_count == 600
    assert length.reading_seconds == 120


def test_punctuation_and_spaces_do_not_count() -> None:
    assert measure("学习，学习！  ……").char_count == 4


def test_short_texts_get_the_shortest_estimate() -> None:
    assert measure("短文").reading_seconds == 30
    assert measure("").reading_seconds == 30


def test_estimates_round_up_to_ten_seconds() -> None:
    assert measure("字" * 401).reading_seconds == 70  # 60.15 s


@pytest.mark.parametrize(
    ("reading_seconds", "expected"),
    [
        (30, 20),  # half is 15: the floor wins
        (120, 60),  # half of the estimate
        (900, 300),  # half is 450: the ceiling wins
    ],
)
def test_minimum_time_rule(reading_seconds: int, expected: int) -> None:
    assert minimum_seconds(reading_seconds, fraction=0.5, floor=20, ceiling=300) == expected


def test_plain_text_joins_inline_formatting_so_chinese_phrases_stay_whole() -> None:
    html = render_markdown("学习**党章**和[党史](https://example.org)。\n\n下一段")
    assert plain_text(html) == "学习党章和党史。 下一段"
