"""Score forms and scores (callcenter/quality): the definition text, the weighted percentage,
"n/a" answers, critical fails and the checks on incomplete answers."""

from __future__ import annotations

import pytest

from callcenter.admin.errors import Invalid
from callcenter.quality.evaluations import compute_score
from callcenter.quality.forms import BadLine, definition_text, parse_definition, questions

FORM = """\
# Greeting
Greets the caller by name | 10
Verifies the caller | 20 | critical

# Resolution
Solves the problem | 50
Offers further help | 20
"""


def test_the_definition_text_gives_sections_weights_and_critical_questions() -> None:
    definition = parse_definition(FORM)
    assert [(q.section, q.text, q.weight, q.critical) for q in questions(definition)] == [
        ("Greeting", "Greets the caller by name", 10, False),
        ("Greeting", "Verifies the caller", 20, True),
        ("Resolution", "Solves the problem", 50, False),
        ("Resolution", "Offers further help", 20, False),
    ]
    assert parse_definition(definition_text(definition)) == definition


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Greets | 10", 1, "start with a section ('# Greeting')"),
        ("# A\nGreets | ten", 2, "the weight must be a whole number 1-100"),
        ("# A\nGreets | 0", 2, "the weight must be a whole number 1-100"),
        ("# A\nGreets | 101", 2, "the weight must be a whole number 1-100"),
        ("# A\n\nGreets | 5 | fatal", 3, "the only flag is 'critical'"),
        ("# A\nGreets", 2, "write 'question | weight' or add '| critical'"),
        ("#\nGreets | 5", 1, "a section needs a title"),
    ],
)
def test_a_bad_line_is_named_with_its_number(text: str, line: int, message: str) -> None:
    with pytest.raises(BadLine) as caught:
        parse_definition(text)
    error = caught.value
    assert (error.line, str(error), error.field) == (line, message, "definition")


@pytest.mark.parametrize("text", ["", "# A", "# A\nGreets | 5\n# Empty"])
def test_a_form_needs_questions_in_every_section(text: str) -> None:
    with pytest.raises(Invalid, match="at least one question in each"):
        parse_definition(text)


def test_the_score_is_the_weighted_share_of_the_questions_answered() -> None:
    definition = parse_definition(FORM)
    assert compute_score(definition, ["yes", "yes", "yes", "yes"]).percent == 100.0
    # 10 + 20 + 20 earned of 100
    assert compute_score(definition, ["yes", "yes", "no", "yes"]).percent == 50.0
    # n/a leaves the question out: 20 + 50 earned of 90
    score = compute_score(definition, ["na", "yes", "yes", "no"])
    assert (score.percent, score.critical_failed) == (77.8, False)
    assert compute_score(definition, ["yes", "yes", "na", "no"]).percent == 60.0  # 30 of 50
    assert compute_score(definition, ["yes", "yes", "no", "no"]).percent == 30.0
    assert compute_score(definition, ["no", "yes", "na", "na"]).percent == 66.7  # 20 of 30


def test_a_critical_question_answered_no_makes_the_score_zero() -> None:
    definition = parse_definition(FORM)
    score = compute_score(definition, ["yes", "no", "yes", "yes"])
    assert (score.percent, score.critical_failed) == (0.0, True)
    # not applicable is no fail
    assert compute_score(definition, ["yes", "na", "yes", "yes"]).critical_failed is False


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (["yes", "yes", "yes"], "answer every question"),
        (["yes", "yes", "yes", "yes", "yes"], "answer every question"),
        (["yes", "maybe", "yes", "yes"], "answer each question yes, no or n/a"),
        (["yes", "", "yes", "yes"], "answer every question"),
        (["na", "na", "na", "na"], "answer at least one question yes or no"),
    ],
)
def test_incomplete_answers_are_refused(answers: list[str], message: str) -> None:
    with pytest.raises(Invalid, match="^" + message.replace("?", r"\?") + "$"):
        compute_score(parse_definition(FORM), answers)
