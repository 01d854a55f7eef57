r"""Counts a quantum device returns: bitstring counts per Pauli measurement setting.

A device (or Qiskit's ``result.get_counts()``, one circuit per setting) reports, for each
setting of one Pauli letter per qubit, how often each bitstring came out. Two files are
read:

JSON
    ``{"bit_order": "little", "counts": {"XZY": {"010": 12, "111": 88}, ...}}``; the
    ``"counts"`` object may also be the whole file, and ``"bit_order"`` may be left out.
CSV
    a header ``setting,bitstring,count`` and one row per (setting, bitstring), e.g.
    ``XZY,010,12``.

**Bit order.** ``"little"`` is Qiskit's: the *rightmost* character of a bitstring is qubit
0, and so is the rightmost letter of a setting (Qiskit's Pauli labels read the same way).
``"big"``: the leftmost is qubit 0, the order of every other file in qgen. Bit ``0`` is
the +1 eigenvalue of the measured Pauli, ``1`` the −1 eigenvalue. The order stated in the
file and the one asked for must agree; with neither, Qiskit's little-endian order is
assumed, and the reader says so in its :attr:`CountsFile.bit_order_source`.

The counts become a :class:`~qgen.tomography.measurements.MeasurementData` of one row per
shot (qubit 0 the first column), so that the setting-resolved estimators and the outcome
models read device data as they read every other record.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgen.errors import DataError
from qgen.tomography.files import read_text
from qgen.tomography.measurements import MeasurementData

__all__ = ["BIT_ORDERS", "CountsFile", "load_counts", "save_counts"]

BIT_ORDERS = ("little", "big")
"""``little``: the rightmost character is qubit 0 (Qiskit); ``big``: the leftmost."""

_MAX_SHOTS = 10**9


@dataclass(frozen=True)
class CountsFile:
    """The measurements of a counts file and how its strings were read.

    Attributes:
        data: one row per shot, qubit 0 first.
        bit_order: the order the strings were read in.
        bit_order_source: where that order came from (``"the file"``, ``"asked"``, or
            ``"assumed (Qiskit)"``).
        settings: the number of settings.
    """

    data: MeasurementData
    bit_order: str
    bit_order_source: str
    settings: int


def _check_order(order: object, where: str) -> str:
    if order not in BIT_ORDERS:
        raise DataError(f"{where}: expected bit_order 'little' or 'big', got {order!r}")
    return str(order)


def _read_json(path: Path, text: str) -> tuple[list[tuple[str, str, Any, str]], str | None]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(f"{path}, line {error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(document, dict):
        raise DataError(
            f"{path}: expected a JSON object of settings, got {type(document).__name__}"
        )
    stated = None
    if "counts" in document:
        extra = sorted(set(document) - {"counts", "bit_order"})
        if extra:
            raise DataError(f"{path}: expected the keys 'counts' and 'bit_order', got also {extra}")
        if "bit_order" in document:
            stated = _check_order(document["bit_order"], str(path))
        document = document["counts"]
        if not isinstance(document, dict):
            raise DataError(f"{path}: expected 'counts' to be an object of settings")
    rows = []
    for setting, counts in document.items():
        if not isinstance(counts, dict):
            raise DataError(
                f"{path}, setting {setting!r}: expected an object of bitstring counts, got "
                f"{counts!r:.60}"
            )
        for bitstring, count in counts.items():
            rows.append((setting, bitstring, count, f"{path}, setting {setting!r}"))
    return rows, stated


def _read_csv(path: Path, text: str) -> list[tuple[str, str, Any, str]]:
    lines = text.splitlines()
    reader = csv.reader(lines)
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header != ["setting", "bitstring", "count"]:
        raise DataError(
            f"{path}, line 1: expected the header 'setting,bitstring,count', got {lines[0]!r:.80}"
        )
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not cells or not "".join(cells).strip():
            continue
        if len(cells) != 3:
            raise DataError(
                f"{path}, line {number}: expected 3 columns (setting,bitstring,count), got "
                f"{len(cells)}"
            )
        setting, bitstring, count = (cell.strip() for cell in cells)
        rows.append((setting, bitstring, count, f"{path}, line {number}"))
    return rows


def _count(value: Any, where: str) -> int:
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise DataError(f"{where}: expected a whole count, got {value!r:.40}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_SHOTS:
        raise DataError(f"{where}: expected a count in [0, {_MAX_SHOTS:g}], got {value!r:.40}")
    return value


def load_counts(
    path: str | Path, bit_order: str | None = None, n_sites: int | None = None
) -> CountsFile:
    """Read a JSON or CSV counts file (see the module) as one measurement per shot.

    Args:
        path: ``.json`` or ``.csv`` (by suffix; anything else is tried as JSON).
        bit_order: ``"little"`` or ``"big"``; None takes the file's statement, or
            Qiskit's little-endian order when the file states none.
        n_sites: the expected number of qubits, when known.

    Raises:
        DataError: an unreadable file, a setting with letters other than X/Y/Z, a
            bitstring of another length than its setting or with characters other than
            0/1, a negative or fractional count, no shots, or a bit order in the file
            other than the one asked for; the file and the line (CSV) or setting (JSON)
            are named.
    """
    path = Path(path)
    text = read_text(path, "counts")
    if not text.strip():
        raise DataError(f"counts file {path} is empty")
    stated = None
    if path.suffix.lower() == ".csv":
        rows = _read_csv(path, text)
    else:
        rows, stated = _read_json(path, text)
    if bit_order is not None:
        _check_order(bit_order, "bit order")
        if stated is not None and stated != bit_order:
            raise DataError(f"{path} states bit_order {stated!r}, but {bit_order!r} was asked for")
        order, source = bit_order, "asked"
    elif stated is not None:
        order, source = stated, "the file"
    else:
        order, source = "little", "assumed (Qiskit)"
    settings: list[str] = []
    bits: list[str] = []
    shots: list[int] = []
    for setting, bitstring, value, where in rows:
        if not isinstance(setting, str) or not setting or set(setting) - set("XYZ"):
            raise DataError(f"{where}: expected a setting of letters X, Y, Z, got {setting!r:.40}")
        expected = n_sites if n_sites is not None else len(settings[0]) if settings else None
        if expected is not None and len(setting) != expected:
            raise DataError(
                f"{where}: expected a setting of {expected} qubits, got {setting!r} "
                f"({len(setting)})"
            )
        if not isinstance(bitstring, str) or set(bitstring) - set("01") or not bitstring:
            raise DataError(f"{where}: expected a bitstring of 0 and 1, got {bitstring!r:.40}")
        if len(bitstring) != len(setting):
            raise DataError(
                f"{where}: expected a bitstring of {len(setting)} bits (one per letter of "
                f"{setting!r}), got {bitstring!r} ({len(bitstring)})"
            )
        settings.append(setting)
        bits.append(bitstring)
        shots.append(_count(value, where))
    total = sum(shots)
    if total == 0:
        raise DataError(f"{path}: expected some shots, got no counts")
    if total > _MAX_SHOTS:
        raise DataError(f"{path}: expected at most {_MAX_SHOTS:g} shots in all, got {total}")
    step = -1 if order == "little" else 1
    letters = np.array([list(s[::step]) for s in settings], dtype="<U1")
    outcomes = np.array([[int(b) for b in s[::step]] for s in bits], dtype=np.int64)
    repeats = np.array(shots)
    data = MeasurementData(
        torch.from_numpy(np.repeat(outcomes, repeats, axis=0)), np.repeat(letters, repeats, axis=0)
    )
    return CountsFile(data, order, source, len(set(settings)))


def save_counts(data: MeasurementData, path: str | Path, bit_order: str = "little") -> Path:
    """Write the measurements as a JSON counts file (the file states its bit order)."""
    from qgen.runs import atomic_write_text, to_json

    order = _check_order(bit_order, "bit order")
    step = -1 if order == "little" else 1
    counts: dict[str, dict[str, int]] = {}
    for letters, outcomes in zip(data.bases, data.outcomes.tolist(), strict=True):
        setting = "".join(letters)[::step]
        bitstring = "".join(str(b) for b in outcomes)[::step]
        per_setting = counts.setdefault(setting, {})
        per_setting[bitstring] = per_setting.get(bitstring, 0) + 1
    path = Path(path)
    atomic_write_text(path, to_json({"bit_order": order, "counts": counts}, indent=1) + "\n")
    return path
