"""What every stage of a run needs: the migration, the object model, the mappings, the run directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from crmtool.errors import ConfigError
from crmtool.run.rundir import RunDir, new_run_id

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.mapping import Mapping
    from crmtool.config.migration import Migration
    from crmtool.model import ObjectModel
    from crmtool.run.audit import AuditRecord


StageEvent = Callable[[str, str, dict], None]  # (stage, "start" | "done" | "skip", counts)


@dataclass
class RunOptions:
    dry_run: bool = False
    resume: str | None = None
    accept_failures: str | None = None
    run_id: str | None = None
    unmasked: bool = False
    on_stage: StageEvent | None = None
    audit: "AuditRecord | None" = None  # told the run directory, target, inputs and counts (crmtool.run.audit)


@dataclass
class RunContext:
    migration_path: Path
    migration: "Migration"
    model: "ObjectModel"
    mappings: dict[str, "Mapping"]  # mapping stem → mapping (the stem names its files in the run directory)
    run: "RunDir"
    options: "RunOptions"
    manifest: dict
    target_url: str = ""
    dedupe_rules: dict = field(default_factory=dict)  # object → its complete DedupeRules (built-in + the migration's)
    _store_cache: dict = field(default_factory=dict)

    @classmethod
    def open(cls, migration_path: Path, options: "RunOptions") -> "RunContext":
        from crmtool.backup import file_sha256
        from crmtool.config.mapping import load_mapping
        from crmtool.config.migration import load_migration, redact
        from crmtool.model import load_object_model

        migration = load_migration(migration_path)
        model = load_object_model(*(migration.resolve(p) for p in migration.objects))
        mappings: dict[str, Mapping] = {}
        for relative in migration.mappings:
            mapping = load_mapping(migration.resolve(relative))
            if mapping.object not in model:
                raise ConfigError(f"{mapping.path}:{mapping.line_of('object')}: object: no object {mapping.object!r} "
                                  f"(objects: {', '.join(model.names())})")
            stem = _unique_stem(mapping.path.stem, mappings)
            mappings[stem] = mapping
        rules = _dedupe_rules(migration, {m.object for m in mappings.values()})
        run, run_id = resolve_run_dir(migration_path, migration.run_dir, options.run_id, options.resume)
        target_url = migration.target_url()
        fingerprint = {"migration": {"path": str(migration_path.resolve()), "sha256": file_sha256(migration_path)},
                       "mappings": [{"stem": s, "path": str(m.path.resolve()), "object": m.object,
                                     "sha256": file_sha256(m.path), "files": [str(p) for p in m.source_paths()]}
                                    for s, m in mappings.items()]}
        if migration.dedupe_rule_files():
            fingerprint["dedupe_rules"] = [{"path": str(p.resolve()), "sha256": file_sha256(p)}
                                           for p in migration.dedupe_rule_files()]
        manifest = run.load_manifest()
        if options.resume:
            _check_unchanged(manifest, fingerprint, options.resume)
            if bool(manifest.get("dry_run")) != options.dry_run:
                raise ConfigError(f"--resume {options.resume}: that run was {'a dry run' if manifest.get('dry_run') else 'a real run'}; "
                                  "resume it the same way, or start a new run")
        else:
            manifest.update(run_id=run_id, name=migration.name, dry_run=options.dry_run, target=redact(target_url),
                            stages={}, **fingerprint)
        manifest.setdefault("stages", {})
        manifest["masked"] = not options.unmasked
        return cls(migration_path, migration, model, mappings, run, options, manifest, target_url, rules)

    def save(self) -> None:
        self.run.save_manifest(self.manifest)

    @property
    def run_id(self) -> str:
        return self.manifest["run_id"]

    def path(self, *parts: str) -> Path:
        return self.run.path.joinpath(*parts)

    def objects(self) -> list[str]:
        """The objects this migration loads, parents before children."""
        wanted = {m.object for m in self.mappings.values()}
        return [name for name in self.model.load_order() if name in wanted]

    def mappings_of(self, object_name: str) -> dict[str, "Mapping"]:
        return {s: m for s, m in self.mappings.items() if m.object == object_name}

    def preflight(self) -> None:
        """Reach the target before any work, so a store that is down costs seconds, not a whole run (exit 4)."""
        from crmtool.load import open_target

        if self.store_absent():
            return
        with open_target(self.target_url, self.model, base=self.migration.base):
            pass

    def store_absent(self) -> bool:
        """A dry run into a local store file that does not exist yet: treated as an empty store, so that
        the dry run does not create it."""
        from crmtool.load import open_target

        path = getattr(open_target(self.target_url, self.model, base=self.migration.base), "path", None)
        return bool(self.options.dry_run and isinstance(path, str) and path != ":memory:" and not Path(path).exists())

    def store_rows(self, object_name: str) -> "pd.DataFrame":
        """The target's current rows of an object (fetched once per run)."""
        if object_name not in self._store_cache:
            from crmtool.load import open_target

            if self.store_absent():
                import pandas as pd

                return pd.DataFrame({f: pd.Series(dtype="string") for f in self.model[object_name].fields})
            with open_target(self.target_url, self.model, base=self.migration.base) as target:
                self._store_cache[object_name] = target.fetch(object_name)
        return self._store_cache[object_name]


def _dedupe_rules(migration: "Migration", objects: set[str]) -> dict:
    """The complete rules of each object the run deduplicates; a rules file or section that is broken, or
    names an object the run does not deduplicate, is a ConfigError now, before any work."""
    from crmtool.dedupe.rules import builtin_rules

    settings = migration.dedupe
    deduped = [o for o in settings.objects if o in objects] if settings.enabled else []
    unused = sorted(set(settings.rules) - set(settings.objects))
    if unused:
        raise ConfigError(f"{migration.path_text}: dedupe.rules: rules for {', '.join(unused)}, which dedupe.objects "
                          "does not list")
    return {o: migration.dedupe_rules(builtin_rules(o)) for o in deduped}


def _unique_stem(stem: str, taken: dict) -> str:
    name, n = stem, 2
    while name in taken:
        name, n = f"{stem}_{n}", n + 1
    return name


def _check_unchanged(manifest: dict, fingerprint: dict, run_id: str) -> None:
    """A resumed run must have the same migration, mapping and dedupe rules files as when it started."""
    before = {m["path"]: m["sha256"] for m in manifest.get("mappings", []) + manifest.get("dedupe_rules", [])}
    before[manifest.get("migration", {}).get("path")] = manifest.get("migration", {}).get("sha256")
    now = {m["path"]: m["sha256"] for m in fingerprint["mappings"] + fingerprint.get("dedupe_rules", [])}
    now[fingerprint["migration"]["path"]] = fingerprint["migration"]["sha256"]
    changed = sorted(p for p in set(before) | set(now) if before.get(p) != now.get(p))
    if changed:
        raise ConfigError(f"--resume {run_id}: {changed[0]} changed since the run started; "
                          "start a new run (crmtool run without --resume)")
    _check_same_files(manifest, fingerprint, run_id)


def _check_same_files(manifest: dict, fingerprint: dict, run_id: str) -> None:
    """A mapping's source.file pattern must match the files it matched when the run started: the mapping
    file is unchanged, but a file added to or removed from the folder changes what it means. (A file of
    the set that changed is the backup's to notice, as for a single source file.)"""
    before = {m["path"]: m["files"] for m in manifest.get("mappings", []) if "files" in m}
    for mapping in fingerprint["mappings"]:
        old, new = before.get(mapping["path"]), mapping["files"]
        if old is None or old == new:
            continue
        differ = [f"added {', '.join(f for f in new if f not in old)}" if set(new) - set(old) else "",
                  f"gone {', '.join(f for f in old if f not in new)}" if set(old) - set(new) else ""]
        raise ConfigError(f"--resume {run_id}: {mapping['path']}: source.file matches other files than when the run "
                          f"started ({'; '.join(d for d in differ if d)}); start a new run (crmtool run without --resume)")


def resolve_run_dir(migration_path: Path, runs: str, run_id: str | None, resume: str | None) -> tuple[RunDir, str]:
    """The run directory of a new run, or of the run being resumed (which must exist)."""
    base = Path(runs) if Path(runs).is_absolute() else migration_path.resolve().parent / runs
    if resume:
        run = RunDir(base / resume)
        if not run.manifest_path.exists():
            known = sorted(p.name for p in base.glob("*/manifest.json") if p.is_file()) if base.exists() else []
            raise ConfigError(f"--resume {resume}: no run {resume} in {base}"
                              + (f" (runs: {', '.join(p.split('/')[0] for p in known[-5:])})" if known else ""))
        return run, resume
    run_id = run_id or new_run_id()
    return RunDir(base / run_id), run_id
