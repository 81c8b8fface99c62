"""The real-time check's two front ends over a LiveIndex (realtime.py): JSON lines on a stream
(`crmtool match`) and a small HTTP endpoint (`crmtool serve`, stdlib ThreadingHTTPServer).

Both answer one request object with `LiveIndex.answer`; a request that cannot be answered gets an
error object (`{"error": …}`) in its place and the stream, or the server, goes on. See
docs/dedupe.md, "Real-time check".
"""

from __future__ import annotations

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from crmtool.dedupe.realtime import LiveIndex
    from crmtool.dedupe.realtime_objects import Checker

MAX_BODY = 1 << 20  # bytes of one POST /match body
MAX_LINE = 1 << 20  # bytes of one input line


def _dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def open_live(target, model, *, object_name: str = "accounts", rules=None, decisions=None, refresh: float = 1.0,
              warn=None) -> Checker:
    """The real-time check over a store (`target`: a function giving a new crmtool.load target, not yet
    opened, one per object's index; or one such target, then only `object_name` is checked) with the dedupe
    rules of `rules` (a rules file over the built-in rules of its `object`, accounts or contacts; the
    other object keeps its built-in rules) and the reviewer answers of
    `decisions`: a realtime_objects.Checker with the accounts' index built (and the contacts' when the
    store holds contacts)."""
    import os

    from crmtool.dedupe.decisions import load_decisions
    from crmtool.dedupe.pipeline import DedupeSettings
    from crmtool.dedupe.realtime import LiveIndex
    from crmtool.dedupe.realtime_objects import ContactIndex, Checker
    from crmtool.dedupe.rules import load_rules
    from crmtool.errors import ConfigError, InputError

    if refresh < 0:
        raise ConfigError(f"--refresh {refresh}: seconds, 0 or more")
    if decisions is not None and not os.path.exists(decisions):
        raise InputError(decisions, "no such decisions store")
    answers = load_decisions(decisions)
    processes = os.cpu_count() or 1
    ruled = _rules_object(rules) if rules is not None and callable(target) else object_name
    settings = {name: DedupeSettings.from_rules(load_rules(rules if name == ruled else None, name),
                                                decisions=answers, processes=processes)
                for name in ("accounts", "contacts")}

    def factory(name: str):
        one = target() if callable(target) else target
        one.read_only = True
        return one

    if not callable(target):  # one target: one object's LiveIndex, as before
        live = LiveIndex(factory(object_name), object_name=object_name, key=model[object_name].external_id,
                         settings=settings[object_name], refresh=refresh, warn=warn,
                         index_class=ContactIndex if object_name == "contacts" else None)
        return live.build()
    keys = {name: model[name].external_id for name in ("accounts", "contacts")}
    return Checker(factory, keys=keys, settings=settings, refresh=refresh, warn=warn).build()


def _rules_object(path) -> str:
    """The object a rules file is for (its `object`, accounts when absent): contacts or accounts; a file that
    cannot be read is the accounts' (load_rules then says what is wrong with it)."""
    try:
        import yaml

        with open(path, encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
    except Exception:  # noqa: BLE001 - load_rules reports the file's problems with their lines
        return "accounts"
    return "contacts" if isinstance(doc, dict) and doc.get("object") == "contacts" else "accounts"


def answer_line(live: LiveIndex, line: bytes | str, number: int) -> dict | None:
    """The answer object to one input line; None for a blank line (it is skipped)."""
    if isinstance(line, bytes):
        if len(line) > MAX_LINE:
            return {"line": number, "error": f"line longer than {MAX_LINE} bytes"}
        try:
            line = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            return {"line": number, "error": f"not UTF-8 text ({exc.reason} at byte {exc.start})"}
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"line": number, "error": f"not JSON: {exc.msg} at column {exc.colno}"}
    answer = _answer(live, obj)
    if "error" in answer:
        answer = {"line": number, **answer}
    return answer


def _answer(live: LiveIndex, obj: object) -> dict:
    """live.answer, with a bug in crmtool turned into this request's error object (the others go on)."""
    try:
        return live.answer(obj)
    except Exception as exc:  # noqa: BLE001 - one record must not stop the stream or the server
        return {"error": f"internal error: {type(exc).__name__}: {exc} (please report it with this record)"}


def serve_lines(live: LiveIndex, lines: IO, out: IO[str]) -> dict:
    """Answer every line of `lines` (bytes or text) with one line on `out`, flushed at once. Returns
    counts: requests, answered, errors."""
    counts = {"requests": 0, "answered": 0, "errors": 0}
    for number, line in enumerate(lines, start=1):
        answer = answer_line(live, line, number)
        if answer is None:
            continue
        counts["requests"] += 1
        counts["errors" if "error" in answer else "answered"] += 1
        out.write(_dumps(answer) + "\n")
        out.flush()
    return counts


def make_server(live: LiveIndex, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving: call serve_forever) answering
    POST /match (one JSON record → the answer), GET /health, POST /refresh (re-read the store whole)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "crmtool-match"
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass  # quiet: one line per request would drown the server's own messages

        def _send(self, status: HTTPStatus, body: dict) -> None:
            data = _dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _path(self) -> str:
            return self.path.split("?", 1)[0].rstrip("/") or "/"

        def do_GET(self):  # noqa: N802 - http.server's name
            if self._path() == "/health":
                self._send(HTTPStatus.OK, live.health())
            elif self._path() == "/match":
                self._send(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "POST one JSON record to /match"})
            else:
                self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint {self._path()} (POST /match, GET /health)"})

        def do_POST(self):  # noqa: N802
            path = self._path()
            if path not in ("/match", "/refresh"):
                self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint {path} (POST /match, GET /health)"})
                return
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self.close_connection = True
                self._send(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
                return
            if int(length) > MAX_BODY:
                self.close_connection = True
                self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"body larger than {MAX_BODY} bytes"})
                return
            body = self.rfile.read(int(length))
            if path == "/refresh":
                live.poll(force=True)
                self._send(HTTPStatus.OK, live.health())
                return
            try:
                obj = json.loads(body.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                self._send(HTTPStatus.BAD_REQUEST, {"error": f"not a JSON record: {exc}"})
                return
            answer = _answer(live, obj)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR if answer.get("error", "").startswith("internal error") else
                       HTTPStatus.UNPROCESSABLE_ENTITY if "error" in answer else HTTPStatus.OK, answer)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
