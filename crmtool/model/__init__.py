"""The CRM object model (floor 1): objects, fields, types, required fields, picklists, keys, relationships.

Every stage imports it; it imports no stage. The built-in objects are in objects.yaml; custom objects
and fields come from YAML files of the same shape (crmtool.model.objects).
"""

from crmtool.model.objects import FieldDef, FieldType, ObjectDef, ObjectModel, load_object_model

__all__ = ["FieldDef", "FieldType", "ObjectDef", "ObjectModel", "load_object_model"]
