"""Desensitised (脱敏) copies of tables: each sensitive field keeps only what identifies no one (see docs/mask.md).

`mask_value(value, kind, key=None)` masks one value; `mask_table(table, kinds=None, key=None)` a table,
detecting the kinds of its columns when they are not given; `scrub_text` masks the patterns of ID
numbers, mobiles, landlines, e-mails and credit codes inside free text. With a key (bytes, from the
environment) values become keyed pseudonyms: the same value always gives the same token.
"""

from crmtool.mask.table import MASK_KINDS, key_from_env, mask_file, mask_table
from crmtool.mask.values import mask_value, scrub_text

__all__ = ["MASK_KINDS", "key_from_env", "mask_file", "mask_table", "mask_value", "scrub_text"]
