r"""Files of mixed-state tomography: POVM outcome archives, target density matrices, and
the readers that turn any measurement file into :class:`~qgen.tomography.povm_data.POVMData`.

``.npz`` outcome archive
    arrays ``outcomes`` (integers in ``0 … K-1``), ``povm`` (its name, a 0-d string) and
    optionally ``rho`` (the measured density matrix), written by :func:`save_povm_dataset`.
Pauli-basis records
    every reader of :mod:`qgen.tomography.files` (``.npz``, QuCumber text, data set
    directories) and device counts (:mod:`qgen.tomography.counts`): Pauli-6 outcomes.
Target density matrices
    ``.npy`` (complex, ``2^N × 2^N``, site 0 the most significant qubit; read without
    pickles), or QuCumber's text pair of real and imaginary parts.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgen.errors import DataError
from qgen.exact.density import check_density_matrix
from qgen.exact.povm import POVMS
from qgen.runs import atomic_write_bytes, atomic_write_text, to_json
from qgen.tomography.counts import load_counts
from qgen.tomography.files import (
    DATASET_FILE,
    _inside,
    _load_dataset,
    check_described_size,
    load_density_matrix,
    load_measurements,
    read_dataset_description,
    read_npz,
    refuse_existing_dataset,
    save_dataset,
)
from qgen.tomography.povm_data import POVMData

__all__ = [
    "MIXED_FORMATS",
    "load_povm_data",
    "load_target_rho",
    "save_density_matrix",
    "save_povm_dataset",
    "save_setting_dataset",
]

MIXED_FORMATS = ("auto", "npz", "qucumber", "counts")
"""Formats of :func:`load_povm_data` (``auto``: by suffix, ``.json``/``.csv`` are counts)."""

_OUTCOMES_FILE = "outcomes.npz"
_RHO_FILE = "rho.npy"


def _read_npy(path: Path, what: str) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"{what} file {path} does not exist") from None
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable .npy array without pickles ({error})") from None


def load_target_rho(
    path: str | Path, imag: str | Path | None = None, n_sites: int | None = None
) -> np.ndarray:
    """A target density matrix: an ``.npy`` array, or QuCumber's text files (``path`` the
    real part, ``imag`` the imaginary part).

    Raises:
        DataError: an unreadable file, or a matrix that is not ``2^N × 2^N`` (``N =
            n_sites`` when given), Hermitian, of unit trace and positive semi-definite to
            :data:`~qgen.exact.density.RHO_TOLERANCE`; the file is named.
    """
    path = Path(path)
    if path.suffix == ".npy":
        if imag is not None:
            raise DataError(f"{path}: an .npy matrix holds its imaginary part; got a file for it")
        return check_density_matrix(_read_npy(path, "target rho"), n_sites, str(path))
    rho = load_density_matrix(path, imag)
    return check_density_matrix(rho, n_sites, str(path))


def _npy_bytes(rho: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(rho, dtype=np.complex128), allow_pickle=False)
    return buffer.getvalue()


def save_density_matrix(rho: np.ndarray, path: str | Path) -> Path:
    """Write ``rho`` as a complex128 ``.npy`` file, atomically."""
    atomic_write_bytes(path, _npy_bytes(rho))
    return Path(path)


def _load_outcome_archive(path: Path) -> POVMData:
    return _outcome_data(read_npz(path, ("outcomes", "povm"), ("rho",)), path)


def _outcome_data(arrays: dict[str, np.ndarray], path: Path) -> POVMData:
    """The POVM data of an outcome archive's arrays (``outcomes``, ``povm``, ``rho``)."""
    if "outcomes" not in arrays:
        raise DataError(f"{path}: expected arrays 'outcomes' and 'povm', found {sorted(arrays)}")
    outcomes = arrays["outcomes"]
    if outcomes.dtype.kind not in "iu" or outcomes.ndim != 2:
        raise DataError(
            f"{path}: expected integer outcomes (n_samples, n_sites), got {outcomes.dtype} "
            f"of shape {outcomes.shape}"
        )
    povm = str(arrays["povm"])
    rho = arrays.get("rho")
    try:
        return POVMData(torch.from_numpy(outcomes.astype(np.int64)), povm, rho)
    except DataError as error:
        raise DataError(f"{path}: {error}") from None


def _load_directory(directory: Path) -> POVMData:
    path = directory / DATASET_FILE
    description = read_dataset_description(directory)
    files = description["files"]
    rho = None
    if "rho" in files:
        imag = _inside(directory, files["rho_imag"], path) if "rho_imag" in files else None
        rho = load_target_rho(_inside(directory, files["rho"], path), imag)
    if description.get("kind") == "povm":
        archive = _inside(directory, files.get("outcomes"), path)
        data = _load_outcome_archive(archive)
        if rho is not None:
            data = POVMData(data.outcomes, data.povm, rho)
        check_described_size(description, path, archive, data.n_samples, data.n_sites)
        return data
    return POVMData.from_measurements(_load_dataset(directory), rho)  # checks its sizes


def load_povm_data(
    path: str | Path,
    *,
    bases: str | Path | None = None,
    format: str = "auto",
    povm: str | None = None,
    bit_order: str | None = None,
    target_rho: str | Path | np.ndarray | None = None,
    target_rho_imag: str | Path | None = None,
) -> POVMData:
    """Product-POVM outcomes from any measurement file.

    Args:
        path: a data set directory, an outcome archive, Pauli-basis records (``.npz`` or
            QuCumber text with ``bases``), or device counts (``.json``/``.csv``).
        format: ``auto`` (by suffix), ``npz``, ``qucumber`` or ``counts``.
        povm: the POVM the data must be of (None: whichever they are); Pauli-basis
            records are Pauli-6.
        bit_order: counts only (see :func:`~qgen.tomography.counts.load_counts`).
        target_rho: the measured state, when known: a file (:func:`load_target_rho`) or a
            matrix; it replaces none that the data carry.

    Raises:
        DataError: unreadable data or target (file and line named), data of another POVM
            than ``povm``, a target of another number of qubits, or two targets.
    """
    if format not in MIXED_FORMATS:
        raise DataError(f"format: expected one of {', '.join(MIXED_FORMATS)}, got {format!r}")
    if povm is not None and povm not in POVMS:
        raise DataError(f"povm: expected one of {', '.join(POVMS)}, got {povm!r}")
    path = Path(path)
    kind = format
    if kind == "auto":
        suffix = path.suffix.lower()
        kind = "counts" if suffix in (".json", ".csv") else "npz" if suffix == ".npz" else "text"
    if bit_order is not None and kind != "counts":
        raise DataError(f"{path}: a bit order applies to counts files, not {kind} data")
    if (bases is not None and kind in ("counts", "npz")) or (path.is_dir() and bases is not None):
        raise DataError(f"{path}: these data hold their own settings; got a bases file too")
    if path.is_dir():
        data = _load_directory(path)
    elif kind == "counts":
        data = POVMData.from_measurements(load_counts(path, bit_order).data)
    elif kind == "npz" and "povm" in (arrays := read_npz(path)):
        data = _outcome_data(arrays, path)
    else:
        fmt = "npz" if kind == "npz" else "qucumber"
        data = POVMData.from_measurements(load_measurements(path, bases=bases, format=fmt))
    if povm is not None and data.povm != povm:
        what = "Pauli-basis records are Pauli-6 outcomes" if data.povm == "pauli6" else ""
        raise DataError(
            f"{path}: expected {povm} outcomes, got {data.povm} outcomes"
            + (f" ({what})" if what else "")
        )
    if target_rho is not None:
        if data.rho is not None:
            raise DataError(f"{path}: the data carry their density matrix; got a target too")
        if isinstance(target_rho, str | Path):
            rho = load_target_rho(target_rho, target_rho_imag, data.n_sites)
        else:
            rho = check_density_matrix(target_rho, data.n_sites, "target rho")
        data = POVMData(data.outcomes, data.povm, rho)
    return data


def save_povm_dataset(
    data: POVMData, directory: str | Path, info: dict[str, Any] | None = None
) -> dict[str, Path]:
    """A data set directory of POVM outcomes: ``outcomes.npz`` (``outcomes``, ``povm``),
    ``rho.npy`` (when known) and, last, ``dataset.json``; refuses to overwrite a data set."""
    directory = Path(directory)
    refuse_existing_dataset(directory)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, outcomes=data.outcomes.numpy().astype(np.int8), povm=np.array(data.povm)
    )
    atomic_write_bytes(directory / _OUTCOMES_FILE, buffer.getvalue())
    files = {"outcomes": _OUTCOMES_FILE}
    if data.rho is not None:
        save_density_matrix(data.rho, directory / _RHO_FILE)
        files["rho"] = _RHO_FILE
    description = {
        "kind": "povm",
        "povm": data.povm,
        "n_samples": data.n_samples,
        "n_sites": data.n_sites,
        "files": files,
        **(info or {}),
    }
    atomic_write_text(directory / DATASET_FILE, to_json(description, indent=2) + "\n")
    return {**{k: directory / v for k, v in files.items()}, "dataset": directory / DATASET_FILE}


def save_setting_dataset(
    data: POVMData,
    directory: str | Path,
    format: str = "npz",
    bases: list[str] | None = None,
    info: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Pauli-6 outcomes as a Pauli-basis data set directory (:func:`save_dataset`'s
    files), with the density matrix in ``rho.npy``, named by ``dataset.json``."""
    extra = {} if data.rho is None else {"rho": (_RHO_FILE, _npy_bytes(data.rho))}
    return save_dataset(data.to_measurements(), directory, format, bases, info, extra)
