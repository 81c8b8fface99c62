"""`crmtool profile`: what is in a file, column by column, before anything is cleaned.

Library first: `profile_table(frame)` and `profile_files(paths)` return dataclasses whose `to_dict()`
is the `--json` output; `render.print_profile` draws the rich tables and `html.render_html` the page.
"""

from crmtool.profile.html import write_html
from crmtool.profile.model import ColumnProfile, KindSummary, ProfileReport, TableProfile
from crmtool.profile.profiler import profile_files, profile_table
from crmtool.profile.render import print_profile
from crmtool.profile.stats import ValueCount

__all__ = [
    "ColumnProfile",
    "KindSummary",
    "ProfileReport",
    "TableProfile",
    "ValueCount",
    "print_profile",
    "profile_files",
    "profile_table",
    "write_html",
]
