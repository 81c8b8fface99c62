"""Credit codes for a whole column at once: `settle_credit_codes(values) -> rule.Settled`.

Settled here, exactly as `credit_code.check_credit_code` says (tests/cleanse/test_vector_rules.py
holds the two to each other on generated and hand-written codes): values of printable ASCII, the
ideographic space and full-width ASCII forms (whose NFKC is one ASCII character each) and, besides
letters and digits, only the separators the rule drops that are ASCII (space - _ . / \\), which
after normalisation (NFKC, upper case, separators dropped, O → 0 and I → 1) are either 18 characters
of the GB 32100 set (both check characters computed in numpy by `canon.uscc.check_characters`; the
registration authority read once per distinct first two characters, the division by
`divisions.divisions_of`) or of a
length no identifier has (the length error). Left to the check: 9 and 15 characters (the older
identifiers), 18 with a character outside the set, and anything else.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmtool.canon.uscc import USCC_SHAPE, check_characters
from crmtool.cleanse.columnwise import chars, concat, fixed_width, mask, matches, nfkc_text, per_key, where
from crmtool.cleanse.credit_code import ATTRIBUTES, authority_of
from crmtool.cleanse.divisions import divisions_of
from crmtool.cleanse.rule import CONTENT, NOTATION, Settled, SettledFinding
from crmtool.issues import Severity

_PLAIN = r"^[\x{20}-\x{7e}\x{3000}\x{ff01}-\x{ff5e}]*$"
_ALLOWED = r"^[0-9A-Za-z \-_./\\]*$"  # after NFKC


def settle_credit_codes(values: pa.Array) -> Settled:
    plain, text = nfkc_text(values, _PLAIN, spaces=False)
    allowed = matches(text, _ALLOWED)
    plain, text = plain[allowed], text.filter(pa.array(allowed))
    code = pc.replace_substring_regex(pc.ascii_upper(text), r"[ \-_./\\]+", "")
    fixed = pc.replace_substring(pc.replace_substring(code, "O", "0"), "I", "1")
    length = np.asarray(pc.utf8_length(fixed))
    shaped = matches(fixed, f"^{USCC_SHAPE}$")
    other_length = ~np.isin(length, (9, 15, 18))
    keep = shaped | other_length
    positions, fixed, code, length = plain[keep], fixed.filter(pa.array(keep)), code.filter(pa.array(keep)), length[keep]
    shaped = shaped[keep]
    confused = mask(pc.not_equal(code, fixed))
    findings = [SettledFinding("credit_code.confusable_chars", Severity.WARNING, np.flatnonzero(confused),
                               "letters O/I read as digits 0/1", fixed.filter(pa.array(confused)), rank=0)]
    short = np.flatnonzero(~shaped)
    findings.append(SettledFinding(
        "credit_code.length", Severity.ERROR, short,
        [f"{n} characters: a credit code has 18 (or 9 / 15 for the older codes)" for n in length[short].tolist()],
        rank=1))
    codes = fixed.filter(pa.array(shaped))
    at = np.flatnonzero(shaped)
    matrix = fixed_width(codes, 18)
    c17, c18 = check_characters(matrix)
    bad17, bad18 = matrix[:, 16] != c17, matrix[:, 17] != c18
    findings.append(SettledFinding(
        "credit_code.check_digit_17", Severity.ERROR, at[bad17],
        _listed(concat("position 17 (organisation code check, GB 11714) should be ", chars(c17[bad17]), ", is ",
                       chars(matrix[bad17, 16]))), rank=1))
    findings.append(SettledFinding(
        "credit_code.check_digit_18", Severity.ERROR, at[bad18],
        _listed(concat("position 18 (GB 32100 check) should be ", chars(c18[bad18]), ", is ",
                       chars(matrix[bad18, 17]))), rank=2))
    good = ~(bad17 | bad18)
    valid = np.zeros(len(positions), bool)
    valid[at[good]] = True
    codes = codes.filter(pa.array(good))
    at = at[good]
    head = per_key(pc.utf8_slice_codeunits(codes, 0, 2), authority_of, ("authority", "org_type"))
    head["code_type"] = pa.repeat(pa.scalar("uscc", pa.string()), len(codes))
    head["division_code"] = pc.utf8_slice_codeunits(codes, 2, 8)
    head.update(divisions_of(head["division_code"]))
    head["org_code"] = concat(pc.utf8_slice_codeunits(codes, 8, 16), "-", pc.utf8_slice_codeunits(codes, 16, 17))
    no_authority, no_division = mask(pc.is_null(head["authority"])), mask(pc.is_null(head["province"]))
    findings.append(SettledFinding(
        "credit_code.authority", Severity.WARNING, at[no_authority],
        _listed(concat("unknown registration authority code ",
                       pc.utf8_slice_codeunits(codes.filter(pa.array(no_authority)), 0, 1))), rank=3))
    findings.append(SettledFinding(
        "credit_code.division", Severity.WARNING, at[no_division],
        _listed(concat("unknown administrative division code ",
                       pc.utf8_slice_codeunits(codes.filter(pa.array(no_division)), 2, 8))), rank=4))
    spread = np.zeros(len(positions), np.int64)
    spread[at] = np.arange(len(at))
    attrs = {name: where(valid, head[name].take(pa.array(spread)) if len(at) else pa.nulls(len(positions), pa.string()),
                         pa.scalar(None, pa.string())) for name in ATTRIBUTES}
    return Settled(positions, where(valid, fixed, pa.scalar(None, pa.string())), valid,
                   where(confused, CONTENT, NOTATION), attrs, [f for f in findings if len(f.hits)])




def _listed(messages: pa.Array) -> list[str]:
    return messages.to_pylist()
