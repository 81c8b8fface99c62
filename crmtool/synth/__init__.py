"""Synthetic CRM data: realistic, messy Chinese company records (and contact records: people at
accounts, `generate_contacts`; leads against such a CRM, `generate_leads`) with a known truth of which records are the same company (person) (for testing and benchmarking read/cleanse/dedupe), and the
script that makes the small sample files in samples/ (`python -m crmtool.synth.samples samples/`).

See docs/synth.md.
"""

from crmtool.synth.contacts import CONTACT_RECORD_COLUMNS, CONTACT_TRUTH_COLUMNS, generate_contacts
from crmtool.synth.generate import RECORD_COLUMNS, TRUTH_COLUMNS, generate_accounts
from crmtool.synth.leads import LEAD_RECORD_COLUMNS, LEAD_TRUTH_COLUMNS, generate_leads, link_accuracy
from crmtool.synth.writers import output_format, write_records, write_truth

__all__ = ["CONTACT_RECORD_COLUMNS", "CONTACT_TRUTH_COLUMNS", "LEAD_RECORD_COLUMNS", "LEAD_TRUTH_COLUMNS", "RECORD_COLUMNS",
           "TRUTH_COLUMNS", "generate_accounts", "generate_contacts", "generate_leads", "link_accuracy", "output_format", "write_records",
           "write_truth"]
