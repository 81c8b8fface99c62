"""The load: rows of the CRM object model into a target, by external id, idempotently (docs/targets.md).

- `load_object` (stage.py): hash, snapshot, classify (insert / update / unchanged) and upsert one
  object's rows, with per-row results;
- `open_target`, `discover` (targets/): the store plugins (DuckDB, PostgreSQL, import files, REST),
  found through the `crmtool.targets` entry points and picked by URL scheme;
- `rollback_load` (rollback.py): undo a run's load from its snapshot;
- `secrets_of` (targets/failures.py): the strings of a URL and the environment that no message, log
  or audit record may hold.
"""

from crmtool.load.rollback import COUNTS as ROLLBACK_COUNTS
from crmtool.load.rollback import rollback_load
from crmtool.load.stage import load_object
from crmtool.load.targets import discover, open_target
from crmtool.load.targets.base import Target
from crmtool.load.targets.failures import secrets_of
from crmtool.load.targets.frames import text_isin

__all__ = ["ROLLBACK_COUNTS", "Target", "discover", "load_object", "open_target", "rollback_load", "secrets_of", "text_isin"]
