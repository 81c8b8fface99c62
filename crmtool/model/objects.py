"""The CRM object model: objects, their fields, types, required fields, picklists, keys, relationships.

The built-in model (accounts, contacts, leads, opportunities) lives in objects.yaml beside this
module. A custom model file has the same shape: it adds objects and adds fields to existing objects,
as CRM platforms allow; it may not change a built-in field (a type change would break mappings and
stores made with the built-in model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FieldType = Literal["string", "text", "integer", "decimal", "boolean", "date", "datetime", "email", "phone",
                    "mobile", "url", "picklist", "reference", "company_name", "credit_code", "person_name",
                    "address", "id_number"]

# The cleanse rule (crmtool.cleanse.stage.rule_for kind) that validates and normalises each type.
CLEANSE_KIND: dict[str, str] = {
    "company_name": "company_name", "credit_code": "credit_code", "phone": "phone", "mobile": "mobile",
    "email": "email", "person_name": "person_name", "address": "address", "id_number": "id_number",
    "date": "date", "datetime": "date", "decimal": "amount",
}

# Column types in SQL stores (DuckDB and PostgreSQL both accept these names).
SQL_TYPE: dict[str, str] = {
    "integer": "BIGINT", "decimal": "DECIMAL(18,2)", "boolean": "BOOLEAN", "date": "DATE", "datetime": "TIMESTAMP",
}


class FieldDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: FieldType = "string"
    label: str | None = None
    required: bool = False
    unique: bool = False
    max_length: int | None = Field(None, gt=0)
    pattern: str | None = Field(None, description="A regular expression every non-empty value must match in full.")
    min: float | None = None
    max: float | None = None
    values: list[str] | None = Field(None, description="The picklist's allowed values.")
    to: str | None = Field(None, description="For type reference: the object referred to (by its external id).")

    @model_validator(mode="after")
    def _consistent(self) -> "FieldDef":
        if self.type == "picklist" and not self.values:
            raise ValueError("a picklist needs values: [...]")
        if self.type == "reference" and not self.to:
            raise ValueError("a reference needs to: OBJECT")
        if self.type != "reference" and self.to:
            raise ValueError("to: is only for type reference")
        if self.pattern is not None:
            import re

            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        return self

    @property
    def sql_type(self) -> str:
        return SQL_TYPE.get(self.type, "VARCHAR")

    @property
    def cleanse_kind(self) -> str | None:
        return CLEANSE_KIND.get(self.type)


class ObjectDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = None
    external_id: str | None = Field(None, description="The field that identifies a record across systems and runs.")
    fields: dict[str, FieldDef] = Field(default_factory=dict)

    def field(self, name: str) -> FieldDef:
        return self.fields[name]

    @property
    def references(self) -> dict[str, str]:
        """{field: referenced object} for the object's reference fields."""
        return {name: f.to for name, f in self.fields.items() if f.type == "reference" and f.to}

    @property
    def required_fields(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.required]

    @property
    def unique_fields(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.unique]


class ModelFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objects: dict[str, ObjectDef]


class ObjectModel:
    """The objects a CRM store holds: the built-in ones plus any custom model files."""

    def __init__(self, objects: dict[str, ObjectDef]):
        self.objects = objects

    def __contains__(self, name: str) -> bool:
        return name in self.objects

    def __getitem__(self, name: str) -> ObjectDef:
        return self.objects[name]

    def names(self) -> list[str]:
        return list(self.objects)

    def load_order(self) -> list[str]:
        """Objects ordered so that every referenced object comes before the objects referring to it."""
        order: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in order or name in visiting:
                return
            visiting.add(name)
            for target in self.objects[name].references.values():
                if target in self.objects and target != name:
                    visit(target)
            visiting.discard(name)
            order.append(name)

        for name in self.objects:
            visit(name)
        return order


BUILTIN = Path(__file__).with_name("objects.yaml")
RESERVED_PREFIX = "_crm_"  # crmtool's own tables in a store: no object may be loaded, scanned or rolled back as one


def load_object_model(*custom: str | Path) -> ObjectModel:
    """The built-in model extended by each custom model file, in order."""
    from crmtool.config.files import ConfigFileError, Finding, load_model_file

    objects = {name: obj.model_copy(deep=True) for name, obj in load_model_file(ModelFile, BUILTIN).objects.items()}
    for path in custom:
        extra = load_model_file(ModelFile, path)
        for name, obj in extra.objects.items():
            if name not in objects:
                objects[name] = obj
                continue
            clash = [f for f in obj.fields if f in objects[name].fields]
            if clash:
                raise ConfigFileError([Finding(str(path), 0, f"objects.{name}.fields.{clash[0]}",
                                               "is a built-in field and cannot be redefined; give the custom field "
                                               "another name (e.g. with a __c suffix)")])
            objects[name].fields.update(obj.fields)
            if obj.label:
                objects[name].label = obj.label
    model = ObjectModel(objects)
    _check_model(model, custom)
    return model


def _check_model(model: ObjectModel, files: tuple) -> None:
    from crmtool.config.files import ConfigFileError, Finding

    where = str(files[-1]) if files else str(BUILTIN)
    for name, obj in model.objects.items():
        if name.lower().startswith(RESERVED_PREFIX):
            raise ConfigFileError([Finding(where, 0, f"objects.{name}", f"names starting with {RESERVED_PREFIX} are "
                                           "crmtool's own tables in a store (_crm_audit, _crm_scan_history); "
                                           "give the object another name")])
        if not obj.external_id:
            raise ConfigFileError([Finding(where, 0, f"objects.{name}.external_id", "required: the field that "
                                           "identifies a record (upserts and rollback key on it)")])
        if obj.external_id not in obj.fields:
            raise ConfigFileError([Finding(where, 0, f"objects.{name}.external_id",
                                           f"{obj.external_id!r} is not one of its fields")])
        for field, target in obj.references.items():
            if target not in model.objects:
                raise ConfigFileError([Finding(where, 0, f"objects.{name}.fields.{field}.to",
                                               f"no object {target!r} (objects: {', '.join(model.objects)})")])
