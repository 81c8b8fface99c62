"""The cleanse stage: field rules for Chinese CRM data (see docs/cleanse.md).

One module per field kind (credit_code, phone, id_number, email, date, company_name, address, amount,
person_name, picklist, free_text), each with a `check_<kind>(text) -> Outcome` for one value and a
`cleanse_<kind>(table, column) -> RuleResult` for a column; `rule.run_rule` is the shared driver,
`detect.detect_kind` finds a column's kind, `stage.cleanse_table` runs a whole table. Nothing heavy is
imported here.
"""
