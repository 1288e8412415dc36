"""core.scrub: finding a person's strings in text and JSON, replacing them, sparing others."""

from __future__ import annotations

from studyhub.core.scrub import needles_of, replaced


def test_needles_skip_blanks_and_single_characters_and_come_longest_first():
    assert needles_of(["张一", None, "", " 13812345678 ", "王", "T0001"]) == (
        "13812345678",
        "T0001",
        "张一",
    )


def test_replaced_walks_json_values_and_spares_longer_names():
    value = {
        "who": "张一",
        "rows": [{"name": "张一", "n": 3}, {"name": "张一鸣", "n": 4}],
        "text": "张一和张一鸣，电话13812345678",
    }
    assert replaced(value, ("13812345678", "张一"), "#7", protected=("张一鸣",)) == {
        "who": "#7",
        "rows": [{"name": "#7", "n": 3}, {"name": "张一鸣", "n": 4}],
        "text": "#7和张一鸣，电话#7",
    }
