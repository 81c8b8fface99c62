"""The audit trail (docs/audit.md): one record for every command that writes a store or a run directory.

A record says when (UTC), who (user, host), what (the command line, secrets redacted), on what (the
inputs with their sha256, the target URL redacted), what was written (counts) and how it ended (the
exit code and the error line). It is appended

- to `audit.jsonl` in the run directory: one JSON line per record; the file is opened for appending and
  the line written with one write, flushed and fsync'd, so earlier lines are never rewritten;
- for a store that keeps one (`Target.keeps_audit`: DuckDB, PostgreSQL), to its `_crm_audit` table,
  through the target's own SQL, INSERT only. File and HTTP targets are audited in the run directory only.

Writing a record never raises: what could not be written comes back as warnings, so an audit failure
never hides the command's own error, and a store that cannot be reached still leaves the run
directory's record. The record is redacted as a whole before it is written: URL passwords, option
values after `--…password…`/`--…token…`/`--…secret…`, secret-named URL parameters, the values of
the environment variables `--…-env VAR` names and the tokens crmtool reads (crmtool.load.secrets_of).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets as random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmtool import __version__
from crmtool.errors import ConfigError
from crmtool.exitcodes import ExitCode

if TYPE_CHECKING:
    from crmtool.model import ObjectModel

AUDIT_FILE = "audit.jsonl"
AUDIT_VERSION = 1
HIDDEN = "***"
SECRET_WORD = r"(?:password|passwd|pwd|token|secret|api[_-]?key|apikey|credential|private[_-]?key|auth)"
SECRET_OPTION = re.compile(rf"^--?[\w-]*{SECRET_WORD}[\w-]*$", re.IGNORECASE)
SECRET_ASSIGNMENT = re.compile(rf"(?i)(\b[\w.-]*{SECRET_WORD}[\w.-]*\s*=\s*)([^&\s;]+)")
SECRET_ENV_NAME = re.compile(r"(?i)(password|passwd|token|secret|api_?key|credential|(^|_)pw$)")
ENV_OPTION = re.compile(r"^--[\w-]+-env$")
MIN_SECRET = 3  # as crmtool.load.secrets_of
LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}  # str.splitlines() splits on them


@dataclass
class AuditRecord:
    """What a command tells the audit as it learns it; `finish_audit` turns it into the written record."""

    command: str
    command_line: list[str]
    started: dt.datetime
    id: str = ""
    run_dir: Path | None = None
    create_run_dir: bool = False  # the run's own new directory (made for the record if the run failed early)
    run_id: str | None = None
    target_url: str | None = None  # as used, secrets and all: written redacted, used to reach the store
    base: Path | None = None  # what relative store paths are relative to (the migration file's folder)
    write_store: bool = False  # the command set out to write the store: record it in its _crm_audit too
    model: "ObjectModel | None" = None
    inputs: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    clock: float = field(default_factory=time.perf_counter)

    def set_store(self, url: str, *, base: Path | None = None, model: "ObjectModel | None" = None,
                  write: bool = True) -> None:
        self.target_url, self.base, self.model, self.write_store = url, base, model, write

    def attach_run_dir(self, path: str | Path, *, create: bool = False, run_id: str | None = None) -> None:
        self.run_dir, self.create_run_dir = Path(path), create
        self.run_id = run_id or self.run_id or Path(path).name

    def add_input(self, path: str | Path, kind: str, *, sha256: str | None = None, size: int | None = None,
                  **extra: Any) -> None:
        """An input of the command, hashed now unless its sha256 is known (a backup recorded it)."""
        from crmtool.backup import file_sha256

        path = Path(path)
        if sha256 is None and path.is_file():
            sha256, size = file_sha256(path), path.stat().st_size
        self.inputs.append({"kind": kind, "path": str(path), "sha256": sha256, "size": size, **extra})

    def note_run(self, manifest: dict) -> None:
        """Inputs, counts and settings from a run's manifest: the migration and mapping files, the sources
        (their sha256 as the backup recorded them), what the load wrote per object."""
        self.run_id = manifest.get("run_id") or self.run_id
        inputs = []
        migration = manifest.get("migration") or {}
        if migration.get("path"):
            inputs.append({"kind": "migration", "path": migration["path"], "sha256": migration.get("sha256")})
        inputs += [{"kind": "mapping", "path": m.get("path"), "sha256": m.get("sha256")}
                   for m in manifest.get("mappings") or []]
        used = {c for copies in (manifest.get("sources") or {}).values()
                for c in ([copies] if isinstance(copies, str) else copies)}
        inputs += [{"kind": "source", "path": e.get("source"), "sha256": e.get("sha256"), "size": e.get("size"),
                    "backup": e.get("backup")}
                   for e in manifest.get("inputs") or [] if not used or e.get("backup") in used]
        self.inputs = inputs
        load = manifest.get("load") or ((manifest.get("stages") or {}).get("load") or {}).get("objects") or {}
        self.counts = {name: dict(counts) for name, counts in load.items()}
        self.details["dry_run"] = bool(manifest.get("dry_run"))


def start_audit(command: str, command_line: list[str]) -> AuditRecord:
    """A record for a command starting now; `command_line` is argv with the program name first."""
    now = dt.datetime.now(dt.timezone.utc)
    return AuditRecord(command, list(command_line), now, id=f"{now:%Y%m%dT%H%M%S%fZ}-{random.token_hex(3)}")


def finish_audit(record: AuditRecord, exit_code: int, error: str | None = None) -> list[str]:
    """Append the record to the run directory's audit.jsonl and to the store's _crm_audit, as far as it
    has them; never raises. Returns warnings about what could not be written."""
    warnings: list[str] = []
    try:
        found = record_secrets(record)
        data = redact_record(build_record(record, exit_code, error), found)
        line = audit_line(data)
    except Exception as exc:  # noqa: BLE001 - an audit failure must not hide the command's own outcome
        return [f"audit record not written: {type(exc).__name__}: {exc}"]
    if record.run_dir is not None and (record.run_dir.is_dir() or record.create_run_dir):
        try:
            record.run_dir.mkdir(parents=True, exist_ok=True)
            append_line(record.run_dir / AUDIT_FILE, line)
        except OSError as exc:
            warnings.append(scrub(f"audit record not written to {record.run_dir / AUDIT_FILE}: {exc}", found))
    if record.write_store and record.target_url:
        try:
            _append_to_store(record, data, line)
        except Exception as exc:  # noqa: BLE001 - the store may be what failed; the command's error comes first
            if exit_code != ExitCode.TARGET_FAILED:  # the command's own error has said the store failed
                where = f" (it is in {record.run_dir / AUDIT_FILE})" if record.run_dir is not None else ""
                warnings.append(scrub(f"audit record not written to the store's _crm_audit{where}: {exc}", found))
    return warnings


def build_record(record: AuditRecord, exit_code: int, error: str | None) -> dict:
    """The record as written (before redaction)."""
    from crmtool.clock import now_iso
    from crmtool.config.migration import redact

    return {
        "audit": AUDIT_VERSION,
        "id": record.id,
        "at": record.started.isoformat(timespec="seconds"),
        "finished": now_iso(),
        "seconds": round(time.perf_counter() - record.clock, 3),
        "user": _user(),
        "host": _host(),
        "command": record.command,
        "command_line": redact_command_line(record.command_line),
        "cwd": _cwd(),
        "tool_version": __version__,
        "run_id": record.run_id,
        "run_dir": str(record.run_dir.resolve()) if record.run_dir is not None else None,
        "target": redact_url(redact(record.target_url)) if record.target_url else None,
        "writes_store": bool(record.write_store),
        **record.details,
        "inputs": record.inputs,
        "counts": record.counts,
        "exit_code": int(exit_code),
        "error": " ".join(error.split()) if error else None,
    }


# ----------------------------------------------------------------------------------------- redaction

def redact_url(text: str) -> str:
    """Secret-named parameters (`?token=…`, `password=…` in a libpq string) as ***; the URL's own
    password is crmtool.config.migration.redact's."""
    return SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + HIDDEN, text)


def redact_command_line(argv: list[str]) -> list[str]:
    """argv for the record: URLs redacted, the value after (or `=` of) an option named like
    *password* / *token* / *secret* replaced by ***."""
    from crmtool.config.migration import redact

    def value(text: str) -> str:
        return redact_url(redact(text)) if "://" in text else redact_url(text)

    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append(HIDDEN)
            hide_next = False
        elif arg.startswith("-") and "=" in arg:
            name, _, rest = arg.partition("=")
            out.append(f"{name}={HIDDEN}" if SECRET_OPTION.match(name) else f"{name}={value(rest)}")
        elif SECRET_OPTION.match(arg):
            out.append(arg)
            hide_next = True
        else:
            out.append(value(arg))
    return out


def record_secrets(record: AuditRecord) -> list[str]:
    """Every string that must not appear in the record: the passwords of the target URL and of any URL on
    the command line, their secret-named parameters, the values of environment variables named by
    `--…-env VAR` options or named like a secret (…PASSWORD, …TOKEN, …SECRET…), crmtool's token variables."""
    from crmtool.load import secrets_of

    urls = [record.target_url or ""] + [a.partition("=")[2] if a.startswith("-") else a
                                        for a in record.command_line if "://" in a]
    found: list[str] = []
    for url in urls:
        if url:
            found += secrets_of(url)
            found += [m.group(2) for m in SECRET_ASSIGNMENT.finditer(url)]
    argv = record.command_line
    for i, arg in enumerate(argv):
        name = arg.partition("=")[0]
        if ENV_OPTION.match(name):
            variable = arg.partition("=")[2] if "=" in arg else (argv[i + 1] if i + 1 < len(argv) else "")
            found.append(os.environ.get(variable, ""))
        if SECRET_OPTION.match(name):
            found.append(arg.partition("=")[2] if "=" in arg else (argv[i + 1] if i + 1 < len(argv) else ""))
    found += [v for k, v in os.environ.items()  # a safety net; paths and short values would only garble the record
              if SECRET_ENV_NAME.search(k) and len(v) >= 6 and not v.startswith(("/", "~", "."))]
    unique = {s for s in found if s and len(s) >= MIN_SECRET and s != HIDDEN}
    return sorted(unique, key=len, reverse=True)  # the longest first: no secret survives as a part of another


def scrub(text: str, found: list[str]) -> str:
    for secret in found:
        text = text.replace(secret, HIDDEN)
    return text


def redact_record(data: Any, found: list[str]) -> Any:
    """Every string of the record (keys included) with the secrets replaced."""
    if isinstance(data, str):
        return scrub(data, found)
    if isinstance(data, dict):
        return {redact_record(k, found): redact_record(v, found) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact_record(v, found) for v in data]
    return data


# ------------------------------------------------------------------------------------- the JSONL file

def audit_line(data: dict) -> str:
    """One line of JSON: no raw line break of any kind (str.splitlines() also splits on U+2028, U+2029, U+0085)."""
    line = json.dumps(data, ensure_ascii=False, default=str)
    for char, escaped in LINE_BREAKS.items():
        line = line.replace(char, escaped)
    return line


def append_line(path: Path, line: str) -> None:
    """Append one line to an append-only log: opened for appending (never truncated, never rewritten),
    one write, flushed and fsync'd. After a torn last line (a crash mid-write) the record starts a line
    of its own; the torn line is left as it is."""
    if "\n" in line or "\r" in line:
        raise ValueError("an audit record is one line")
    data = (line + "\n").encode("utf-8")
    created = not path.exists()
    if not created and path.stat().st_size:
        with open(path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                data = b"\n" + data
    with open(path, "ab") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if created:
        _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------------------- reading

def read_run_audit(path: str | Path) -> tuple[list[dict], list[str]]:
    """The records of one run directory's audit.jsonl, or of every run under a runs folder (oldest first),
    and warnings about lines that are not records (a torn write)."""
    path = Path(path)
    if not path.is_dir():
        raise ConfigError(f"{path}: no such folder")
    files = [path / AUDIT_FILE] if (path / AUDIT_FILE).is_file() else sorted(path.glob(f"*/{AUDIT_FILE}"))
    records, warnings = [], []
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8", errors="replace").split("\n"), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                warnings.append(f"{file}:{number}: not a JSON record (a torn write?), skipped")
                continue
            if isinstance(record, dict):
                records.append(record)
    return sorted(records, key=lambda r: (str(r.get("at", "")), str(r.get("id", "")))), warnings


def read_store_audit(url: str, *, since: dt.datetime | None = None, command: str | None = None,
                     limit: int | None = None) -> list[dict]:
    """The records in a store's _crm_audit, oldest first (the newest `limit`). A store that keeps no audit
    table is a ConfigError that says where its records are instead."""
    from crmtool.config.migration import redact
    from crmtool.errors import TargetError
    from crmtool.load import open_target
    from crmtool.model import load_object_model

    target = open_target(url, load_object_model())
    if not type(target).keeps_audit:
        raise ConfigError(f"{redact(url)}: {type(target).__name__} keeps no _crm_audit table; its audit records are "
                          "in the run directories (crmtool audit --runs-dir runs)")
    if _absent(target):
        raise TargetError(f"{redact(url)}: no such store ({target.path})")
    with target:
        lines = target.read_audit(since=since, command=command, limit=limit)
    return [json.loads(line) for line in lines]


def select_audit(records: list[dict], *, since: dt.datetime | None = None, command: str | None = None,
           limit: int | None = None) -> list[dict]:
    """The filters of read_store_audit over records read from files."""
    if since is not None:
        records = [r for r in records if _naive_utc(str(r.get("at", ""))) >= since]
    if command is not None:
        records = [r for r in records if r.get("command") == command]
    if limit is not None:
        records = records[-limit:] if limit > 0 else []
    return records


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """`--since`: an ISO date or date-time (UTC unless it has an offset), or a duration back from now
    (`30m`, `12h`, `7d`, `2w`); as a naive UTC datetime, how the stores keep times."""
    found = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text)
    if found:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[found.group(2)]
        moment = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(**{unit: int(found.group(1))})
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    try:
        return _naive_utc(text.strip())
    except ValueError:
        raise ConfigError(f"--since {text}: not a date (2025-06-01), a date-time (2025-06-01T08:00) or a duration "
                          "(30m, 12h, 7d, 2w)") from None


def _naive_utc(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


# ------------------------------------------------------------------------------------------ the store

def _append_to_store(record: AuditRecord, data: dict, line: str) -> None:
    from crmtool.load import open_target
    from crmtool.model import load_object_model

    target = open_target(record.target_url, record.model or load_object_model(), base=record.base)
    if not type(target).keeps_audit or _absent(target):
        return  # file and HTTP targets: the run directory only; and the audit never creates a store
    with target:
        target.append_audit(data, line)


def _absent(target) -> bool:
    """A store file that does not exist (opening it would create it)."""
    path = getattr(target, "path", None)
    return isinstance(path, str) and path != ":memory:" and not Path(path).exists()


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:
        return None


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in a container: the uid says who
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _host() -> str:
    import socket

    try:
        return socket.gethostname()
    except OSError:
        return "unknown"
