"""The condition expression language: values, functions, refusals with columns, and fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.ivr import EvaluationError, ExpressionError, parse_expression

CALL = {
    "caller_number": "13812345678",
    "caller_region": "Guangdong",
    "time": "09:30",
    "weekday": "mon",
    "hour": 9,
    "digits": "42",
    "vip": True,
    "rating": None,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("caller_region == 'Guangdong'", True),
        ('caller_region in ["Beijing", "Shanghai"]', False),
        ("caller_region not in ['Beijing', 'Shanghai']", True),
        ("startswith(caller_number, '139', '138')", True),
        ("endswith(caller_number, '78') and len(caller_number) == 11", True),
        ("not vip or hour >= 18", False),
        ("time >= '09:00' and time < '18:00'", True),
        ("between(time, '09:00', '18:00')", True),
        ("digits == 42", True),  # a number and a numeric text compare as numbers
        ("digits > 5", True),
        ("number(digits) + 1 == 43", True),
        ("text(hour) + 'h' == '9h'", True),
        ("rating == null", True),
        ("rating != null and rating <= 2", False),  # 'and' stops before comparing null
        ("contains(lower('ABC'), 'b')", True),
        ("upper(weekday) == 'MON'", True),
        ("matches(caller_number, '1[3-9][0-9]{9}')", True),
        ("-hour < 0 and (1 + 2) - 3 == 0", True),
        ("'it\\'s' == \"it's\"", True),
        ("true != false and 2.5 > 2", True),
        ("vip == 1", False),  # booleans are not numbers
    ],
)
def test_evaluates(text: str, expected: bool) -> None:
    assert parse_expression(text).evaluate(CALL) is expected


def test_names_with_columns() -> None:
    expr = parse_expression("hour > 8 and startswith(caller_number, '1')")
    assert expr.names == [("hour", 1), ("caller_number", 25)]


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("__import__('os')", 1, "names starting with '__' are not allowed"),
        ("os.system('rm')", 3, "attribute access ('.') is not allowed"),
        ("caller_number.__class__", 14, "attribute access ('.') is not allowed"),
        ("'x'.join(['a'])", 4, "attribute access ('.') is not allowed"),
        ("lambda: 1", 1, "lambda functions are not allowed"),
        ("caller_number[0] == '1'", 14, "indexing with [...] is not allowed"),
        ("[caller_number[0]]", 15, "indexing with [...] is not allowed"),
        ("open('/etc/passwd')", 1, "unknown function 'open'; allowed: between, contains"),
        ("eval('1')", 1, "unknown function 'eval'"),
        ("(len)(x)", 6, "only named functions can be called"),
        ("hour = 9", 6, "'=' is assignment; compare with '=='"),
        ("hour > 1 && vip", 10, "use 'and' instead of '&'"),
        ("1 < hour < 5", 10, "chained comparisons are not supported"),
        ("hour >", 7, "expected a value, got the end of the expression"),
        ("(hour > 1", 10, "expected ')' to close '('"),
        ("'open", 1, "string not closed"),
        ("len(1, 2)", 1, "len() takes 1 argument(s), got 2"),
        ("matches(x, '[')", 12, "bad regex"),
        ("matches(x, y)", 1, "matches() needs a string literal"),
        ("x if y else z", 3, "not supported"),
        ("", 1, "empty expression"),
        ("{'a': 1}", 1, "'{' is not supported"),
        ("1x", 1, "bad number"),
        ("hour ** 2", 6, "unexpected character '*'"),
    ],
)
def test_refused_with_column(text: str, column: int, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert info.value.column == column
    assert message in info.value.message
    assert str(info.value).startswith(f"column {column}: ")


def test_depth_and_size_limits() -> None:
    with pytest.raises(ExpressionError, match="nested deeper"):
        parse_expression("(" * 100 + "1" + ")" * 100)
    with pytest.raises(ExpressionError, match="more than 300 parts"):
        parse_expression(" + ".join(["1"] * 400))
    with pytest.raises(ExpressionError, match="longer than"):
        parse_expression("a" * 3000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("missing == 1", "variable 'missing' is not set"),
        ("caller_region < 3", "cannot compare text 'Guangdong' with number 3"),
        ("rating <= 2", "cannot compare null"),
        ("len(hour)", "len() needs text or a list"),
        ("number('abc') == 1", "cannot read 'abc' as a number"),
        ("vip in 5", "'in' needs a list or text"),
        ("-caller_region", "'-' needs a number"),
        ("caller_region - 1", "cannot apply '-'"),
    ],
)
def test_evaluation_errors(text: str, message: str) -> None:
    with pytest.raises(EvaluationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_expression(text).evaluate(CALL)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_parser_raises_only_its_own_error(text: str) -> None:
    try:
        parse_expression(text)
    except ExpressionError as exc:
        assert 1 <= exc.column <= len(text) + 1


_ALPHABET = st.sampled_from(
    list("abxy_019 .'\"()[],=<>!+-*/:&|")
    + ["and ", "or ", "not ", " in ", "len(", "startswith(", "lambda", "__", "true", "null"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=30).map("".join))
def test_fuzz_near_valid_input(text: str) -> None:
    values = {"a": "1", "b": 2, "x": None, "y": ["a"], "ab": True}
    try:
        expr = parse_expression(text)
    except ExpressionError:
        return
    try:
        expr.evaluate(values)
    except EvaluationError:
        pass
