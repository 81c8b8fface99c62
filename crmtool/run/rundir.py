"""The run directory (DESIGN.md): `runs/<run-id>/` with manifest.json, backup/ and each stage's output.

The manifest is the run's memory: inputs with their hashes, settings, stage timings and counts. It is
always written atomically (temp file + rename), so an interrupted run never leaves half a manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from crmtool import __version__
from crmtool.atomic import write_text_atomic
from crmtool.clock import now_iso
from crmtool.config.mapping import RUN_MANIFEST as MANIFEST
from crmtool.errors import ConfigError


def new_run_id() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def load_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {"tool": "crmtool", "version": __version__, "created": now_iso(), "inputs": [], "stages": {}}
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.manifest_path}: not a valid manifest ({exc}); restore it or use a new run directory") from None

    def save_manifest(self, manifest: dict[str, Any]) -> None:
        manifest["updated"] = now_iso()
        manifest["version"] = __version__
        write_text_atomic(self.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
