"""Synthetic CRM account data: realistic, messy Chinese company records with a known truth of
which records are the same company (for testing and benchmarking read/cleanse/dedupe), and the
script that makes the small sample files in samples/ (`python -m crmtool.synth.samples samples/`).

See docs/synth.md.
"""

from crmtool.synth.generate import RECORD_COLUMNS, TRUTH_COLUMNS, generate_accounts
from crmtool.synth.writers import output_format, write_records, write_truth

__all__ = ["RECORD_COLUMNS", "TRUTH_COLUMNS", "generate_accounts", "output_format", "write_records", "write_truth"]
