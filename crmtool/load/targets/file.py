"""Import files for a SaaS CRM's import wizard: `file:///abs/dir?format=xlsx`, `file://./rel/dir?format=csv`.

One file per object (`accounts.xlsx`, `contacts.csv`, …) holding the object's current state: a header
row, then one row per record, every cell text. By default the header holds the model's labels
(客户名称, 统一社会信用代码, …), because the import wizards of the CRMs Chinese teams use (纷享销客,
销售易, 企业微信/钉钉 CRM, Salesforce in Chinese) offer templates with those labels and match columns by
them without manual mapping; `header=names` writes the API field names instead (for English-language
wizards and scripts). CSV is UTF-8 with a BOM so Excel opens Chinese text correctly; xlsx cells are
written as strings so no ID or phone number turns into a number.

The bookkeeping columns would be noise in a CRM import, so they live in a sidecar beside the files,
`<dir>/.crmtool/<object>.parquet` (external id, _crm_hash, _crm_run_id, _crm_loaded_at). Each write
rewrites the object's file atomically (crmtool.atomic): the old file or the new one, never half.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qsl

from crmtool.errors import ConfigError
from crmtool.load.targets.base import META_COLUMNS, Target
from crmtool.load.targets.failures import target_error
from crmtool.load.targets.frames import TEXT, empty_frame, store_columns, text_frame, text_isin, with_meta

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.model import ObjectDef

FORMATS = ("xlsx", "csv")
HEADERS = ("labels", "names")
XLSX_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header
SIDECAR = ".crmtool"


def parse_file_url(url: str) -> tuple[str, dict[str, str]]:
    """(folder path as written, query parameters). `file:///abs`, `file://./rel`, `file://../rel`, `file:rel`."""
    if not url.lower().startswith("file:"):
        raise ConfigError(f"{url}: a file target is file:///absolute/dir or file://./relative/dir")
    rest, _, query = url[len("file:"):].partition("?")
    if rest.startswith("//"):
        rest = rest[2:]
        if not rest.startswith(("/", "./", "../")) and rest not in (".", ".."):
            raise ConfigError(f"{url}: file URLs name a local folder: file:///absolute/dir or file://./relative/dir")
    if not rest:
        raise ConfigError(f"{url}: no folder after file://")
    return rest, dict(parse_qsl(query))


class FileTarget(Target):
    scheme: ClassVar[tuple[str, ...]] = ("file",)
    description: ClassVar[str] = "import files for a CRM's import wizard (one xlsx or csv per object)"
    can_rollback: ClassVar[bool] = True
    rollback_note: ClassVar[str] = ("restores the files as they were before the run; records a person already imported "
                                    "into a CRM from them must be removed in that CRM")

    def __init__(self, url, model):
        super().__init__(url, model)
        folder, params = parse_file_url(url)
        self.folder = Path(folder)
        self.format = params.get("format", "xlsx").lower()
        self.header = params.get("header", "labels").lower()
        if self.format not in FORMATS:
            raise ConfigError(f"{url}: format={self.format} is not one of {', '.join(FORMATS)}")
        if self.header not in HEADERS:
            raise ConfigError(f"{url}: header={self.header} is not one of {', '.join(HEADERS)}")

    @classmethod
    def absolute_url(cls, url: str, base: Path) -> str:
        folder, _ = parse_file_url(url)
        if Path(folder).is_absolute():
            return url
        query = url.partition("?")[2]
        return "file://" + str((base / folder).resolve()) + (f"?{query}" if query else "")

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise target_error(self.url, "cannot create the folder", exc) from None

    def close(self) -> None:
        pass

    def path(self, object_name: str) -> Path:
        return self.folder / f"{object_name}.{self.format}"

    def sidecar(self, object_name: str) -> Path:
        return self.folder / SIDECAR / f"{object_name}.parquet"

    def headers(self, obj: "ObjectDef") -> dict[str, str]:
        """{field: header text}: the label, unless it is missing or two fields share it."""
        if self.header == "names":
            return {name: name for name in obj.fields}
        labels = [f.label for f in obj.fields.values()]
        return {name: (f.label if f.label and labels.count(f.label) == 1 and f.label not in obj.fields else name)
                for name, f in obj.fields.items()}

    def ensure_schema(self, objects: list[str]) -> None:
        pass  # a file is written whole, with every field of the model, on each write

    def fetch(self, object_name: str, keys: list[str] | None = None) -> "pd.DataFrame":
        state = self._read(object_name)
        if keys is not None:
            state = state[text_isin(state[self.model[object_name].external_id], keys)]
        return state.reset_index(drop=True)

    def upsert(self, object_name: str, rows: "pd.DataFrame", run_id: str) -> None:
        import pandas as pd

        if rows.empty:
            return
        obj = self.model[object_name]
        key = obj.external_id
        current = self._read(object_name).set_index(key, drop=False)
        new = with_meta(rows, obj, run_id).set_index(key, drop=False)
        order = [*current.index, *new.index[~new.index.isin(current.index)]]
        state = pd.concat([current[~current.index.isin(new.index)], new]).reindex(order)
        self._write(object_name, state.reset_index(drop=True))

    def delete(self, object_name: str, keys: list[str]) -> None:
        if not keys:
            return
        current = self._read(object_name)
        self._write(object_name, current[~text_isin(current[self.model[object_name].external_id], keys)])

    def _read(self, object_name: str) -> "pd.DataFrame":
        """The object's current state: the import file's fields joined with the sidecar's bookkeeping."""
        import pandas as pd

        obj = self.model[object_name]
        columns, key = store_columns(obj), obj.external_id
        path = self.path(object_name)
        if not path.exists():
            return empty_frame(columns)
        try:
            table = _read_text_table(path)
        except Exception as exc:  # whatever a damaged or foreign file raises
            raise target_error(self.url, f"cannot read {path.name}", exc) from None
        by_header = {header: name for name, header in self.headers(obj).items()}
        table = table.rename(columns=lambda c: by_header.get(c, c))
        if key not in table.columns:
            raise target_error(self.url, f"cannot read {path.name}", f"no column {self.headers(obj)[key]!r} (the external id)")
        fields = text_frame(table, list(obj.fields))
        meta = pd.read_parquet(self.sidecar(object_name)).astype(TEXT) if self.sidecar(object_name).exists() else None
        if meta is not None:
            fields = fields.merge(meta.rename(columns={"external_id": key}), on=key, how="left")
        return text_frame(fields, columns)

    def _write(self, object_name: str, state: "pd.DataFrame") -> None:
        import pandas as pd

        from crmtool.tableio import write_table

        obj = self.model[object_name]
        if self.format == "xlsx" and len(state) > XLSX_MAX_ROWS:
            raise target_error(self.url, f"cannot write {object_name}",
                               f"{len(state):,} rows do not fit one worksheet; use ?format=csv")
        headers = self.headers(obj)
        visible = text_frame(state, list(obj.fields)).rename(columns=headers)
        meta = pd.DataFrame({"external_id": state[obj.external_id].to_numpy(),
                             **{c: state[c].to_numpy() for c in META_COLUMNS}}).astype(TEXT)
        try:
            write_table(visible, self.path(object_name), sheet_name=obj.label or object_name)
            write_table(meta, self.sidecar(object_name))
        except OSError as exc:
            raise target_error(self.url, f"cannot write {object_name}", exc) from None


def _read_text_table(path: Path) -> "pd.DataFrame":
    """Every cell as text, '' as <NA>; CSV formula neutralisation (a leading ') undone."""
    import pandas as pd

    from crmtool.tableio import neutralise_formulas

    if path.suffix == ".csv":
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        table = pd.read_excel(path, dtype=str, keep_default_na=False, engine="calamine")
    table = table.astype(TEXT)
    for column in table.columns if path.suffix == ".csv" else ():
        values = table[column]
        quoted = values.str.startswith("'").fillna(False)
        if quoted.any():
            rest = values.str.slice(1)
            written_so = (neutralise_formulas(rest) == values).fillna(False)
            table[column] = values.mask(quoted & written_so, rest)
    return table.mask(table == "", pd.NA)
