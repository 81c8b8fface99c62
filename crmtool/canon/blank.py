"""What a blank value is, for every stage: null, or nothing but BLANK_CHARS.

BLANK_CHARS are the ASCII white-space characters, the ideographic space U+3000 of Chinese input
methods and the no-break space U+00A0 of web copies. Other Unicode spaces (U+2000-U+200A …) are not
blank here: cleanse folds them to an ASCII space (NFKC) before it judges a value, and the SQL forms
below have fast paths that rely on this short set.

The map stage strips and blanks values with these functions; cleanse skips blank cells with
`is_blank`; verify compiles the same test to SQL (crmtool.validate.sql.blank_sql, and the trims of
crmtool.validate.kpi_sql) and gives it to great-expectations (crmtool.validate.gx); tests/test_canon.py
holds the SQL forms to `is_blank`. So a value that one stage calls blank is blank for all of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

BLANK_CHARS = " \t\n\r\f\v\u3000\u00a0"


def is_blank(value: object) -> bool:
    """True for None, NaN/NA, and a string of white space only."""
    if isinstance(value, str):
        return not value.strip(BLANK_CHARS)
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except TypeError:  # pandas.NA has no truth value
        return True


def strip_blanks(values: "pd.Series") -> "pd.Series":
    """Text values with leading and trailing white space removed (nulls stay null)."""
    return values.str.strip(BLANK_CHARS)


def blank_mask(values: "pd.Series") -> "pd.Series":
    """True where a value is blank (null, or nothing but BLANK_CHARS)."""
    text = values.astype("string")
    return (text.isna() | (text.str.strip(BLANK_CHARS) == "")).fillna(True).astype(bool)


def blank_to_na(values: "pd.Series") -> "pd.Series":
    """Values as text, the blank ones made null (the others unchanged)."""
    import pandas as pd

    text = values.astype("string")
    return text.mask(blank_mask(text), pd.NA)
