"""The run: the one orchestrator above the stages, and the owner of the run directory (docs/migrate.md).

It calls each stage's public function in turn (backup → read → cleanse → dedupe → enrich → map →
verify → load), keeps every stage's output and the manifest in `runs/<run-id>/`, resumes an interrupted
run, reconciles every source row to one outcome, and undoes a load. No stage imports it.

- `run_migration` (pipeline.py, stages.py, context.py, files.py, outcomes.py): `crmtool run`;
- `backup_sources` (backup.py): `crmtool backup`, the copies recorded in the manifest;
- `verify_path` (verify.py): `crmtool verify` on a run directory or a data file;
- `rollback_run`, `run_target_url` (rollback.py): `crmtool rollback`;
- `list_runs`, `last_changing_run` (history.py): `crmtool runs`, `crmtool rollback --last`;
- `RunDir` (rundir.py): the run directory and its manifest;
- `start_audit`, `finish_audit`, `read_run_audit`, `read_store_audit` (audit.py): the audit trail of
  every command that writes a store or a run directory, `crmtool audit`.
"""

from crmtool.run.audit import (AUDIT_FILE, AuditRecord, audit_line, finish_audit, parse_since, read_run_audit,
                               read_store_audit, select_audit, start_audit)

from crmtool.run.backup import backup_sources
from crmtool.run.context import RunOptions
from crmtool.run.history import RunEntry, last_changing_run, list_runs
from crmtool.run.pipeline import RunSummary, run_migration
from crmtool.run.rollback import rollback_run, run_target_url
from crmtool.run.rundir import RunDir
from crmtool.run.verify import verify_path

__all__ = ["AUDIT_FILE", "AuditRecord", "RunDir", "RunEntry", "RunOptions", "RunSummary", "audit_line", "backup_sources",
           "finish_audit", "last_changing_run", "list_runs", "parse_since", "read_run_audit", "read_store_audit",
           "rollback_run", "run_migration", "run_target_url", "select_audit", "start_audit", "verify_path"]
