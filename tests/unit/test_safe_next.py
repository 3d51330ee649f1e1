"""Where sign-in sends the user next: only paths on this site, as urllib and browsers read them."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from console.redirects import MAX_NEXT_LENGTH, safe_next
from tests.support.redirects import stays_on_site

HOME = "/home-page"

# Hostile values: other hosts spelled the ways browsers (WHATWG URL parsing) still follow.
HOSTILE = [
    "//evil.com",
    "///evil.com",
    "/\tevil.com",
    "/\t/evil.com",
    "/\r\n/evil.com",
    "/\n/evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "https://evil.com",
    "http:evil.com",
    "HTTPS://evil.com/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.com",
    "\x01//evil.com",
    "/%2F%2Fevil.com",
    "/%2f/evil.com",
    "/%5Cevil.com",
    "/%09/evil.com",
    "/%0d%0a/evil.com",
    "/%252F%252Fevil.com",
    "/%25252F%25252Fevil.com",
    "/\x00/evil.com",
    "/\u2028/evil.com",
    "/\u200b/evil.com",
    "/\ufeff/evil.com",
    "\uff0f\uff0fevil.com",  # fullwidth solidus
    "\u2215\u2215evil.com",  # division slash
    "/..//evil.com",
    "evil.com",
    "@evil.com",
    "/" + "a" * (MAX_NEXT_LENGTH + 1),
    "/%ff",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_fall_back_to_home(target: str) -> None:
    assert safe_next(target, HOME) == HOME


@pytest.mark.parametrize(
    "target",
    [
        "/tickets/3?x=1",
        "/tickets/?q=a%20b&page=2",
        "/recordings/",
        "/customers/7#notes",
        "/tickets/%E4%B8%AD%E6%96%87",
        "/a/../../b",  # resolves to /b on this site
    ],
)
def test_plain_site_paths_are_kept(target: str) -> None:
    assert safe_next(target, HOME) == target


@pytest.mark.parametrize("target", [None, "", 3, b"/tickets/", ["/tickets/"]])
def test_missing_or_non_text_targets_fall_back_to_home(target: object) -> None:
    assert safe_next(target, HOME) == HOME


PIECES = st.sampled_from(
    [
        "/", "//", "\\", "\t", "\r", "\n", "\x00", " ", ":", "@", "?", "#", ".", "..",
        "%2F", "%2f", "%5C", "%09", "%0A", "%25", "%", "http:", "https://", "javascript:",
        "evil.com", "\uff0f", "\u2215", "\u3002", "\u2028", "\u200b", "tickets", "3",
    ]
)  # fmt: skip
HOSTILE_TEXT = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), HOSTILE_TEXT, HOSTILE_TEXT.map(lambda s: "/" + s)))
@example("/\t/evil.com")
@example("/\\evil.com")
def test_any_text_gives_home_or_a_path_on_this_site(target: str) -> None:
    result = safe_next(target, HOME)
    assert result == HOME or (result == target and stays_on_site(result))
