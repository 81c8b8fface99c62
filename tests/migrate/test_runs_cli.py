"""`crmtool runs`, `crmtool rollback --last`, and the run summary printed to a pipe or a narrow terminal."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from test_run import project, run  # noqa: F401 - project is a fixture


def _runs(cli, project: Path) -> list[dict]:
    listed = cli("runs", "--runs-dir", project / "runs", "--json")
    assert listed.code == 0, listed.stderr
    return json.loads(listed.stdout)["runs"]


def test_runs_lists_what_each_run_changed_and_rollback_last_takes_the_newest_that_did(cli, project):
    first = run(cli, project)["run_id"]
    unchanged = run(cli, project)["run_id"]
    dry = run(cli, project, "--dry-run")["run_id"]
    runs = _runs(cli, project)
    assert [r["run_id"] for r in runs][:3] in ([dry, unchanged, first], sorted([dry, unchanged, first], reverse=True))
    by_id = {r["run_id"]: r for r in runs}
    assert by_id[first]["wrote"] > 0 and by_id[first]["changed"]["accounts"]["inserted"] > 0
    assert by_id[unchanged]["wrote"] == 0 and by_id[dry]["dry_run"] and by_id[dry]["wrote"] == 0
    assert all(r["status"] == "done" for r in runs)

    text = cli("runs", "--runs-dir", project / "runs")
    assert first in text.stdout and "nothing (dry run)" in text.stdout and "accounts +" in text.stdout

    nothing = cli("rollback", unchanged, "--runs-dir", project / "runs", "--yes")
    assert nothing.code == 0 and "nothing to roll back" in nothing.stdout
    undone = cli("rollback", "--last", "--runs-dir", project / "runs", "--yes", "--json")
    assert undone.code == 0, undone.stderr
    assert json.loads(undone.stdout)["run_id"] == first
    assert {r["run_id"]: r for r in _runs(cli, project)}[first]["rolled_back"]
    none_left = cli("rollback", "--last", "--runs-dir", project / "runs", "--yes")
    assert none_left.code == 2 and "no run that changed the store" in none_left.stderr
    assert cli("rollback", "--runs-dir", project / "runs", "--yes").code == 2
    assert cli("rollback", first, "--last", "--runs-dir", project / "runs", "--yes").code == 2


def test_the_run_summary_to_a_pipe_is_plain_text_that_never_truncates(cli, project):
    result = cli("run", project / "migration.yaml")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("object"))
    for column in ("source rows", "loaded", "merged", "rejected", "inserted", "updated", "unchanged", "reconciled"):
        assert column in header
    assert any(line.split()[:1] == ["accounts"] and line.split()[-1] == "yes" for line in lines)
    assert "…" not in result.stdout and "┃" not in result.stdout


def test_tables_on_terminals_narrow_and_wide():
    from crmtool.console import print_table

    columns = ["object", "source rows", "reconciled"]
    rows = [["opportunities_of_a_long_custom_object", "1,234", "yes"]]
    narrow, wide = io.StringIO(), io.StringIO()
    print_table("run r1", columns, rows, right=columns[1:], console=Console(file=narrow, force_terminal=True, width=40))
    print_table("run r1", columns, rows, right=columns[1:], console=Console(file=wide, force_terminal=True, width=200))
    assert "opportunities_of_a_long_custom_object" in narrow.getvalue() and "…" not in narrow.getvalue()
    assert "source rows" in narrow.getvalue() and "┃" not in narrow.getvalue()
    assert "┃" in wide.getvalue() and "opportunities_of_a_long_custom_object" in wide.getvalue()
