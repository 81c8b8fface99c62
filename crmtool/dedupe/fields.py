"""Which fields of a CRM object feed the dedupe engine's columns.

Companies (compare: company): name, credit_code, phone, address. People (compare: contact): name,
mobile, phone, email, account_id, title, department. Shared by the run's dedupe stage and the
duplicate-rate KPI, so that both compare the same fields."""

from __future__ import annotations

from collections.abc import Container

DEDUPE_TYPES = {"name": ("company_name",), "credit_code": ("credit_code",), "phone": ("phone", "mobile"),
                "address": ("address",)}
CONTACT_TYPES = {"name": ("person_name",), "mobile": ("mobile",), "phone": ("phone",), "email": ("email",),
                 "account_id": ("reference",)}
CONTACT_NAMED = ("title", "department")  # plain text fields, taken by their name


def dedupe_fields(obj, present: Container[str] | None = None, compare: str = "company") -> dict[str, str]:
    """{engine column: object field}: the first field of each type the engine compares (of the fields
    in `present`, when given: the columns a frame or a store actually has). For `compare` contact, the
    account reference is a reference field to accounts, and title / department the fields of that name."""
    types = CONTACT_TYPES if compare == "contact" else DEDUPE_TYPES
    out = {}
    for column, kinds in types.items():
        name = next((n for n, f in obj.fields.items() if f.type in kinds and (present is None or n in present)
                     and (column != "account_id" or f.to == "accounts")), None)
        if name:
            out[column] = name
    if compare == "contact":
        for name in CONTACT_NAMED:
            if name in obj.fields and (present is None or name in present):
                out[name] = name
    return out
