"""Dedupe: keys → blocks (SQL on DuckDB) → weights (rapidfuzz) → decisions → entities → golden records.

Entry points: `crmtool.dedupe.pipeline.dedupe` (a DataFrame), `crmtool.dedupe.run.run_dedupe` (files,
used by `crmtool dedupe`), `crmtool.dedupe.review.apply_review`, `crmtool.dedupe.leads.match_leads`,
`crmtool.dedupe.spark.dedupe_on_spark` (the same results with the set work on a SparkSession).
See docs/dedupe.md.
"""
