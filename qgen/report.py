"""The one JSON form of a command's result: what ``qgen COMMAND --json`` prints and a
run's ``summary.json`` holds, for every command.

Every object has ``schema`` (:data:`SCHEMA`), ``command`` and ``qgen_version``. A
quantity known only to within an uncertainty is an object ``{"value": v, "error": σ}``
(σ one standard error; null where none is defined); a bare number is exact (to the
solver's tolerance) or a setting. Units, where a quantity has them, are in ``units``
(``{"energy": "J"}``). The schema is ``qgen/schema/result.schema.json`` (JSON Schema
2020-12), described in ``docs/json.md``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from qgen._version import __version__

__all__ = ["SCHEMA", "fold_errors", "json_report", "result_schema"]

SCHEMA = "qgen.result/1"
"""The name and version of the result schema; a change that removes or renames a field
raises the number."""

_ERROR_SUFFIX = "_error"


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def fold_errors(value: Any) -> Any:
    """``value`` with every pair of keys ``k`` and ``k_error`` (numbers) folded into
    ``k: {"value": …, "error": …}``, in nested objects too.

    >>> fold_errors({"energy": -4.5, "energy_error": 0.01, "n_sites": 10})
    {'energy': {'value': -4.5, 'error': 0.01}, 'n_sites': 10}
    """
    if isinstance(value, list | tuple):
        return [fold_errors(item) for item in value]
    if not isinstance(value, dict):
        return value
    folded: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):  # integer keys (the Rényi curve's ℓ) pair with none
            folded[key] = fold_errors(item)
            continue
        if key.endswith(_ERROR_SUFFIX) and key.removesuffix(_ERROR_SUFFIX) in value:
            base = value[key.removesuffix(_ERROR_SUFFIX)]
            if _is_number(base) and _is_number(item):
                continue  # folded into its quantity below
        error_key = key + _ERROR_SUFFIX
        if error_key in value and _is_number(item) and _is_number(value[error_key]):
            # no value (no target to compare with): null, not an object of nulls
            folded[key] = None if item is None else {"value": item, "error": value[error_key]}
        else:
            folded[key] = fold_errors(item)
    return folded


def json_report(result: dict[str, Any]) -> dict[str, Any]:
    """The result of a command (its ``command`` key names it) in the result schema."""
    if "command" not in result:
        raise ValueError("a command's result names its command")
    return {"schema": SCHEMA, "qgen_version": __version__, **fold_errors(result)}


@cache
def result_schema() -> dict[str, Any]:
    """The JSON Schema of :func:`json_report`'s objects."""
    text = (files("qgen") / "schema" / "result.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
