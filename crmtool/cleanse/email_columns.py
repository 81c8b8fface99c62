"""E-mail addresses for a whole column at once: `settle_emails(values) -> rule.Settled`.

Settled here, exactly as `email.check_email` says (tests/cleanse/test_vector_rules.py holds the two to
each other): values of printable ASCII, the ideographic space and full-width ASCII forms (NFKC gives one
ASCII character each, so ＠ is @), spaces trimmed and squeezed as `text.basic` does, with none of
< > , ; " ' (a display name, a comma for the dot, the characters the rule strips from the ends), no
`mailto:` and no dot at either end of the domain. The domain is lower-cased, and the local part too at
the free-mail providers (and their misspellings); the syntax is the rule's own two regular expressions
run by RE2, whose language is the same. Left to the check: everything else, and every address whose
domain `email.suggest_domain` would correct (asked once per distinct domain).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmtool.cleanse.columnwise import concat, mask, matches, per_key, where
from crmtool.cleanse.email import _DOMAIN, _LOCAL, PROVIDERS, TYPOS, suggest_domain
from crmtool.cleanse.rule import NOTATION, Settled, SettledFinding
from crmtool.issues import Severity

_PLAIN = r"^[\x{20}-\x{7e}\x{3000}\x{ff01}-\x{ff5e}]*$"
_LEFT = r"[<>,;\"']|^(?i:mailto:)"  # display names, commas, what the rule strips off, mailto:
_LOWER_LOCAL = pa.array(sorted({*PROVIDERS, *TYPOS}), type=pa.large_string())


def settle_emails(values: pa.Array) -> Settled:
    plain = np.flatnonzero(matches(values, _PLAIN))
    text = pc.utf8_normalize(values.take(pa.array(plain)), "NFKC")
    text = pc.replace_substring_regex(pc.utf8_trim(text, " "), " {2,}", " ")
    keep = ~matches(text, _LEFT)
    parts = pc.extract_regex(text, r"^(?P<local>(?s:.*))@(?P<domain>[^@]*)$")
    has_at = mask(pc.is_valid(parts))
    local, domain = pc.struct_field(parts, "local"), pc.struct_field(parts, "domain")
    keep &= ~(has_at & (matches(domain, r"^\.") | matches(domain, r"\.$")))
    domain = pc.ascii_lower(domain)
    local = where(mask(pc.is_in(domain, value_set=_LOWER_LOCAL)), pc.ascii_lower(local), local)
    address = concat(local, "@", domain)
    valid = (has_at & matches(local, f"^(?:{_LOCAL.pattern})$") & matches(domain, f"^(?:{_DOMAIN.pattern})$")
             & (np.asarray(pc.fill_null(pc.utf8_length(local), 0)) <= 64)
             & (np.asarray(pc.fill_null(pc.utf8_length(address), 0)) <= 254))
    corrected = np.zeros(len(plain), bool)
    if valid.any():
        at = np.flatnonzero(valid)
        typo = per_key(domain.take(pa.array(at)), lambda d: (suggest_domain(d),), ("typo",))["typo"]
        corrected[at] = mask(pc.is_valid(typo))
    keep &= ~corrected
    positions = plain[keep]
    valid, address, domain = valid[keep], address.filter(pa.array(keep)), domain.filter(pa.array(keep))
    none = pa.scalar(None, pa.string())
    provider = per_key(domain, lambda d: (PROVIDERS.get(d),), ("provider",))["provider"]
    return Settled(positions, where(valid, address, none), valid, pa.repeat(pa.scalar(NOTATION, pa.string()), len(positions)),
                   {"domain": where(valid, domain, none), "provider": where(valid, provider, none)},
                   [SettledFinding("email.syntax", Severity.ERROR, np.flatnonzero(~valid), "not an e-mail address")])
