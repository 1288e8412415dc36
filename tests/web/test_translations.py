"""The Chinese catalogue covers every UI string, and the compiled catalogues are current."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "studyhub" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHOD_MAP = [("studyhub/**.py", "python"), ("templates/**.html", "jinja2")]


def not_hidden(path: str) -> bool:
    """Babel's own filter also skips ``_``-folders such as ``templates/_macros``; this one
    skips only dot-folders (as ``--ignore-dirs ".*"`` in docs/translations.md)."""
    return not Path(path).name.startswith(".")


def source_msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, directory_filter=not_hidden
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def is_translated(message) -> bool:
    """Every form has a translation (a plural message has one per plural form) and none is fuzzy."""
    forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(forms) and not message.fuzzy


def as_compiled(message) -> tuple:
    """What ``pybabel compile`` writes for a message: empty plural forms fall back to the msgid."""
    if not isinstance(message.id, (list, tuple)):
        return message.id, message.string
    ids = tuple(message.id)
    return ids, tuple(form or ids[min(i, 1)] for i, form in enumerate(message.string))


def test_the_shared_macros_are_scanned():
    assert {"Ready to import", "Confirm import"} <= source_msgids()  # templates/_macros/


def test_every_ui_string_has_a_chinese_translation():
    zh = catalogue("zh")
    missing = sorted(
        msgid for msgid in source_msgids() if msgid not in zh or not is_translated(zh[msgid])
    )
    assert not missing, f"untranslated in zh (run the steps in docs/translations.md): {missing}"


def test_chinese_has_one_plural_form_and_keeps_every_placeholder():
    zh = catalogue("zh")
    assert zh.plural_forms == "nplurals=1; plural=0;"
    assert all(len(m.string) == 1 for m in zh if m.id and m.pluralizable)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in zh.check()]
    assert not problems


@pytest.mark.parametrize("language", ["zh", "en"])
def test_compiled_catalogue_matches_its_source(language):
    po = catalogue(language)
    compiled = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    with open(compiled, "rb") as fh:
        mo = read_mo(fh)
    expected = dict(as_compiled(m) for m in po if m.id and m.string and not m.fuzzy)
    actual = {}
    for m in mo:
        if m.id:
            key, value = as_compiled(m)
            actual[key] = tuple(value) if isinstance(value, list) else value
    assert actual == expected, "messages.mo is stale: run pybabel compile (docs/translations.md)"


def test_chinese_is_the_default_and_english_follows_the_browser(client):
    chinese = client.get("/login")
    assert '<html lang="zh-CN">' in chinese.text
    assert "登录" in chinese.text
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text
    assert "Log in" in english.text and "登录" not in english.text
    also_chinese = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "登录" in also_chinese.text


def test_the_login_prompt_speaks_the_browsers_language(client):
    chinese = client.get("/", follow_redirects=True)
    assert chinese.request.path == "/login"
    assert "请先登录。" in chinese.text
    english = client.get("/", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "Please log in to open this page." in english.text and "请先登录" not in english.text
