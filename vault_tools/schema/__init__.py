"""The JSON Schemas of contact, interview and organization notes, and a vault's overrides.

The default schemas are JSON files beside this module. One keyword extends JSON
Schema: ``"x-link-type": "contact"`` says a value must be a wikilink to a note of
that type; the ``schema-fields`` rules check it against the vault.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

from vault_tools.config import DEFAULT_TYPES, Config, ConfigError, read_schema_file

__all__ = ["DEFAULT_TYPES", "LINK_TYPE_KEYWORD", "default_schema", "effective_schemas"]
LINK_TYPE_KEYWORD = "x-link-type"


def default_schema(type_name: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(f"{type_name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def effective_schemas(config: Config, vault_root: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every note type's schema for this vault: the defaults, replaced or extended by the config.

    Raises ConfigError when a schema file named in the config cannot be read.
    """
    schemas = {name: default_schema(name) for name in DEFAULT_TYPES}
    for type_name, override in config.schemas.items():
        replacement = read_schema_file(config, vault_root, type_name) if vault_root else None
        if replacement is not None:
            schema = replacement
        else:
            schema = copy.deepcopy(schemas.get(type_name, {"type": "object"}))
        if override.properties:
            schema.setdefault("properties", {}).update(copy.deepcopy(override.properties))
        if override.required:
            required = list(schema.get("required", []))
            schema["required"] = required + [r for r in override.required if r not in required]
        schemas[type_name] = schema
    for type_name, schema in schemas.items():
        _check_schema(config, type_name, schema)
    return schemas


def _check_schema(config: Config, type_name: str, schema: dict[str, Any]) -> None:
    """A schema that is not valid JSON Schema is a configuration error, named as such."""
    if type_name in DEFAULT_TYPES and type_name not in config.schemas:
        return  # the shipped schemas are checked by the test suite
    import jsonschema

    validator: Any = jsonschema.validators.validator_for(
        schema, default=jsonschema.Draft202012Validator
    )
    try:
        validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ConfigError(
            f"{config.path}: schema.{type_name}: not a valid JSON Schema at {where}: "
            f"{error.message}"
        ) from None
