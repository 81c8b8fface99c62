"""E-mail addresses for a whole column at once: `settle_emails(values) -> rule.Settled`.

Settled here, exactly as `email.check_email` says (tests/cleanse/test_vector_rules.py holds the two to
each other): values of printable ASCII, the ideographic space and full-width ASCII forms (NFKC gives one
ASCII character each, so ＠ is @), spaces trimmed and squeezed as `text.basic` does, with none of
< > , ; " ' (a display name, a comma for the dot, the characters the rule strips from the ends), no
`mailto:` and no dot at either end of the domain. The domain is lower-cased, and the local part too at
the free-mail providers (and their misspellings); the syntax is the rule's own two regular expressions
run by RE2, whose language is the same; a domain `email.suggest_domain` corrects (asked once per
distinct domain) is corrected as the rule does. Left to the check: everything else.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmtool.cleanse.columnwise import apply_where, concat, mask, matches, nfkc_text, per_key, where
from crmtool.cleanse.email import _DOMAIN, _LOCAL, PROVIDERS, TYPOS, suggest_domain
from crmtool.cleanse.rule import CONTENT, NOTATION, Settled, SettledFinding
from crmtool.issues import Severity

_PLAIN = r"^[\x{20}-\x{7e}\x{3000}\x{ff01}-\x{ff5e}]*$"
_LEFT = r"[<>,;\"']|^(?i:mailto:)"  # display names, commas, what the rule strips off, mailto:
_LOWER_LOCAL = pa.array(sorted({*PROVIDERS, *TYPOS}), type=pa.large_string())


def settle_emails(values: pa.Array) -> Settled:
    plain, text = nfkc_text(values, _PLAIN)
    keep = ~matches(text, _LEFT)
    has_at = mask(pc.match_substring(text, "@"))
    # the address split at its last @, as str.rpartition does: ["", text] where there is none
    parts = pc.split_pattern(apply_where(text, ~has_at, lambda t: concat("@", t)), "@", max_splits=1, reverse=True)
    local, domain = pc.list_element(parts, 0), pc.list_element(parts, 1)
    keep &= ~(has_at & (matches(domain, r"^\.") | matches(domain, r"\.$")))
    domain = pc.ascii_lower(domain)
    local = where(mask(pc.is_in(domain, value_set=_LOWER_LOCAL)), pc.ascii_lower(local), local)
    address = concat(local, "@", domain)
    valid = (has_at & matches(local, f"^(?:{_LOCAL.pattern})$") & matches(domain, f"^(?:{_DOMAIN.pattern})$")
             & (np.asarray(pc.fill_null(pc.utf8_length(local), 0)) <= 64)
             & (np.asarray(pc.fill_null(pc.utf8_length(address), 0)) <= 254))
    typo = pa.nulls(len(plain), pa.string())
    if valid.any():
        at = np.flatnonzero(valid)
        found = per_key(domain.take(pa.array(at)), lambda d: (suggest_domain(d),), ("typo",))["typo"]
        typo = pc.replace_with_mask(typo, pa.array(valid), found)
    positions = plain[keep]
    valid, local, domain, address, typo = (valid[keep], local.filter(pa.array(keep)), domain.filter(pa.array(keep)),
                                           address.filter(pa.array(keep)), typo.filter(pa.array(keep)))
    # a misspelt free-mail domain corrected: the local part lower-cased, a warning naming the domain written
    corrected = valid & mask(pc.is_valid(typo))
    fixed_address = concat(pc.ascii_lower(local), "@", typo)
    address = where(corrected, fixed_address, address)
    written = domain
    domain = where(corrected, typo, domain)
    none = pa.scalar(None, pa.string())
    provider = per_key(domain, lambda d: (PROVIDERS.get(d),), ("provider",))["provider"]
    at = np.flatnonzero(corrected)
    message = concat("domain ", written.take(pa.array(at)), " corrected to ", typo.take(pa.array(at)),
                     ": check with the contact if unsure")
    return Settled(positions, where(valid, address, none), valid, where(corrected, CONTENT, NOTATION),
                   {"domain": where(valid, domain, none), "provider": where(valid, provider, none)},
                   [SettledFinding("email.syntax", Severity.ERROR, np.flatnonzero(~valid), "not an e-mail address"),
                    SettledFinding("email.domain_typo", Severity.WARNING, at, message.to_pylist(),
                                   fixed_address.take(pa.array(at)).to_pylist())])
