"""Configuration files (floor 1): the migration file, mapping files, verify rule files, dedupe rules
files, scan settings.

Each file kind is a pydantic model with an exported JSON Schema; `files` reads YAML safely with the
line of every key, so that an error names the file, the line, the field and a hint. Nothing here
imports a stage or the object model.
"""
