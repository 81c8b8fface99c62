"""The map stage: source columns to CRM object fields, as a mapping file says (docs/mapping.md).

- `cleanse_fields` (fields.py) / `map_object` (transform.py): the stage itself: the mapped fields cleansed by
  their rules, then renamed, converted, value-mapped and checked into the object's rows, the rows
  that cannot be loaded rejected with their reasons; `cleanse_fields_and_attributes` also keeps what
  the rules found out about the values (their regions, for the run's enrich stage);
- `RelationIndex` (relations.py): a reference (a contact's account) resolved by external id, credit
  code or company name;
- `read_source` (source.py): a mapping's source files (one, or those its pattern matches) read as one table;
- `check_files` (check.py, check_output.py): `crmtool mapping check`, for people and CI;
- `init_project` (suggest.py matches columns to fields, draft.py writes the files): `crmtool init`.
"""

from crmtool.mapper.check import CheckReport, check_files
from crmtool.mapper.check_output import finding_line, summary_line, to_github, to_junit
from crmtool.mapper.relations import RelationIndex
from crmtool.mapper.draft import init_project
from crmtool.mapper.fields import cleanse_fields, cleanse_fields_and_attributes
from crmtool.mapper.source import SourceFile, read_source, source_files
from crmtool.mapper.transform import MapResult, map_object

__all__ = ["CheckReport", "MapResult", "RelationIndex", "SourceFile", "check_files", "cleanse_fields",
           "cleanse_fields_and_attributes", "finding_line",
           "init_project", "map_object", "read_source", "source_files", "summary_line", "to_github", "to_junit"]
