r"""Files of measurement data: QuCumber's text format, ``.npz`` archives, and the data set
directories of ``qgen data``.

``.npz``
    arrays ``outcomes`` (integers), ``bases`` (one-letter strings) and optionally ``psi``
    (complex), written by :func:`save_measurements`.
QuCumber's text format (Beach et al., SciPost Phys. 7, 009 (2019))
    a samples file with one measurement per line, outcomes separated by spaces
    (``"1 0 1 1 "``; trailing spaces are fine); a bases file with the letters of each
    measurement on the matching line (``"X Z Y Z"`` or ``"XZYZ"``); a psi file with one
    amplitude ``"Re Im"`` per line, in basis-index order (site 0 most significant).
A data set directory
    the measurements in either format, ``psi.txt``, ``bases.txt`` and ``dataset.json``
    (written last), which names the files; they must lie inside the directory.

Every file is checked whole before it is used: a malformed line raises a
:class:`~qgen.errors.DataError` naming the file and the line, so that a model is never
trained on truncated or misread data.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgen.errors import DataError
from qgen.exact.density import check_density_matrix
from qgen.runs import atomic_write_bytes, atomic_write_text, to_json
from qgen.tomography.measurements import _LETTERS, PSI_TOLERANCE, MeasurementData, _check_psi

__all__ = [
    "DATASET_FILE",
    "FORMATS",
    "load_density_matrix",
    "load_measurements",
    "load_psi",
    "refuse_existing_dataset",
    "save_dataset",
    "save_measurements",
    "save_psi",
]

FORMATS = ("auto", "npz", "qucumber")
"""File formats of :func:`load_measurements` (``"auto"``: ``.npz`` by suffix, else text)."""


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of a file (a byte-order mark dropped), or one :class:`DataError`
    naming the ``what`` file and why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{what} file {path} does not exist") from None
    except IsADirectoryError:
        raise DataError(f"{what} file {path} is a directory, expected a text file") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{what} file {path} is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise DataError(f"cannot read {what} file {path}: {error}") from None


def _read_lines(path: Path, what: str) -> list[str]:
    """The lines of a text file, trailing blank lines dropped; refuses empty or blank lines."""
    lines = read_text(path, what).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataError(f"{what} file {path} is empty, expected one {what} per line")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise DataError(f"{path}, line {number}: empty line, expected one {what} per line")
    return lines


def _read_outcomes(path: Path) -> np.ndarray:
    """Outcome rows of a QuCumber samples file as an int64 array ``(n_samples, N)``."""
    lines = _read_lines(path, "sample")
    rows = [line.split() for line in lines]
    n_sites = len(rows[0])
    for number, row in enumerate(rows, start=1):
        if len(row) != n_sites:
            raise DataError(
                f"{path}, line {number}: expected {n_sites} outcomes (as on line 1), "
                f"got {len(row)}: {lines[number - 1].strip()!r:.80}"
            )
    tokens = np.array(rows, dtype=str).reshape(len(rows), n_sites)
    ones = tokens == "1"
    wrong = ~(ones | (tokens == "0"))
    if wrong.any():
        line, site = (int(i) for i in np.argwhere(wrong)[0])
        raise DataError(
            f"{path}, line {line + 1}: expected outcomes 0 or 1, got {str(tokens[line, site])!r} "
            f"at site {site}"
        )
    return ones.astype(np.int64)


def _letters_of(line: str) -> list[str]:
    """``"X Z Y"`` or ``"XZY"`` → ``["X", "Z", "Y"]``."""
    tokens = line.split()
    return list(tokens[0]) if len(tokens) == 1 else tokens


def _read_letter_rows(path: Path, n_sites: int | None, what: str) -> np.ndarray:
    """Rows of basis letters (``"X Z Y"`` or ``"XZY"``), checked, as ``'<U1'`` ``(rows, N)``."""
    lines = _read_lines(path, what)
    rows = [_letters_of(line) for line in lines]
    expected = len(rows[0]) if n_sites is None else n_sites
    for number, row in enumerate(rows, start=1):
        if len(row) != expected:
            reference = "as on line 1" if n_sites is None else "one per site"
            raise DataError(
                f"{path}, line {number}: expected {expected} basis letters ({reference}), "
                f"got {len(row)}: {lines[number - 1].strip()!r:.80}"
            )
        for site, letter in enumerate(row):
            if letter not in _LETTERS:
                raise DataError(
                    f"{path}, line {number}: expected basis letters X, Y or Z, got "
                    f"{letter!r} at site {site}"
                )
    return np.array(rows, dtype="<U1").reshape(len(rows), expected)


def load_psi(path: str | Path, n_sites: int | None = None) -> np.ndarray:
    """A state vector from a QuCumber psi file: ``"Re Im"`` per line, basis-index order.

    Args:
        path: the file.
        n_sites: the number of sites the state must have (``2^N`` lines); by default any
            power of two.

    Returns:
        A read-only complex128 vector.

    Raises:
        DataError: a missing or empty file, a line that is not two finite numbers (file
            and line named), a length other than ``2^N``, or a state whose norm differs
            from 1 by more than :data:`PSI_TOLERANCE`.
    """
    path = Path(path)
    lines = _read_lines(path, "amplitude")
    values = np.empty((len(lines), 2))
    for number, line in enumerate(lines, start=1):
        tokens = line.split()
        if len(tokens) != 2:
            raise DataError(
                f"{path}, line {number}: expected two numbers 'Re Im', got {len(tokens)}: "
                f"{line.strip()!r:.80}"
            )
        try:
            values[number - 1] = [float(t) for t in tokens]
        except ValueError:
            raise DataError(
                f"{path}, line {number}: expected two numbers 'Re Im', got {line.strip()!r:.80}"
            ) from None
        if not np.isfinite(values[number - 1]).all():
            raise DataError(f"{path}, line {number}: expected finite numbers, got {line!r:.80}")
    return _check_psi(values[:, 0] + 1j * values[:, 1], n_sites, str(path))


def _read_matrix(path: Path, what: str) -> np.ndarray:
    """A square matrix of real numbers, one row per line."""
    lines = _read_lines(path, "matrix row")
    size = len(lines)
    values = np.empty((size, size))
    for number, line in enumerate(lines, start=1):
        tokens = line.split()
        if len(tokens) != size:
            raise DataError(
                f"{path}, line {number}: expected {size} numbers (a square {what} matrix of "
                f"{size} rows), got {len(tokens)}"
            )
        try:
            values[number - 1] = [float(t) for t in tokens]
        except ValueError:
            raise DataError(f"{path}, line {number}: expected numbers, got {line!r:.80}") from None
        if not np.isfinite(values[number - 1]).all():
            raise DataError(f"{path}, line {number}: expected finite numbers, got {line!r:.80}")
    return values


def load_density_matrix(
    real: str | Path, imag: str | Path | None = None, tolerance: float = PSI_TOLERANCE
) -> np.ndarray:
    r"""A density matrix from QuCumber's text files: the real part and the imaginary part,
    each a square matrix with one row per line (tutorial 3's ``N2_W_state_target_*.txt``).

    Returns:
        A read-only complex128 matrix :math:`\rho` of size ``2^N``.

    Raises:
        DataError: a malformed file (file and line named), parts of different sizes, a
            size other than ``2^N``, or a matrix that is not Hermitian, not of unit trace
            or not positive semi-definite (each to ``tolerance``).
    """
    real_path = Path(real)
    rho = _read_matrix(real_path, "real").astype(np.complex128)
    source = str(real_path)
    if imag is not None:
        imag_path = Path(imag)
        imaginary = _read_matrix(imag_path, "imaginary")
        if imaginary.shape != rho.shape:
            raise DataError(
                f"{imag_path} is a {imaginary.shape[0]}x{imaginary.shape[0]} matrix but "
                f"{real_path} is {rho.shape[0]}x{rho.shape[0]}: expected the same size"
            )
        rho += 1j * imaginary
        source = f"{real_path} + i {imag_path}"
    return check_density_matrix(rho, source=source, tolerance=tolerance)


def _format_psi(psi: np.ndarray) -> str:
    return "".join(f"{z.real:.17g} {z.imag:.17g}\n" for z in np.asarray(psi, np.complex128))


def save_psi(psi: np.ndarray, path: str | Path) -> None:
    """Write a state vector as a QuCumber psi file (``"Re Im"`` per line), atomically."""
    atomic_write_text(path, _format_psi(_check_psi(psi, None, "psi")))


# --- loading and saving data sets -------------------------------------------------------


def _format_of(path: Path, format: str) -> str:
    if format not in FORMATS:
        raise DataError(f"expected a format in {FORMATS}, got {format!r}")
    if format == "auto":
        return "npz" if path.suffix == ".npz" else "qucumber"
    return format


def read_npz(
    path: Path, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` archive, read without pickles.

    Raises:
        DataError: a missing file, one that is not such an archive, or one without the
            ``required`` arrays (the message names them and the ``optional`` ones).
    """
    if path.is_file() and not zipfile.is_zipfile(path):
        raise DataError(f"{path}: not an .npz archive (an .npz file is a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise DataError(f"data file {path} does not exist") from None
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable .npz archive ({error})") from None
    missing = [key for key in required if key not in arrays]
    if missing:
        wanted = " and ".join(f"'{key}'" for key in required)
        extra = f" (and optionally {', '.join(repr(k) for k in optional)})" if optional else ""
        raise DataError(
            f"{path}: expected arrays {wanted}{extra}, missing {missing}; found {sorted(arrays)}"
        )
    return arrays


def _load_npz(path: Path) -> dict[str, Any]:
    arrays = read_npz(path, ("outcomes", "bases"), ("psi",))
    outcomes = arrays["outcomes"]
    if outcomes.dtype.kind not in "iub":
        raise DataError(f"{path}: expected integer outcomes, got dtype {outcomes.dtype}")
    try:
        return {
            "outcomes": torch.from_numpy(outcomes.astype(np.int64)),
            "bases": arrays["bases"],
            "psi": arrays.get("psi"),
        }
    except ValueError as error:
        raise DataError(f"{path}: {error}") from None


def load_measurements(
    path: str | Path,
    bases: str | Path | None = None,
    psi: str | Path | np.ndarray | None = None,
    format: str = "auto",
) -> MeasurementData:
    """Read a measurement data set.

    Args:
        path: an ``.npz`` archive, a QuCumber samples file (one measurement of 0/1 per
            line, separated by spaces), or a data set directory (:func:`save_dataset`).
        bases: QuCumber format only: the bases file, one line of letters per sample
            (``"X Z Y"`` or ``"XZY"``); without it every measurement is in the Z basis.
        psi: the target state: a QuCumber psi file (``"Re Im"`` per line) or a vector.
            An ``.npz`` archive may hold it instead, but not both.
        format: ``"npz"``, ``"qucumber"`` or ``"auto"`` (by the suffix ``.npz``).

    Raises:
        DataError: a missing or empty file; a line with the wrong number of entries,
            outcomes other than 0/1, or letters other than X/Y/Z (file and line named);
            sample and bases files of different lengths; a ψ of the wrong length or not
            normalized.
    """
    path = Path(path)
    if path.is_dir():
        if bases is not None or psi is not None:
            raise DataError(f"{path}: a data set directory holds its own bases and psi")
        return _load_dataset(path)
    kind = _format_of(path, format)
    if kind == "npz":
        if bases is not None:
            raise DataError(f"{path}: an .npz data set holds its own bases; got a bases file too")
        arrays = _load_npz(path)
        if psi is not None and arrays["psi"] is not None:
            raise DataError(f"{path}: the archive holds psi already; got another psi too")
        stored: np.ndarray | None = arrays["psi"]
        if isinstance(psi, str | Path):
            stored = load_psi(psi, int(arrays["outcomes"].shape[1]))
        elif psi is not None:
            stored = psi
        try:
            return MeasurementData(arrays["outcomes"], arrays["bases"], stored)
        except DataError as error:
            raise DataError(f"{path}: {error}") from None
    outcomes = _read_outcomes(path)
    n_samples, n_sites = outcomes.shape
    if bases is None:
        letters: np.ndarray = np.full(outcomes.shape, "Z", dtype="<U1")
    else:
        bases_path = Path(bases)
        letters = _read_letter_rows(bases_path, n_sites, "basis")
        if letters.shape[0] != n_samples:
            hint = (
                " (a list of distinct bases rather than one line per sample?)"
                if letters.shape[0] < n_samples
                else ""
            )
            raise DataError(
                f"sample file {path} has {n_samples} lines but bases file {bases_path} has "
                f"{letters.shape[0]}: expected one line of bases per sample{hint}"
            )
    target: np.ndarray | None
    if isinstance(psi, str | Path):
        target = load_psi(psi, n_sites)
    else:
        target = None if psi is None else _check_psi(psi, n_sites, "psi")
    return MeasurementData(torch.from_numpy(outcomes), letters, target)


def _companion(path: Path, tag: str) -> Path:
    """``data.txt`` → ``data_bases.txt``."""
    return path.with_name(f"{path.stem}_{tag}{path.suffix or '.txt'}")


def _ascii_rows(codes: np.ndarray) -> bytes:
    """ASCII codes ``(rows, N)`` as lines of space-separated characters."""
    rows, n_sites = codes.shape
    text = np.full((rows, 2 * n_sites), ord(" "), dtype=np.uint8)
    text[:, 0::2] = codes
    text[:, -1] = ord("\n")
    return text.tobytes()


def save_measurements(
    data: MeasurementData, path: str | Path, format: str = "auto"
) -> dict[str, Path]:
    """Write a data set, each file atomically.

    ``npz`` writes one archive (``outcomes``, ``bases``, and ``psi`` when known).
    ``qucumber`` writes the samples to ``path`` and, beside it, the bases to
    ``<stem>_bases<suffix>`` and ψ (when known) to ``<stem>_psi<suffix>``.

    Returns:
        The files written: ``{"samples": ..., "bases": ..., "psi": ...}`` for the text
        format, ``{"data": ...}`` for ``npz``.
    """
    path = Path(path)
    kind = _format_of(path, format)
    if kind == "npz":
        arrays: dict[str, np.ndarray] = {
            "outcomes": data.outcomes.numpy().astype(np.int8),
            "bases": np.asarray(data.bases),
        }
        if data.psi is not None:
            arrays["psi"] = np.asarray(data.psi)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        atomic_write_bytes(path, buffer.getvalue())
        return {"data": path}
    outcomes = data.outcomes.cpu().numpy().astype(np.uint8) + ord("0")
    atomic_write_bytes(path, _ascii_rows(outcomes))
    written = {"samples": path, "bases": _companion(path, "bases")}
    letters = data.bases.view("<u4").astype(np.uint8)  # one UCS-4 code unit per letter
    atomic_write_bytes(written["bases"], _ascii_rows(letters))
    if data.psi is not None:
        written["psi"] = _companion(path, "psi")
        atomic_write_text(written["psi"], _format_psi(data.psi))
    return written


# --- data set directories -------------------------------------------------------------------

DATASET_FILE = "dataset.json"
"""The description of a data set directory, written last (its presence marks a complete set)."""

_MEASUREMENTS = {"npz": "measurements.npz", "qucumber": "measurements.txt"}


_DATASET_NAMES = (
    DATASET_FILE,
    "measurements.npz",
    "measurements.txt",
    "measurements_bases.txt",
    "psi.txt",
    "bases.txt",
    "outcomes.npz",
    "rho.npy",
)


def refuse_existing_dataset(directory: str | Path) -> None:
    """Raise :class:`DataError` when ``directory`` holds any file of a data set.

    Call it before expensive work; :func:`save_dataset` calls it too.
    """
    directory = Path(directory)
    existing = [name for name in _DATASET_NAMES if (directory / name).exists()]
    if existing:
        raise DataError(
            f"{directory} already holds a data set ({', '.join(existing)}); refusing to "
            "overwrite it: choose another directory or remove it"
        )


def save_dataset(
    data: MeasurementData,
    directory: str | Path,
    format: str = "npz",
    bases: Sequence[str] | None = None,
    info: dict[str, Any] | None = None,
    extra_files: dict[str, tuple[str, bytes]] | None = None,
) -> dict[str, Path]:
    """Write a data set directory, refusing to overwrite one.

    Files: the measurements (``measurements.npz``, or QuCumber's ``measurements.txt`` and
    ``measurements_bases.txt``), ``psi.txt`` (the target state in QuCumber's format, when
    known), ``bases.txt`` (the distinct bases, one per line, or ``bases`` as given) and,
    last, ``dataset.json`` (sizes, file names, and ``info``). :func:`load_measurements`
    reads the directory back. ``extra_files`` (key → (name, content)) are further files,
    written before ``dataset.json`` and named in it.

    Raises:
        DataError: the directory already holds any of these files.
    """
    if format not in _MEASUREMENTS:
        raise DataError(f"expected a format in {sorted(_MEASUREMENTS)}, got {format!r}")
    directory = Path(directory)
    names = {"measurements": _MEASUREMENTS[format], "basis_list": "bases.txt"}
    if format == "qucumber":
        names["bases"] = _companion(Path(names["measurements"]), "bases").name
    if data.psi is not None:
        names["psi"] = "psi.txt"
    extra = extra_files or {}
    names.update({key: name for key, (name, _) in extra.items()})
    refuse_existing_dataset(directory)
    for name, content in extra.values():
        atomic_write_bytes(directory / name, content)
    to_save = data if format == "npz" else MeasurementData(data.outcomes, data.bases)
    save_measurements(to_save, directory / names["measurements"], format)
    if data.psi is not None:
        save_psi(data.psi, directory / "psi.txt")
    basis_list = list(data.basis_groups()) if bases is None else list(bases)
    atomic_write_text(directory / "bases.txt", "".join(" ".join(b) + "\n" for b in basis_list))
    description = {
        "format": format,
        "n_samples": data.n_samples,
        "n_sites": data.n_sites,
        "bases": basis_list,
        "files": names,
        **(info or {}),
    }
    atomic_write_text(directory / DATASET_FILE, to_json(description, indent=2) + "\n")
    return {key: directory / name for key, name in {**names, "dataset": DATASET_FILE}.items()}


def _inside(directory: Path, name: object, description: Path) -> Path:
    """The file ``name`` of a data set, refused unless it lies inside ``directory``: a
    ``dataset.json`` someone sent must not make qgen read files elsewhere."""
    if not isinstance(name, str) or not name:
        raise DataError(f"{description}: expected file names, got {name!r}")
    path = (directory / name).resolve()
    if not path.is_relative_to(directory.resolve()):
        raise DataError(
            f"{description}: expected files inside {directory}, got {name!r}, which lies outside it"
        )
    return path


def read_dataset_description(directory: Path, keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """The ``dataset.json`` of a data set directory, with a ``files`` object and the
    other ``keys`` it must have.

    Raises:
        DataError: no description, or one that cannot be read or lacks a key.
    """
    path = directory / DATASET_FILE
    try:
        description = json.loads(path.read_text(encoding="utf-8"))
        missing = [key for key in ("files", *keys) if key not in description]
        if missing:
            raise KeyError(", ".join(missing))
        if not isinstance(description["files"], dict):
            raise TypeError(f"'files' is {description['files']!r:.60}, not an object")
    except FileNotFoundError:
        raise DataError(
            f"{directory} is a directory without {DATASET_FILE}: expected a data set "
            "directory written by qgen data, or a data file"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path}: not a readable data set description ({error!r})") from None
    return description


def _load_dataset(directory: Path) -> MeasurementData:
    path = directory / DATASET_FILE
    description = read_dataset_description(directory, ("format",))
    files = description["files"]
    kind = description["format"]
    if "measurements" not in files:
        raise DataError(f"{path}: expected the file of the measurements in 'files'")
    names = files["measurements"]
    if kind not in _MEASUREMENTS:
        raise DataError(f"{path}: expected format in {sorted(_MEASUREMENTS)}, got {kind!r}")
    measurements = _inside(directory, names, path)
    psi = _inside(directory, files["psi"], path) if "psi" in files and kind == "qucumber" else None
    bases = None  # a QuCumber set without a bases file measured every sample in Z
    if kind == "qucumber" and "bases" in files:
        bases = _inside(directory, files["bases"], path)
    data = load_measurements(measurements, bases=bases, psi=psi, format=kind)
    check_described_size(description, path, measurements, data.n_samples, data.n_sites)
    return data


def check_described_size(
    description: dict[str, Any], path: Path, source: Path, n_samples: int, n_sites: int
) -> None:
    """Refuse the data of ``source`` when their size is not the one their
    ``dataset.json`` (``path``) states."""
    expected = (description.get("n_samples"), description.get("n_sites"))
    if expected != (n_samples, n_sites):
        raise DataError(
            f"{path} describes {expected[0]} samples of {expected[1]} sites but {source} "
            f"holds {n_samples} of {n_sites}: a truncated or replaced file?"
        )
