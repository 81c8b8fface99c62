"""The run: the one orchestrator above the stages, and the owner of the run directory (docs/migrate.md).

It calls each stage's public function in turn (backup → read → cleanse → dedupe → enrich → map →
verify → load), keeps every stage's output and the manifest in `runs/<run-id>/`, resumes an interrupted
run, reconciles every source row to one outcome, and undoes a load. No stage imports it.

- `run_migration` (pipeline.py, stages.py, context.py, files.py, outcomes.py): `crmtool run`;
- `backup_sources` (backup.py): `crmtool backup`, the copies recorded in the manifest;
- `verify_path` (verify.py): `crmtool verify` on a run directory or a data file;
- `rollback_run`, `run_target_url` (rollback.py): `crmtool rollback`;
- `list_runs`, `last_changing_run` (history.py): `crmtool runs`, `crmtool rollback --last`;
- `RunDir` (rundir.py): the run directory and its manifest.
"""

from crmtool.run.backup import backup_sources
from crmtool.run.context import RunOptions
from crmtool.run.history import RunEntry, last_changing_run, list_runs
from crmtool.run.pipeline import RunSummary, run_migration
from crmtool.run.rollback import rollback_run, run_target_url
from crmtool.run.rundir import RunDir
from crmtool.run.verify import verify_path

__all__ = ["RunDir", "RunEntry", "RunOptions", "RunSummary", "backup_sources", "last_changing_run", "list_runs",
           "rollback_run", "run_migration", "run_target_url", "verify_path"]
