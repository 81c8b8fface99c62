"""Settings of the KPIs and of the health scan: thresholds, health weights, placeholders, anomaly rules.

Every default is written (with its reasoning) in docs/kpis.md; a YAML file given to `crmtool scan
--config` overrides any of them. Per-object and per-field overrides inherit what they do not set.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from crmtool.canon.blank import BLANK_CHARS
from crmtool.canon.placeholders import DEFAULT_PLACEHOLDERS
from crmtool.config.engine import EngineConfig

MIN_KPIS = ("completeness", "validity", "uniqueness", "consistency", "timeliness")
OBJECT_KPIS = ("completeness", "validity", "uniqueness", "duplicate_rate", "consistency", "timeliness", "health")
FIELD_KPIS = ("completeness", "validity", "uniqueness")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Thresholds(_Strict):
    """Pass marks. Shares are 0..1, health 0..100; null switches a check off."""

    completeness: float | None = Field(0.90, ge=0, le=1, description="at least; required fields and the object")
    validity: float | None = Field(0.95, ge=0, le=1, description="at least; every field with values, and the object")
    uniqueness: float | None = Field(0.99, ge=0, le=1, description="at least; unique fields and the object")
    duplicate_rate: float | None = Field(0.05, ge=0, le=1, description="at most")
    consistency: float | None = Field(0.98, ge=0, le=1, description="at least")
    timeliness: float | None = Field(None, ge=0, le=1, description="at least (off by default)")
    health: float | None = Field(80.0, ge=0, le=100, description="at least")


class ThresholdOverrides(_Strict):
    """Like Thresholds, with every key optional: what is not set is inherited."""

    completeness: float | None = Field(None, ge=0, le=1)
    validity: float | None = Field(None, ge=0, le=1)
    uniqueness: float | None = Field(None, ge=0, le=1)
    duplicate_rate: float | None = Field(None, ge=0, le=1)
    consistency: float | None = Field(None, ge=0, le=1)
    timeliness: float | None = Field(None, ge=0, le=1)
    health: float | None = Field(None, ge=0, le=100)


class FieldOverrides(_Strict):
    completeness: float | None = Field(None, ge=0, le=1)
    validity: float | None = Field(None, ge=0, le=1)
    uniqueness: float | None = Field(None, ge=0, le=1)


class Weights(_Strict):
    """Health weights: health = 100 × Σ weight × score / Σ weight over the KPIs an object has."""

    completeness: float = Field(0.25, ge=0)
    validity: float = Field(0.25, ge=0)
    uniqueness: float = Field(0.10, ge=0)
    duplicates: float = Field(0.15, ge=0, description="scored as 1 − duplicate_rate")
    consistency: float = Field(0.15, ge=0)
    timeliness: float = Field(0.10, ge=0)


class Timeliness(_Strict):
    days: int = Field(365, gt=0, description="a row is timely when updated within this many days")
    field: str = Field("updated_at", description="the field holding the last update; else _crm_loaded_at")


class Anomaly(_Strict):
    window: int = Field(14, ge=2, description="previous scans a KPI is compared with")
    min_points: int = Field(5, ge=2, description="no judgement before this many previous values")
    sigma: float = Field(3.0, gt=0)
    min_std: float = Field(0.002, ge=0, description="floor of the standard deviation, in share units "
                                                    "(×100 for health): a flat history still allows small noise")
    fields: bool = Field(True, description="judge field-level KPIs too, not only object-level ones")


class Duplicates(_Strict):
    objects: list[str] = Field(default_factory=lambda: ["accounts"],
                               description="objects whose fuzzy duplicate rate is measured (need a company_name field)")
    max_rows: int = Field(200_000, gt=0, description="above this, a stable sample of this many rows is deduplicated")
    new_limit: int = Field(100, ge=0, description="new duplicate pairs listed in a scan result")


class ObjectSettings(_Strict):
    thresholds: ThresholdOverrides = Field(default_factory=ThresholdOverrides)
    fields: dict[str, FieldOverrides] = Field(default_factory=dict)
    completeness_fields: list[str] | None = Field(None, description="fields whose completeness is judged and "
                                                  "makes the object's completeness (default: the required fields)")


class ScanConfig(_Strict):
    thresholds: Thresholds = Field(default_factory=Thresholds)
    weights: Weights = Field(default_factory=Weights)
    placeholders: list[str] = Field(default_factory=lambda: list(DEFAULT_PLACEHOLDERS),
                                    description="replaces the built-in list")
    extra_placeholders: list[str] = Field(default_factory=list, description="added to the list")
    timeliness: Timeliness = Field(default_factory=Timeliness)
    anomaly: Anomaly = Field(default_factory=Anomaly)
    duplicates: Duplicates = Field(default_factory=Duplicates)
    objects: dict[str, ObjectSettings] = Field(default_factory=dict)
    engine: EngineConfig = Field(default_factory=EngineConfig, description="where the KPI statement runs: the "
                                 "store itself (duckdb, the default) or Spark (docs/engines.md)")

    def placeholder_values(self) -> list[str]:
        """The placeholder list as compared: trimmed, lower case, no duplicates, no empty string."""
        seen: dict[str, None] = {}
        for value in [*self.placeholders, *self.extra_placeholders]:
            text = str(value).strip(BLANK_CHARS).lower()
            if text:
                seen.setdefault(text, None)
        return list(seen)

    def object_settings(self, name: str) -> ObjectSettings:
        return self.objects.get(name) or ObjectSettings()

    def thresholds_for(self, object_name: str) -> dict[str, float | None]:
        """The object's thresholds: the global ones with its overrides applied."""
        merged = self.thresholds.model_dump()
        override = self.object_settings(object_name).thresholds
        merged.update({k: getattr(override, k) for k in override.model_fields_set})
        return merged

    def field_threshold(self, object_name: str, field: str, kpi: str) -> tuple[float | None, bool]:
        """(threshold, explicitly set for this field) for one field KPI."""
        override = self.object_settings(object_name).fields.get(field)
        if override is not None and kpi in override.model_fields_set:
            return getattr(override, kpi), True
        return self.thresholds_for(object_name)[kpi], False

    def completeness_fields(self, object_name: str, object_def) -> list[str]:
        chosen = self.object_settings(object_name).completeness_fields
        return list(chosen) if chosen is not None else object_def.required_fields


def load_scan_config(path: str | Path | None) -> ScanConfig:
    """The scan settings of a YAML file (errors name file, line and key), or the defaults for None."""
    if path is None:
        return ScanConfig()
    from crmtool.config.files import load_model_file

    return load_model_file(ScanConfig, path)


def check_config_objects(config: ScanConfig, model, where: str = "scan config") -> None:
    """Objects and fields named in the settings must exist in the model (a typo would silently do nothing)."""
    from crmtool.errors import ConfigError

    for name, settings in config.objects.items():
        if name not in model:
            raise ConfigError(f"{where}: objects.{name}: no such object (objects: {', '.join(model.names())})")
        fields = model[name].fields
        for field in [*settings.fields, *(settings.completeness_fields or [])]:
            if field not in fields:
                raise ConfigError(f"{where}: objects.{name}: no field {field!r} in {name}")
    for name in config.duplicates.objects:
        if name not in model:
            raise ConfigError(f"{where}: duplicates.objects: no such object {name!r}")
