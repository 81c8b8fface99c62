"""Backup: copy every source into a run's backup/ folder before anything reads it, with size and sha256.

The stage works on the run's record of its inputs (the manifest's `inputs` list, given by the caller,
crmtool.run.backup, which owns the manifest): each copy adds an entry, a copy already recorded is
verified against it.

Re-running verifies instead of copying again. A source that changed since its backup is never
copied over the old one silently: that is a verification failure, unless the caller asks to keep
the new content as an additional version (`keep_changed`), in which case both copies stay.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from crmtool.atomic import atomic_path
from crmtool.clock import now_iso
from crmtool.errors import CrmtoolError, InputError
from crmtool.exitcodes import ExitCode
from crmtool.tableio import LOCK_FILE_PREFIXES

_CHUNK = 1024 * 1024
BACKUP_DIR = "backup"


class BackupMismatch(CrmtoolError):
    exit_code = ExitCode.GATE_FAILED


@dataclass
class BackupEntry:
    source: str
    backup: str
    size: int
    sha256: str
    status: str
    """copied | verified | new-version"""


@dataclass
class BackupReport:
    run_dir: str
    entries: list[BackupEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"run_dir": self.run_dir, "files": [e.__dict__ for e in self.entries], "skipped": self.skipped}


def collect_sources(sources: list[str | Path], exclude: Path | None = None) -> tuple[list[Path], list[str]]:
    """Files named directly, and every file below named folders (sorted; lock files and anything
    inside `exclude`, the run directory itself, skipped)."""
    files, skipped = [], []
    exclude = exclude.resolve() if exclude else None
    for source in map(Path, sources):
        if source.is_dir():
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                if exclude and path.resolve().is_relative_to(exclude):
                    continue
                if path.name.startswith(LOCK_FILE_PREFIXES):
                    skipped.append(str(path))
                else:
                    files.append(path)
        elif source.is_file():
            files.append(source)
        else:
            raise InputError(source, "file not found")
    return files, skipped


def copy_sources(files: list[Path], run_dir: Path, inputs: list[dict], *, keep_changed: bool = False) -> list[BackupEntry]:
    """Copy (or verify) each file into run_dir/backup, recording new copies in `inputs`.

    Entries are appended as each copy finishes, so a caller that saves `inputs` after a failure keeps
    the record of every copy made before it."""
    return [_backup_one(path, Path(run_dir), inputs, keep_changed) for path in files]


def _backup_one(path: Path, run_dir: Path, inputs: list[dict], keep_changed: bool) -> BackupEntry:
    source = str(path.resolve())
    sha, size = file_sha256(path), path.stat().st_size
    versions = [e for e in inputs if e["source"] == source]
    for entry in versions:
        if entry["sha256"] == sha:
            _verify_copy(run_dir, entry)
            return BackupEntry(source, entry["backup"], size, sha, "verified")
    if versions and not keep_changed:
        old = versions[-1]
        raise BackupMismatch(
            f"{path}: changed since it was backed up to {run_dir / old['backup']} "
            f"(sha256 {old['sha256'][:12]}… then, {sha[:12]}… now); the backup was kept. "
            "Use a new run directory, or --keep-changed to keep both versions"
        )
    folder = run_dir / BACKUP_DIR
    name = _free_name(path.name, {e["backup"] for e in inputs}, folder)
    copied_sha = _copy(path, folder / name)
    if copied_sha != sha:
        raise BackupMismatch(f"{path}: changed while it was being copied; run the backup again")
    entry = {"source": source, "backup": f"{BACKUP_DIR}/{name}", "size": size, "sha256": sha, "backed_up": now_iso()}
    inputs.append(entry)
    return BackupEntry(source, entry["backup"], size, sha, "new-version" if versions else "copied")


def _verify_copy(run_dir: Path, entry: dict) -> None:
    copy = run_dir / entry["backup"]
    if not copy.exists():
        raise BackupMismatch(f"{copy}: backup file is missing (recorded in {run_dir / 'manifest.json'})")
    if file_sha256(copy) != entry["sha256"]:
        raise BackupMismatch(f"{copy}: backup file no longer matches its recorded sha256; it was modified after the backup")


def _free_name(name: str, taken: set[str], folder: Path) -> str:
    """A backup name no manifest entry and no file on disk uses: nothing is ever overwritten."""
    stem, suffix = os.path.splitext(name)
    candidate, k = name, 2
    while f"backup/{candidate}" in taken or (folder / candidate).exists():
        candidate, k = f"{stem}~{k}{suffix}", k + 1
    return candidate


def _copy(source: Path, target: Path) -> str:
    """Copy through a temp file, hashing what was written; the finished copy is read-only."""
    digest = hashlib.sha256()
    with atomic_path(target) as tmp:
        with source.open("rb") as src, tmp.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
