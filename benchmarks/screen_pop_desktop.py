"""One agent's desktop for the screen-pop benchmark: form sign-in, then the SSE stream."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.parse

import gevent.event

__all__ = ["CSRF_RE", "HOST", "PASSWORD", "USER_AGENT", "Desktop"]

HOST = "127.0.0.1"
PASSWORD = "screen-pop-bench"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USER_AGENT = "screen-pop-bench/1"


def _cookies(headers: list[tuple[str, str]], jar: dict[str, str]) -> None:
    """Put the cookies a reply sets into ``jar``."""
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            jar[key.strip()] = val.strip()


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


class Desktop:
    """One agent's browser: signs in through the form, then reads its SSE stream."""

    def __init__(self, port: int, agent_id: str, pending: dict[str, float], sink: list) -> None:
        self.port = port
        self.agent_id = agent_id
        self.pending = pending  # call uuid -> t0 (perf_counter), shared by all desktops
        self.sink = sink  # (agent_id, latency seconds) per received answer
        self.cookies: dict[str, str] = {}
        self.connected = gevent.event.Event()
        self.sock: socket.socket | None = None
        self.error = ""

    def login(self) -> None:
        """Sign in through the /login form (CSRF token from the page, session cookie)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request("GET", "/login", headers={"User-Agent": USER_AGENT})
            page = conn.getresponse()
            html = page.read().decode()
            _cookies(page.getheaders(), self.cookies)
            match = CSRF_RE.search(html)
            if match is None:
                raise RuntimeError("no csrf_token on /login")
            body = urllib.parse.urlencode(
                {
                    "csrf_token": match.group(1),
                    "username": f"agent{self.agent_id}",
                    "password": PASSWORD,
                }
            )
            conn.request(
                "POST",
                "/login",
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": _cookie_header(self.cookies),
                    "User-Agent": USER_AGENT,
                },
            )
            reply = conn.getresponse()
            reply.read()
            _cookies(reply.getheaders(), self.cookies)
            if reply.status != 302:
                raise RuntimeError(f"login of agent{self.agent_id} answered {reply.status}")
        finally:
            conn.close()

    def run(self) -> None:
        """Open the stream and read events until the socket is closed."""
        try:
            self._stream()
        except OSError as exc:
            if self.sock is not None:  # not closed by us
                self.error = repr(exc)
        except Exception as exc:  # noqa: BLE001 - reported in the summary
            self.error = repr(exc)
        finally:
            self.connected.set()

    def _stream(self) -> None:
        sock = socket.create_connection((HOST, self.port), timeout=None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        request = (
            f"GET /api/desktop/{self.agent_id}/stream HTTP/1.1\r\n"
            f"Host: {HOST}:{self.port}\r\nAccept: text/event-stream\r\n"
            f"User-Agent: {USER_AGENT}\r\nCookie: {_cookie_header(self.cookies)}\r\n\r\n"
        )
        sock.sendall(request.encode())
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("stream closed before headers")
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 200 " not in status:
            raise RuntimeError(f"stream answered {status.decode()!r}: {buffer[:300]!r}")
        chunked = b"transfer-encoding: chunked" in head.lower()
        raw, text = buffer, b""
        while True:
            if chunked:
                while True:  # decode complete chunks from raw
                    line_end = raw.find(b"\r\n")
                    if line_end < 0:
                        break
                    size = int(raw[:line_end].split(b";")[0], 16)
                    if size == 0:
                        return
                    if len(raw) < line_end + 2 + size + 2:
                        break
                    text += raw[line_end + 2 : line_end + 2 + size]
                    raw = raw[line_end + 2 + size + 2 :]
            else:
                text, raw = text + raw, b""
            while b"\n\n" in text:
                event, _, text = text.partition(b"\n\n")
                self._event(event)
            chunk = sock.recv(65536)
            if not chunk:
                return
            raw += chunk

    def _event(self, event: bytes) -> None:
        now = time.perf_counter()
        if event.startswith(b"retry:"):
            self.connected.set()  # the console subscribed before it sent the first line
            return
        for line in event.split(b"\n"):
            if not line.startswith(b"data: "):
                continue
            data = json.loads(line[6:])
            call = data.get("call")
            if isinstance(call, dict) and call.get("state") == "talking":
                t0 = self.pending.pop(call.get("call_uuid", ""), None)
                if t0 is not None:
                    self.sink.append((self.agent_id, now - t0, call.get("agent_id")))

    def close(self) -> None:
        """Close the stream's socket (run() then returns quietly)."""
        sock, self.sock = self.sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
