"""Hostile flow files: each case's bytes and the words its problem message must contain."""

from __future__ import annotations

HEAD = "name: x\nstart: a\nnodes:\n  a: {type: hangup}\n"
CASES = {
    "nul": (b"name: x\0\nstart: a\nnodes:\n  a: {type: hangup}\n", "NUL byte"),
    "utf8": (b"name: \xff\n", "not UTF-8"),
    "deep": (
        ("name: x\nstart: a\nnodes:\n  a: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
        "nested deeper",
    ),
    "deepmap": (
        ("name: x\nnodes: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n").encode(),
        "nested deeper",
    ),
    "bigint": ((HEAD + "variables:\n  v: " + "9" * 5000 + "\n").encode(), "digits is too long"),
    "bomb": (b"a: &a [x,x,x]\nb: [*a,*a,*a]\n", "aliases"),
    "huge": (b"name: x\ndescription: '" + b"y" * 1_100_000 + b"'\n", "larger than"),
}
