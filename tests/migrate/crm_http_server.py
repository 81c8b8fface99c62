"""A real HTTP server speaking crmtool's REST target protocol (docs/targets.md), in memory, for tests.

It honours Idempotency-Key (a repeated key replays the first answer without applying anything),
checks the bearer token when one is set, and can be told to fail: `fail_with([500])` answers the
next write with 500 *after applying it* (a lost answer, the case idempotency keys exist for), and
`fail_with([429], retry_after="1")` answers 429 before applying.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class CrmState:
    def __init__(self, token: str | None = None):
        self.token = token
        self.objects: dict[str, dict[str, dict]] = {}
        self.answers: dict[str, tuple[int, dict]] = {}  # Idempotency-Key -> first answer
        self.applied = 0  # write batches applied
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, idempotency key)
        self.failures: list[tuple[int, str | None]] = []
        self.lock = threading.Lock()

    def fail_with(self, statuses: list[int], retry_after: str | None = None) -> None:
        self.failures += [(s, retry_after) for s in statuses]

    def rows(self, object_name: str) -> dict[str, dict]:
        return self.objects.setdefault(object_name, {})


class Handler(BaseHTTPRequestHandler):
    state: CrmState
    prefix = "/api"

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: dict | None = None, headers: dict | None = None) -> None:
        payload = json.dumps(body or {}, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _authorised(self) -> bool:
        if self.state.token and self.headers.get("Authorization") != f"Bearer {self.state.token}":
            self._send(401, {"error": "unauthorised"})
            return False
        return True

    def _route(self) -> tuple[str, str]:
        path = urlsplit(self.path).path
        if not path.startswith(self.prefix):
            return "", ""
        parts = path[len(self.prefix):].strip("/").split("/")
        return parts[0], (parts[1] if len(parts) > 1 else "")

    def do_GET(self) -> None:
        state = self.state
        state.requests.append(("GET", self.path, None))
        if not self._authorised():
            return
        obj, _ = self._route()
        if obj == "health":
            return self._send(200, {"status": "ok"})
        query = parse_qs(urlsplit(self.path).query)
        limit, cursor = int(query.get("limit", ["100"])[0]), int(query.get("cursor", ["0"])[0])
        with state.lock:
            records = list(state.rows(obj).values())
        page = records[cursor:cursor + limit]
        more = cursor + limit < len(records)
        self._send(200, {"records": page, "next_cursor": str(cursor + limit) if more else None})

    def do_POST(self) -> None:
        state = self.state
        key = self.headers.get("Idempotency-Key")
        state.requests.append(("POST", self.path, key))
        if not self._authorised():
            return
        obj, op = self._route()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if op == "query":
            with state.lock:
                rows = state.rows(obj)
                return self._send(200, {"records": [rows[i] for i in body["ids"] if i in rows]})
        if op not in ("upsert", "delete"):
            return self._send(404, {"error": f"no operation {op}"})
        with state.lock:
            failure = state.failures.pop(0) if state.failures else None
            if failure and failure[0] == 429:
                return self._send(429, {"error": "slow down"}, {"Retry-After": failure[1]} if failure[1] else None)
            if key and key in state.answers:
                status, answer = state.answers[key]
            else:
                status, answer = 200, self._apply(obj, op, body)
                state.applied += 1
                if key:
                    state.answers[key] = (status, answer)
        if failure:
            return self._send(failure[0], {"error": "injected failure (the batch was applied)"})
        self._send(status, answer)

    def _apply(self, obj: str, op: str, body: dict) -> dict:
        rows = self.state.rows(obj)
        key = body["external_id"]
        if op == "delete":
            gone = [i for i in body["ids"] if rows.pop(i, None) is not None]
            return {"deleted": len(gone)}
        inserted = sum(1 for r in body["records"] if r[key] not in rows)
        for record in body["records"]:
            rows[record[key]] = record
        return {"inserted": inserted, "updated": len(body["records"]) - inserted}


class CrmServer:
    """`with CrmServer() as server:` serves on 127.0.0.1 at a free port; `server.url` is the API base."""

    def __init__(self, token: str | None = None):
        self.state = CrmState(token)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api"

    def __enter__(self) -> "CrmServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
