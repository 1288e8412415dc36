"""core.scrub: finding a person's strings in text and JSON, replacing them, sparing others."""

from __future__ import annotations

from studyhub.core.scrub import MIN_NUMBER_NEEDLE, needles_of, replaced


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


def test_a_shared_name_is_replaced_only_in_the_dicts_that_name_the_person_by_id():
    rows = [
        {"user_id": 7, "name": "王伟", "note": "王伟发言"},
        {"user_id": 8, "name": "王伟", "note": "王伟发言"},
    ]
    assert replaced(
        rows, (), "#7", owned=lambda row: row.get("user_id") == 7, own_needles=("王伟",)
    ) == [
        {"user_id": 7, "name": "#7", "note": "#7发言"},
        {"user_id": 8, "name": "王伟", "note": "王伟发言"},
    ]


def test_short_numbers_are_not_needles_when_a_longer_minimum_is_asked():
    assert needles_of(["12", "T0001", "1234"], shortest=MIN_NUMBER_NEEDLE) == ("T0001",)
