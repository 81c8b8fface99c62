"""Which fields of a CRM object feed the dedupe engine's columns (name, credit_code, phone, address).

Shared by the run's dedupe stage and the duplicate-rate KPI, so that both compare the same fields."""

from __future__ import annotations

from collections.abc import Container

DEDUPE_TYPES = {"name": ("company_name",), "credit_code": ("credit_code",), "phone": ("phone", "mobile"),
                "address": ("address",)}


def dedupe_fields(obj, present: Container[str] | None = None) -> dict[str, str]:
    """{engine column: object field}: the first field of each type the engine compares (of the fields
    in `present`, when given: the columns a frame or a store actually has)."""
    out = {}
    for column, types in DEDUPE_TYPES.items():
        name = next((n for n, f in obj.fields.items() if f.type in types and (present is None or n in present)), None)
        if name:
            out[column] = name
    return out
