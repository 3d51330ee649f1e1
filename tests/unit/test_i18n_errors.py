"""Error reasons carrying values (ids, field names) are translated through their patterns."""

from __future__ import annotations

import re

import pytest

from console.i18n import TEXTS
from console.i18n_errors import PATTERNS, localized


@pytest.mark.parametrize("msgid", PATTERNS)
def test_each_reason_pattern_has_chinese_with_the_same_values(msgid: str) -> None:
    names = sorted(re.findall(r"%\((\w+)\)s", msgid))
    assert sorted(re.findall(r"%\((\w+)\)s", TEXTS[msgid]["zh"])) == names


@pytest.mark.parametrize(
    ("reason", "zh"),
    [
        ("no agent '1007'", "没有坐席 '1007'"),
        ("call c-9 is not live", "通话 c-9 已不在进行中"),
        (
            "field note must be text of at most 64 characters",
            "字段 note 必须是不超过 64 个字符的文本",
        ),
        ("sign in first", "请先登录"),
        ("something the catalogue never heard of", "something the catalogue never heard of"),
    ],
)
def test_a_reason_reads_in_chinese_and_stays_english_in_english(reason: str, zh: str) -> None:
    assert (localized(reason, "zh"), localized(reason, "en")) == (zh, reason)
