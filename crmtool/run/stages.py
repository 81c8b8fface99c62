"""The stages of a migration run. Each reads the previous stage's files in the run directory and writes its own.

File names follow the run directory contract in docs/migrate.md: read/<mapping>.parquet,
cleanse/<mapping>.parquet, dedupe/<object>.parquet (+ _clusters, _pairs), enrich/<object>.parquet,
map/<object>.parquet (+ _rejected), verify/, snapshot/, load/, outcomes.parquet, issues.parquet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmtool.errors import ConfigError, GateFailed
from crmtool.issues import PROVENANCE
from crmtool.load import text_isin
from crmtool.run.files import FINAL_ID, REJECTED, STORE_ID, SURVIVOR, add_issues, final_ids, read_frame, write_frame

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.run.context import RunContext

# ---------------------------------------------------------------------------------------------- stages

def backup(ctx: "RunContext") -> dict:
    """Every file of every mapping's source; manifest `sources` lists, per mapping, its files' copies in
    the order they are read."""
    from crmtool.run.backup import backup_sources

    sources = {stem: m.source_paths() for stem, m in ctx.mappings.items()}
    ctx.save()
    report = backup_sources(sorted({path for paths in sources.values() for path in paths}), ctx.run.path)
    ctx.manifest = ctx.run.load_manifest()
    by_source = {e.source: e.backup for e in report.entries}
    ctx.manifest["sources"] = {stem: [by_source[str(path.resolve())] for path in paths]
                               for stem, paths in sources.items()}
    return {"files": len(report.entries), "bytes": sum(e.size for e in report.entries)}


def read(ctx: "RunContext") -> dict:
    from crmtool.mapper import read_source

    counts, issues = {}, []
    for stem, mapping in ctx.mappings.items():
        result = read_source(mapping, _backed_up(ctx, stem, mapping))
        write_frame(ctx, result.table, "read", f"{stem}.parquet")
        counts[stem] = len(result.table)
        issues.append(result.issues)
    counts["issues"] = add_issues(ctx, "read", issues)
    return counts


def _backed_up(ctx: "RunContext", stem: str, mapping) -> list:
    """The backup copies of a mapping's source files, each labelled as its original names its rows.
    (A run directory from before source patterns holds one copy as a string.)"""
    from pathlib import Path

    from crmtool.mapper import SourceFile

    copies = ctx.manifest["sources"][stem]
    copies = [copies] if isinstance(copies, str) else copies
    originals = {e["backup"]: e["source"] for e in ctx.manifest.get("inputs", [])}
    return [SourceFile(ctx.path(c), mapping.source_label(Path(originals.get(c, mapping.source_path())))) for c in copies]


def cleanse(ctx: "RunContext") -> dict:
    """Each mapping's fields, cleansed; and what the rules said of the values enrich reads (their regions),
    kept in cleanse/attributes/<mapping>.parquet so that enrich need not run the rules again."""
    from crmtool.enrich.attributes import ATTRIBUTES
    from crmtool.mapper import cleanse_fields_and_attributes

    counts, issues = {}, []
    for stem, mapping in ctx.mappings.items():
        kinds = _enrich_kinds(ctx.model[mapping.object], mapping.fields)  # RunContext.open checked the object
        keep = {field: (kind, ATTRIBUTES[kind]) for field, kind in kinds.items()}
        fields, kept, found = cleanse_fields_and_attributes(read_frame(ctx, "read", f"{stem}.parquet"), mapping,
                                                            ctx.model, keep)
        fields.insert(len(PROVENANCE), "_mapping", stem)
        write_frame(ctx, fields, "cleanse", f"{stem}.parquet")
        if keep:
            write_frame(ctx, kept, "cleanse", KEPT_ATTRIBUTES, f"{stem}.parquet")
        counts[stem] = len(fields)
        issues.append(found)
    counts["issues"] = add_issues(ctx, "cleanse", issues)
    return counts


# cleanse/attributes/<mapping>.parquet: per field enrich reads, its distinct clean values and their attributes
KEPT_ATTRIBUTES = "attributes"
ENRICH_TYPES = ("company_name", "credit_code", "phone", "address")


def _enrich_kinds(obj, present) -> dict[str, str]:
    """{field: cleanse kind} of the object's fields (of those `present`) that enrich takes regions from;
    empty when the object has no province or city for it to fill."""
    if not any(f in obj.fields for f in ("province", "city")):
        return {}
    return {name: f.cleanse_kind for name, f in obj.fields.items() if name in present and f.type in ENRICH_TYPES}


def dedupe(ctx: "RunContext") -> dict:
    import pandas as pd

    settings = ctx.migration.dedupe
    counts = {}
    for object_name in ctx.objects():
        frame = pd.concat([read_frame(ctx, "cleanse", f"{stem}.parquet") for stem in ctx.mappings_of(object_name)],
                          ignore_index=True)
        frame[SURVIVOR] = frame["_row_id"]
        frame[STORE_ID] = pd.Series(pd.NA, index=frame.index, dtype="string")
        if settings.enabled and object_name in settings.objects and len(frame):
            frame, stats = _dedupe_object(ctx, object_name, frame)
            counts[object_name] = stats
        write_frame(ctx, frame, "dedupe", f"{object_name}.parquet")
    return counts


def _dedupe_object(ctx: "RunContext", object_name: str, frame: "pd.DataFrame") -> tuple["pd.DataFrame", dict]:
    """Cluster the object's rows (and match them against the store); survivors take the golden values."""
    import pandas as pd

    from crmtool.dedupe.engines import dedupe_on
    from crmtool.dedupe.pipeline import DedupeSettings

    obj = ctx.model[object_name]
    rules = ctx.dedupe_rules[object_name]
    columns = _dedupe_columns(obj, frame, rules.compare)
    table = pd.DataFrame({"_row_id": frame["_row_id"], "_source": frame["_source"],
                          **{c: frame[f].astype("string") for c, f in columns.items()}})
    if rules.compare == "contact" and "account_id" in columns:
        table["account_id"] = _account_entities(ctx, obj.fields[columns["account_id"]].to, table["account_id"])
    store = None
    if ctx.migration.dedupe.against_target:
        rows = ctx.store_rows(object_name)
        if len(rows):
            store = pd.DataFrame({"_row_id": "store:" + rows[obj.external_id].astype("string"), "_source": "store",
                                  **{c: rows[f].astype("string") for c, f in columns.items() if f in rows}})
    result = dedupe_on(ctx.migration.engine, table, "_row_id", DedupeSettings.from_rules(rules), store=store)
    write_frame(ctx, result.clusters, "dedupe", f"{object_name}_clusters.parquet")
    write_frame(ctx, result.pairs, "dedupe", f"{object_name}_pairs.parquet")
    clusters = result.clusters.set_index("_row_id")
    cid = frame["_row_id"].map(clusters["cluster_id"])
    if "matched_account" in clusters:
        matched = frame["_row_id"].map(clusters["matched_account"]).astype("string")
        frame[STORE_ID] = matched.str.removeprefix("store:")
    # The carrier of each cluster: the row that already carries its account in the store (so a re-run
    # keeps the same row and changes nothing), else dedupe's survivor, else the first row by key.
    order = pd.DataFrame({"cid": cid, "rid": frame["_row_id"],
                          "stored": (frame[obj.external_id].astype("string") == frame[STORE_ID]).fillna(False)
                          if obj.external_id in frame else False,
                          "surv": frame["_row_id"].map(clusters["is_survivor"]).astype(bool)})
    carrier = order.sort_values(["cid", "stored", "surv", "rid"], ascending=[True, False, False, True])
    frame[SURVIVOR] = cid.map(carrier.drop_duplicates("cid").set_index("cid")["rid"]).astype("string")
    # the account reference was compared as the account entity (_account_entities): the rows keep their own
    frame = _apply_golden(frame, cid, result.golden,
                          {c: f for c, f in columns.items() if not (rules.compare == "contact" and c == "account_id")})
    merged = int((frame[SURVIVOR] != frame["_row_id"]).sum())
    return frame, {"rows": len(frame), "clusters": int(cid.nunique()), "merged": merged,
                   "matched_store": int(frame[STORE_ID].notna().sum()), "candidate_pairs": result.stats["candidate_pairs"]}


def _account_entities(ctx: "RunContext", parent: str, values: "pd.Series") -> "pd.Series":
    """A contact's account reference as the account entity the dedupe stage found: at this stage a reference
    is still as the source wrote it (北京华信科技有限公司, 华信科技), so two contacts of one company could look
    like contacts of two accounts (a cannot-link). Values that name a deduplicated parent row, by its
    external id or its normalised company name, become that row's cluster carrier; others stay."""
    import pandas as pd

    from crmtool.dedupe.keys import name_keys

    path = ctx.path("dedupe", f"{parent}.parquet")
    if not path.exists():
        return values
    parents = read_frame(ctx, "dedupe", f"{parent}.parquet")
    obj = ctx.model[parent]
    lookup: dict[str, str] = {}
    names = [n for n, f in obj.fields.items() if f.type == "company_name" and n in parents]
    for column in ([obj.external_id] if obj.external_id in parents else []) + names:
        for value, carrier in zip(parents[column].astype("string"), parents[SURVIVOR].astype("string"), strict=True):
            if pd.notna(value) and pd.notna(carrier):
                lookup.setdefault(str(value), str(carrier))
                if column in names:
                    lookup.setdefault("name:" + str(name_keys(str(value))[0]), str(carrier))

    def entity(value):
        if pd.isna(value):
            return value
        found = lookup.get(value) or lookup.get("name:" + str(name_keys(value)[0]))
        return f"entity:{found}" if found else value

    return values.map(entity).astype("string")


def _dedupe_columns(obj, frame: "pd.DataFrame", compare: str = "company") -> dict[str, str]:
    """dedupe column → the object's field feeding it (the first mapped field of a fitting type; for people:
    person name, mobile, phone, email, the account reference, title, department)."""
    from crmtool.dedupe.fields import dedupe_fields

    columns = dedupe_fields(obj, set(frame.columns), compare)
    if "name" not in columns:
        kind = "person-name" if compare == "contact" else "company-name"
        raise ConfigError(f"dedupe: the object has no mapped {kind} field to match on; "
                         "remove it from dedupe.objects in the migration file")
    return columns


def _apply_golden(frame: "pd.DataFrame", cid: "pd.Series", golden: "pd.DataFrame", columns: dict) -> "pd.DataFrame":
    """Survivors of clusters with several rows: the matched fields take the golden value (valid first, see
    crmtool.dedupe.golden). Other empty fields are filled after mapping (_fill_from_merged)."""
    is_carrier = frame[SURVIVOR] == frame["_row_id"]
    multi = cid.map(cid.value_counts()) > 1
    target = is_carrier & multi
    if not target.any():
        return frame
    golden = golden.set_index("cluster_id")
    for column, field in columns.items():
        if column in golden:
            value = cid[target].map(golden[column])
            frame.loc[target, field] = value.where(value.notna(), frame.loc[target, field])
    return frame


def enrich(ctx: "RunContext") -> dict:
    """Fill province/city from what the record already says (address, credit code, name, landline).
    The regions of the values come from what the cleanse stage kept (cleanse/attributes/); values it did
    not see (a golden value from the store, one changed after its rule, a run begun before it kept
    them) are cleansed here."""
    from crmtool.enrich.stage import enrich_fields

    counts, issues = {}, []
    for object_name in ctx.objects():
        frame = read_frame(ctx, "dedupe", f"{object_name}.parquet")
        obj = ctx.model[object_name]
        kinds = _enrich_kinds(obj, frame.columns)
        targets = [f for f in ("province", "city") if f in obj.fields]
        filled = 0
        if kinds and targets and len(frame):
            enriched, found = enrich_fields(frame, kinds, _kept_attributes(ctx, object_name))
            issues.append(found)
            for field in targets:
                value = enriched[f"enrich__{field}"].astype("string")
                current = frame[field].astype("string") if field in frame else value.where(value.isna())
                fill = current.isna() & value.notna()
                frame[field] = current.mask(fill, value)
                filled += int(fill.sum())
        write_frame(ctx, frame, "enrich", f"{object_name}.parquet")
        counts[object_name] = {"filled": filled}
    counts["issues"] = add_issues(ctx, "enrich", issues)
    return counts


def _kept_attributes(ctx: "RunContext", object_name: str) -> "pd.DataFrame | None":
    """What the cleanse stage kept of the object's mappings' values (None when it kept nothing)."""
    import pandas as pd

    paths = [ctx.path("cleanse", KEPT_ATTRIBUTES, f"{stem}.parquet") for stem in ctx.mappings_of(object_name)]
    frames = [pd.read_parquet(p) for p in paths if p.exists()]
    return pd.concat(frames, ignore_index=True) if frames else None


def map_stage(ctx: "RunContext") -> dict:
    import pandas as pd

    from crmtool.mapper import RelationIndex, map_object

    indexes: dict[str, RelationIndex] = {}
    done: dict[str, pd.DataFrame] = {}
    referred = {target for name in ctx.objects() for target in ctx.model[name].references.values()}
    counts, issues = {}, []
    for object_name in ctx.objects():
        obj = ctx.model[object_name]
        frame = read_frame(ctx, "enrich", f"{object_name}.parquet")
        key = obj.external_id
        frame[FINAL_ID] = final_ids(frame, key)
        carriers = frame[frame[SURVIVOR] == frame["_row_id"]].copy()
        if key in carriers:
            carriers[key] = carriers[FINAL_ID]
        relations = {target: indexes[target] if target in indexes else _store_index(ctx, target)
                     for target in obj.references.values()}
        rows, rejected, donors = [], [], []
        for stem, mapping in ctx.mappings_of(object_name).items():
            own = frame["_mapping"] == stem
            result = map_object(_map_input(carriers[carriers["_mapping"] == stem]), mapping, ctx.model, relations)
            rows.append(result.rows)
            rejected.append(result.rejected)
            issues.append(result.issues)
            merged = own & (frame[SURVIVOR] != frame["_row_id"])
            if merged.any():
                donors.append(map_object(_map_input(frame[merged]), mapping, ctx.model, relations).rows)
        mapped = _fill_from_merged(pd.concat(rows, ignore_index=True), donors, frame)
        mapped, matched = _match_accounts(ctx, object_name, mapped, done)
        links = _link_leads(ctx, object_name, mapped, done)
        rejected_frame = pd.concat(rejected, ignore_index=True)
        mapped, duplicates = _reject_duplicate_ids(mapped, key)
        rejected_frame = pd.concat([rejected_frame, duplicates], ignore_index=True)
        write_frame(ctx, mapped, "map", f"{object_name}.parquet")
        write_frame(ctx, rejected_frame, "map", f"{object_name}{REJECTED}.parquet")
        if object_name in referred:
            indexes[object_name] = _relation_index(ctx, object_name, frame, mapped)
        done[object_name] = mapped
        counts[object_name] = {"rows": len(mapped), "rejected": len(rejected_frame),
                               **({"matched_accounts": matched} if matched is not None else {}),
                               **({"links": links} if links is not None else {})}
    counts["issues"] = add_issues(ctx, "map", issues)
    ctx.manifest["kpis"] = _kpis(ctx)
    return counts


def _relation_index(ctx: "RunContext", object_name: str, frame: "pd.DataFrame", mapped: "pd.DataFrame"):
    """The lookup that references to this object resolve against: its accepted rows (a merged row's id
    redirected to its survivor's) and the store's records. Built only for objects something refers to:
    its keys are cleansed company names and codes, a pass over every row (half the map stage's time on a
    table of accounts alone)."""
    from crmtool.mapper import RelationIndex

    obj = ctx.model[object_name]
    key = obj.external_id
    redirect = frame.set_index(frame[key].astype("string"))[FINAL_ID] if key in frame else None
    accepted = frame[text_isin(frame[FINAL_ID], mapped[key].dropna() if key in mapped else [])]
    index = RelationIndex.from_rows(accepted, obj, redirect=redirect)
    store = ctx.store_rows(object_name)
    if len(store):
        index.extend(store)
    return index


def _match_accounts(ctx: "RunContext", object_name: str, mapped: "pd.DataFrame",
                    done: dict) -> tuple["pd.DataFrame", int | None]:
    """Cross-object: a lead (any object with a company name and an account reference its mappings leave
    empty) from an existing customer gets that account, by crmtool.dedupe.leads (name, code, phone)."""
    import pandas as pd

    from crmtool.dedupe.leads import match_leads
    from crmtool.dedupe.pipeline import DedupeSettings

    obj = ctx.model[object_name]
    refs = [f for f, target in obj.references.items() if target == "accounts" and f not in mapped]
    names = [f for f, d in obj.fields.items() if d.type == "company_name" and f in mapped]
    if object_name == "accounts" or not refs or not names or "accounts" not in ctx.model or not len(mapped):
        return mapped, None
    accounts_def = ctx.model["accounts"]
    key = accounts_def.external_id
    accounts = pd.concat([done.get("accounts", pd.DataFrame()), ctx.store_rows("accounts")], ignore_index=True)
    if key not in accounts or not len(accounts):
        return mapped, None
    accounts = accounts.drop_duplicates(key)
    leads = pd.DataFrame({"_key": mapped["_row_id"], "company": mapped[names[0]]})
    for field, d in obj.fields.items():
        if field in mapped and d.type in ("credit_code", "address"):
            leads[d.type] = mapped[field]
        if field in mapped and d.type in ("phone", "mobile") and "phone" not in leads:
            leads["phone"] = mapped[field]
    rules = ctx.dedupe_rules.get("accounts")
    found = match_leads(leads, "_key", accounts.astype({key: "string"}), key,
                        DedupeSettings.from_rules(rules) if rules is not None else None)
    mapped[refs[0]] = pd.Series(found["account_key"].to_numpy(), index=mapped.index, dtype="string")
    return mapped, int(mapped[refs[0]].notna().sum())


def _link_leads(ctx: "RunContext", object_name: str, mapped: "pd.DataFrame", done: dict) -> dict | None:
    """Cross-object links (crmtool.dedupe.cross): a lead (an object with a person name and a company name)
    linked to the contacts and accounts of this migration and the store, by external id, written to
    map/<object>_links.parquet; the counts go to the stage's record. Runs when dedupe is on and contacts are
    loaded here or held by the store."""
    import pandas as pd

    from crmtool.dedupe.cross import link_counts, match_cross
    from crmtool.dedupe.fields import dedupe_fields
    from crmtool.dedupe.pipeline import DedupeSettings
    from crmtool.dedupe.rules import builtin_rules

    obj = ctx.model[object_name]
    types = {d.type: f for f, d in reversed(list(obj.fields.items())) if f in mapped}
    if (not ctx.migration.dedupe.enabled or object_name in ("accounts", "contacts") or "person_name" not in types
            or "company_name" not in types or "contacts" not in ctx.model or not len(mapped)):
        return None

    def known(name: str, compare: str) -> tuple["pd.DataFrame | None", str, dict]:
        target = ctx.model[name]
        rows = pd.concat([done.get(name, pd.DataFrame()), ctx.store_rows(name)], ignore_index=True)
        if target.external_id not in rows or not len(rows):
            return None, target.external_id, {}
        rows = rows.drop_duplicates(target.external_id).reset_index(drop=True)
        columns = dedupe_fields(target, set(rows.columns), compare)
        table = pd.DataFrame({c: rows[f].astype("string") for c, f in columns.items()})
        table[target.external_id] = rows[target.external_id].astype("string")
        return table, target.external_id, columns

    contacts, contact_key, _ = known("contacts", "contact")
    if contacts is None:
        return None
    accounts, account_key, _ = known("accounts", "company") if "accounts" in ctx.model else (None, "", {})
    lead_key = obj.external_id
    person = {"name": "person_name", "mobile": "mobile", "phone": "phone", "email": "email"}
    company = {"company": "company_name", "credit_code": "credit_code", "address": "address"}
    leads = pd.DataFrame({c: mapped[types[t]].astype("string") for c, t in {**person, **company}.items() if t in types})
    leads[lead_key] = mapped[lead_key].astype("string") if lead_key in mapped else mapped["_row_id"].astype("string")
    for name in ("title", "department"):
        if name in mapped and name in obj.fields:
            leads[name] = mapped[name].astype("string")
    rules = ctx.dedupe_rules
    links = match_cross(
        leads, lead_key, accounts=accounts, account_key=account_key, contacts=contacts, contact_key=contact_key,
        account_settings=DedupeSettings.from_rules(rules["accounts"]) if "accounts" in rules else None,
        contact_settings=DedupeSettings.from_rules(rules.get("contacts") or builtin_rules("contacts")))
    write_frame(ctx, links, "map", f"{object_name}_links.parquet")
    return link_counts(links, len(leads))


def _map_input(part: "pd.DataFrame") -> "pd.DataFrame":
    return part.drop(columns=[SURVIVOR, STORE_ID, FINAL_ID, "_mapping"])


def _fill_from_merged(mapped: "pd.DataFrame", donors: list, frame: "pd.DataFrame") -> "pd.DataFrame":
    """A surviving record's empty fields take the values of the rows merged into it (mapped by their own
    mappings, so each value went through its own source's value maps and types), first row key first."""
    import pandas as pd

    if not donors or not len(mapped):
        return mapped
    survivor_of = frame.set_index("_row_id")[SURVIVOR]
    pool = pd.concat(donors, ignore_index=True)
    pool["_carrier"] = pool["_row_id"].map(survivor_of)
    fields = [c for c in mapped.columns if not c.startswith("_") and c in pool.columns]
    best = pool.sort_values("_row_id").groupby("_carrier")[fields].first()
    found = best.reindex(mapped["_row_id"]).set_axis(mapped.index)
    mapped[fields] = mapped[fields].fillna(found).astype("string")
    return mapped


def _store_index(ctx: "RunContext", object_name: str):
    """References to an object this migration does not load resolve against the store's records alone."""
    import pandas as pd

    from crmtool.mapper import RelationIndex

    obj = ctx.model[object_name]
    index = RelationIndex.from_rows(pd.DataFrame({f: pd.Series(dtype="string") for f in obj.fields}), obj)
    store = ctx.store_rows(object_name)
    if len(store):
        index.extend(store)
    return index


def _reject_duplicate_ids(mapped: "pd.DataFrame", key: str) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """Two mappings may yield the same external id: the first row keeps it, later ones are rejected."""
    import pandas as pd

    if key not in mapped or not len(mapped):
        return mapped, pd.DataFrame(columns=[*PROVENANCE, "reasons"])
    dup = mapped[key].notna() & mapped.duplicated(key, keep="first")
    first = mapped[~dup].drop_duplicates(key).set_index(key)["_row_id"]
    rejected = mapped.loc[dup, PROVENANCE].copy()
    rejected["reasons"] = ("duplicate external id " + mapped.loc[dup, key].astype(str) + " (first at "
                           + mapped.loc[dup, key].map(first).astype(str) + ")")
    return mapped[~dup].reset_index(drop=True), rejected


def _kpis(ctx: "RunContext") -> dict:
    """KPIs of each object before cleansing (the raw source values) and after mapping."""
    import pandas as pd

    from crmtool.validate.kpis import frame_kpis

    before, after = {}, {}
    for object_name in ctx.objects():
        obj = ctx.model[object_name]
        raw = []
        for stem, mapping in ctx.mappings_of(object_name).items():
            table = read_frame(ctx, "read", f"{stem}.parquet")
            raw.append(pd.DataFrame({f: table[fm.columns[0]].astype("string") if fm.columns and fm.columns[0] in table
                                     else pd.Series(fm.constant, index=table.index, dtype="string")
                                     for f, fm in mapping.fields.items()}))
        raw = pd.concat(raw, ignore_index=True)
        mapped = read_frame(ctx, "map", f"{object_name}.parquet")
        clusters = _clusters(ctx, object_name)
        before[object_name] = frame_kpis(raw, obj, object_name, clusters=clusters)
        after[object_name] = frame_kpis(mapped, obj, object_name, clusters=None if clusters is None else
                                        clusters[text_isin(clusters["_row_id"], mapped["_row_id"])])
    return {"before": before, "after": after}


def _clusters(ctx: "RunContext", object_name: str) -> "pd.DataFrame | None":
    """The dedupe stage's clusters of the object's rows (`_row_id`, `cluster_id`), if it deduplicated them:
    the duplicate rate before is that of the source rows, after that of the rows left to load."""
    path = ctx.path("dedupe", f"{object_name}_clusters.parquet")
    if not path.exists():
        return None
    import pandas as pd

    return pd.read_parquet(path, columns=["_row_id", "cluster_id"])


def verify(ctx: "RunContext") -> dict:
    from crmtool.validate.verify import failures_as_issues, verify_frames

    frames = {name: read_frame(ctx, "map", f"{name}.parquet") for name in ctx.objects()}
    referred = {t for name in frames for t in ctx.model[name].references.values()}
    known = {t: ctx.store_rows(t)[ctx.model[t].external_id].dropna().tolist() for t in referred}
    rule_files = [ctx.migration.resolve(p) for p in ctx.migration.verify.rules]
    result = verify_frames(frames, ctx.model, list(ctx.mappings.values()), rule_files, out_dir=ctx.path("verify"),
                           known_keys=known, fail_on=ctx.migration.verify.fail_on,
                           engines=ctx.migration.verify.engines, masked=not ctx.options.unmasked)
    add_issues(ctx, "verify", [failures_as_issues(result.failures)])
    return {**{k: v for k, v in result.summary().items() if k != "rows"}, "blocking": len(result.blocking())}


def check_gate(ctx: "RunContext") -> None:
    """Stop before the load while a blocking rule fails, unless the consultant accepted it with a reason.
    Judged from verify/results.json, so a resumed run (`--resume ID --accept-failures WHY`) needs no re-verify."""
    from crmtool.validate.verify import VerifyResult, gate

    try:
        fail_on = ctx.migration.verify.fail_on
        ctx.manifest["gate"] = gate(VerifyResult.from_dir(ctx.path("verify"), fail_on), ctx.options.accept_failures)
    except GateFailed:
        ctx.manifest["gate"] = {"passed": False, "accepted_failures": None}
        raise


def load(ctx: "RunContext") -> dict:
    from crmtool.load import load_object, open_target

    record = ctx.manifest["stages"]["load"]
    done = record.setdefault("objects", {})
    if ctx.store_absent():
        return _dry_run_into_nothing(ctx)
    with open_target(ctx.target_url, ctx.model, base=ctx.migration.base) as target:
        if not ctx.options.dry_run:
            target.ensure_schema(ctx.objects())
        for object_name in ctx.objects():
            if object_name in done:
                continue
            rows = read_frame(ctx, "map", f"{object_name}.parquet")
            done[object_name] = load_object(target, object_name, rows, ctx.run_id, ctx.run.path,
                                            dry_run=ctx.options.dry_run)
            ctx.save()
    ctx.manifest["load"] = dict(done)
    return dict(done)


def _dry_run_into_nothing(ctx: "RunContext") -> dict:
    """A dry run into a store that does not exist yet: every mapped row would be inserted."""
    counts = {name: {"inserted": len(read_frame(ctx, "map", f"{name}.parquet")), "updated": 0, "unchanged": 0}
              for name in ctx.objects()}
    ctx.manifest["load"] = counts
    return counts


def reconcile(ctx: "RunContext") -> None:
    """Every source row ends loaded, merged or rejected, exactly once; the counts must add up."""
    from crmtool.run.outcomes import outcomes

    frame, summary = outcomes(ctx)
    write_frame(ctx, frame, "outcomes.parquet")
    ctx.manifest["reconciliation"] = summary
    bad = [name for name, s in summary.items() if not s["ok"]]
    if bad:
        s = summary[bad[0]]
        raise GateFailed(f"reconciliation failed for {bad[0]}: {s['source_rows']:,} source rows ≠ {s['loaded']:,} "
                         f"loaded + {s['merged']:,} merged + {s['rejected']:,} rejected; see {ctx.path('outcomes.parquet')}")


def report(ctx: "RunContext") -> str | None:
    """The run's report.html; a report that cannot be written is a warning, never the loss of a run."""
    from crmtool.console import warn_line

    try:
        from crmtool.report import write_run_report

        return str(write_run_report(ctx.run.path, masked=not ctx.options.unmasked))
    except Exception as exc:  # noqa: BLE001 - the data is loaded; say what failed and go on
        warn_line(f"report.html could not be written: {exc}")
        return None

