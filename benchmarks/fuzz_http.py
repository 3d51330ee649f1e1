"""The console target of benchmarks/fuzz_soak.py: generated requests over every route of the
app's url_map, as an admin, an agent and nobody, on keep-alive connections.

Signed-in identities send a valid CSRF token (most of the time), so bodies reach the views.
Routes that would end the soak's own sessions or take its serving agents away are aimed
elsewhere: ``/logout`` is left out, user ids on admin routes are the soak's victim users,
agent ids never name a serving agent, and sign-in attempts come from another loopback address
(127.0.0.2) with user names that are not the soak's, so the lockout they cause is not ours.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from benchmarks.fuzz_inputs import Inputs, dumps
from benchmarks.fuzz_targets import Findings

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LEFT_OUT = {"/logout"}  # ends every session of the user (revocation): would stop the soak
STREAMS = ("/stream",)  # server-sent events: status read, then the connection closed
BIG_BODY = 2 * 1024 * 1024  # over the console's 1 MiB request limit: 413 expected


@dataclass
class Route:
    """One url_map rule: its path template, argument names and converters, methods."""

    rule: str
    methods: list[str]
    arguments: dict[str, str]  # name -> converter class name


def routes_of(app: Any) -> list[Route]:
    """Every route of the console app (from its url_map) but those left out."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule in LEFT_OUT:
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        arguments = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        out.append(Route(rule.rule, methods, arguments))
    return sorted(out, key=lambda r: r.rule)


class Http:
    """One keep-alive HTTP connection from ``source`` with its own cookie jar."""

    def __init__(self, port: int, source: str = "127.0.0.1") -> None:
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
        timeout: float = 30.0, keep: bool = True,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:  # fmt: skip
        """Send one request; (status, headers, body). ``keep=False``: read headers only."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=timeout, source_address=(self.source, 0)
            )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body or None, headers=sent)
            response = self.conn.getresponse()
            data = response.read() if keep else b""
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "expires=thu, 01 jan 1970" not in cookie.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        if not keep or response.will_close:
            self.close()
        return response.status, response.headers, data

    def close(self) -> None:
        """Drop the connection (the cookies stay)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def csrf_token(http_: Http) -> str:
    """The CSRF token of this cookie jar's session (from the sign-in page)."""
    _, _, page = http_.request("GET", "/login")
    match = CSRF_RE.search(page.decode("utf-8", "replace"))
    if match is None:
        raise RuntimeError("no CSRF token on /login")
    return match.group(1)


def sign_in(port: int, username: str, password: str) -> tuple[Http, str]:
    """A connection signed in through the real form, and its CSRF token."""
    http_ = Http(port)
    token = csrf_token(http_)
    form = urlencode({"username": username, "password": password, "csrf_token": token})
    status, _, _ = http_.request(
        "POST", "/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 302:
        raise RuntimeError(f"sign-in as {username} answered {status}")
    return http_, token


@dataclass
class Identity:
    """Who sends a request: a name, the session cookie jar and its CSRF token."""

    name: str
    username: str
    password: str
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""


class ApiTarget:
    """Generated requests over every route, counting 5xx answers as server errors."""

    def __init__(
        self, inputs: Inputs, port: int, routes: list[Route], identities: list[Identity],
        victims: list[int], call_uuids: list[str], findings: Findings,
    ) -> None:  # fmt: skip
        self.inputs, self.port, self.routes, self.findings = inputs, port, routes, findings
        self.identities = identities
        self.victims, self.call_uuids = victims, call_uuids
        self.done = self.server_errors = self.timeouts = self.sessions_lost = self.resets = 0
        self.statuses: dict[int, int] = {}
        self.anonymous = Http(port, source="127.0.0.2")
        self.anonymous_token = csrf_token(self.anonymous)

    def sign_in_all(self) -> None:
        """Sign every identity in (again)."""
        for who in self.identities:
            http_, who.token = sign_in(self.port, who.username, who.password)
            who.cookies = dict(http_.cookies)
            http_.close()

    def worker(self, count: int) -> None:
        """Send ``count`` requests on this greenlet's own connections."""
        conns = {who.name: Http(self.port) for who in self.identities}
        conns[""] = Http(self.port, source="127.0.0.2")  # nobody, from another address
        for _ in range(count):
            self.one(conns)
        for conn in conns.values():
            conn.close()

    def one(self, conns: dict[str, Http]) -> None:
        """One generated request; a 5xx is a server error (method, path and body kept)."""
        rng = self.inputs.rng
        route = rng.choice(self.routes)
        method = rng.choice(route.methods) if rng.random() < 0.97 else rng.choice(["PUT", "DELETE"])
        path = self.path(route)
        query = urlencode(self.inputs.query())
        if query:
            path += "?" + query
        kind = rng.random()
        if kind < 0.1 or route.rule == "/login":
            who, conn, token = None, conns[""], self.anonymous_token
            conn.cookies = dict(self.anonymous.cookies)
        else:
            who = rng.choice(self.identities)
            conn = conns[who.name]
            conn.cookies = dict(who.cookies)
            token = who.token
        headers, body = self.body(route, method, token)
        stream = route.rule.endswith(STREAMS) and method == "GET"
        try:
            status, answer, data = conn.request(
                method, path, body, headers, timeout=3.0 if stream else 60.0, keep=not stream
            )
        except TimeoutError:
            self.timeouts += 1
            self.done += 1
            return
        except (OSError, http.client.HTTPException) as exc:
            status, answer, data = 0, None, b""
            if len(path) > 8192 or len(body) > BIG_BODY // 2:
                self.resets += 1  # the server refused an oversized request and hung up
            else:
                self.findings.add("http_failure", f"{method} {path[:300]}: {exc!r}")
        self.done += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status >= 500:
            self.server_errors += 1
            self.findings.add(
                "server_error", f"{status} {method} {path[:300]} as {who.name if who else 'nobody'}"
                f" body {body[:300]!r}: {data[:200]!r}",
            )  # fmt: skip
        if who is not None and self._signed_out(route, status, answer):
            self.sessions_lost += 1
            self.findings.add("session_lost", f"{who.name} after {method} {path[:200]}")
            http_, who.token = sign_in(self.port, who.username, who.password)
            who.cookies = dict(http_.cookies)
        elif who is not None:
            who.cookies.update(conn.cookies)

    @staticmethod
    def _signed_out(route: Route, status: int, answer: Any) -> bool:
        if route.rule == "/login" or answer is None:
            return False
        return status == 401 or (status == 302 and "/login" in answer.get("Location", ""))

    def path(self, route: Route) -> str:
        """The route's path with generated values for its arguments (URL-quoted)."""
        path = route.rule
        for name, converter in route.arguments.items():
            value = quote(self.argument(name, converter), safe="")
            path = re.sub(r"<[^>]*\b" + name + ">", lambda _m, v=value: v, path)
        return path

    def argument(self, name: str, converter: str) -> str:
        """A value for one URL argument."""
        rng, inputs = self.inputs.rng, self.inputs
        if name == "user_id" and rng.random() < 0.7:
            return str(rng.choice(self.victims))
        if name == "call_uuid" and self.call_uuids and rng.random() < 0.5:
            return rng.choice(self.call_uuids)  # a real call (maybe not this agent's)
        if name == "agent_id" and rng.random() < 0.5:
            return "1099"  # the soak's console agent (in no queue)
        if name == "number" and rng.random() < 0.5:
            return f"T{rng.randint(1, 60)}"
        if "Int" in converter:
            return inputs.number_text() or "0"
        return inputs.text() or "x"

    def body(self, route: Route, method: str, token: str) -> tuple[dict[str, str], bytes]:
        """Headers and body: JSON, form, broken bytes or oversized; CSRF token usually right."""
        rng, inputs = self.inputs.rng, self.inputs
        headers = {}
        if rng.random() < 0.95:
            headers["X-CSRFToken"] = token
        elif rng.random() < 0.5:
            headers["X-CSRFToken"] = "".join(c for c in inputs.text()[:200] if " " <= c <= "~")
        if method == "GET" and rng.random() < 0.95:
            return headers, b""
        kind = rng.random()
        if route.rule == "/login":
            form = {"username": inputs.text()[:300], "password": inputs.text()[:300]}
            if rng.random() < 0.9:
                form["csrf_token"] = token
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return headers, urlencode(form).encode()
        if kind < 0.003:
            headers["Content-Type"] = "application/json"
            return headers, b'{"description": "' + b"a" * BIG_BODY + b'"}'
        if kind < 0.6:
            headers["Content-Type"] = rng.choice(["application/json"] * 9 + ["text/plain"])
            return headers, inputs.json_body()
        if kind < 0.9:
            form = inputs.form_body()
            if rng.random() < 0.9:
                form["csrf_token"] = token
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return headers, urlencode(form).encode()
        headers["Content-Type"] = rng.choice(["application/json", "multipart/form-data", "x/y"])
        return headers, inputs.mutate_bytes(dumps(inputs.fields()))
