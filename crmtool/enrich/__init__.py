"""Enrichment: what the data already says (regions, organisation types, contradictions) and what
reference providers add (registry data), with the source of every filled value recorded.

`enrich_table` lives in crmtool.enrich.stage; providers are discovered through the entry point group
`crmtool.enrichers` (crmtool.enrich.providers). Heavy imports happen inside the functions.
"""
