r"""Measurement data for tomography: outcomes, the basis of every measurement, the target ψ.

A data set holds ``n_samples`` projective measurements of ``N`` spins. Row ``k`` measured
site ``i`` in the Pauli basis ``bases[k, i]`` ∈ {X, Y, Z} and saw ``outcomes[k, i]``, 0 for
the +1 eigenvalue and 1 for the −1 eigenvalue (the encoding of
:mod:`qgen.exact.measurement`, where the rotations :math:`U_X, U_Y` follow QuCumber).
When the measured state is known (synthetic data), its vector ``psi`` travels along.

Two file formats:

``.npz``
    arrays ``outcomes`` (integers), ``bases`` (one-letter strings) and optionally ``psi``
    (complex), written by :func:`save_measurements`.
QuCumber's text format (Beach et al., SciPost Phys. 7, 009 (2019))
    a samples file with one measurement per line, outcomes separated by spaces
    (``"1 0 1 1 "``; trailing spaces are fine); a bases file with the letters of each
    measurement on the matching line (``"X Z Y Z"`` or ``"XZYZ"``); a psi file with one
    amplitude ``"Re Im"`` per line, in basis-index order (site 0 most significant).

Every file is checked whole before it is used: a malformed line raises a
:class:`~qgen.datasets.base.DataError` naming the file and the line, so that a model is
never trained on truncated or misread data.

Example:
    >>> import numpy as np
    >>> from qgen.exact import sample_measurements
    >>> from qgen.tomography import MeasurementData
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> data = MeasurementData.from_samples(sample_measurements(bell, ["ZZ", "XX"], 50), bell)
    >>> data.n_samples, data.n_sites, data.z_only
    (100, 2, False)
    >>> sorted(data.basis_groups())
    ['XX', 'ZZ']
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgen.errors import DataError, QgenError
from qgen.exact.measurement import MeasurementSamples, sample_measurements
from qgen.runs import atomic_write_bytes, atomic_write_text, to_json

__all__ = [
    "DATASET_FILE",
    "FORMATS",
    "PSI_TOLERANCE",
    "MeasurementData",
    "load_density_matrix",
    "load_measurements",
    "load_psi",
    "measure",
    "refuse_existing_dataset",
    "save_dataset",
    "save_measurements",
    "save_psi",
]

FORMATS = ("auto", "npz", "qucumber")
"""File formats of :func:`load_measurements` (``"auto"``: ``.npz`` by suffix, else text)."""

PSI_TOLERANCE = 1e-6
r"""Largest accepted :math:`|\langle\psi|\psi\rangle - 1|` of a target state."""

_LETTERS = frozenset("XYZ")


# --- the data set ---------------------------------------------------------------------------


def _check_psi(psi: object, n_sites: int | None, source: str) -> np.ndarray:
    """``psi`` as a read-only complex128 vector of length ``2^N``, normalized to tolerance."""
    if isinstance(psi, np.ndarray) and psi.dtype == np.complex128 and not psi.flags.writeable:
        vector = psi  # already checked: a data set's psi passes through splits uncopied
    else:
        try:
            vector = np.array(psi, dtype=np.complex128)
        except (TypeError, ValueError):
            raise DataError(f"{source}: expected a complex state vector, got {psi!r:.80}") from None
    size = vector.size
    if vector.ndim != 1 or size < 2 or size & (size - 1):
        raise DataError(
            f"{source}: expected a state vector of length 2^N, got shape {vector.shape}"
        )
    if n_sites is not None and size != 1 << n_sites:
        raise DataError(
            f"{source}: expected 2^{n_sites} = {1 << n_sites} amplitudes for {n_sites} sites, "
            f"got {size}"
        )
    if not np.isfinite(vector).all():
        raise DataError(f"{source}: expected finite amplitudes, got NaN or infinity")
    norm_squared = float(np.vdot(vector, vector).real)
    if abs(norm_squared - 1) > PSI_TOLERANCE:
        raise DataError(
            f"{source}: expected a normalized state, got <psi|psi> = {norm_squared:.10g} "
            f"(off by {norm_squared - 1:+.2e}; tolerance {PSI_TOLERANCE:g})"
        )
    vector.flags.writeable = False
    return vector


@dataclass(frozen=True, eq=False)
class MeasurementData:
    """Projective measurements of ``N`` spins in product Pauli bases.

    Attributes:
        outcomes: int64 tensor ``(n_samples, n_sites)`` of 0/1, 0 for the +1 eigenvalue.
        bases: array of dtype ``'<U1'``, ``(n_samples, n_sites)``, letters X/Y/Z: the basis
            each site of each sample was measured in.
        psi: the measured state as a normalized complex128 vector of length ``2^N``
            (basis-index order, site 0 most significant), or ``None`` when unknown.

    Integer tensors of other dtypes are converted to int64 and any string array to
    ``'<U1'``; everything else that does not fit raises :class:`DataError`. ``bases`` and
    ``psi`` are made read-only.
    """

    outcomes: torch.Tensor
    bases: np.ndarray
    psi: np.ndarray | None = None

    def __post_init__(self) -> None:
        outcomes = self.outcomes
        if not isinstance(outcomes, torch.Tensor):
            raise DataError(f"outcomes: expected a torch.Tensor, got {type(outcomes).__name__}")
        if outcomes.is_floating_point() or outcomes.is_complex():
            raise DataError(f"outcomes: expected an integer tensor of 0/1, got {outcomes.dtype}")
        if outcomes.ndim != 2 or outcomes.shape[0] == 0 or outcomes.shape[1] == 0:
            raise DataError(
                "outcomes: expected a non-empty tensor of shape (n_samples, n_sites), got shape "
                f"{tuple(outcomes.shape)}"
            )
        outcomes = outcomes.detach().to(torch.int64)
        bad = (outcomes != 0) & (outcomes != 1)
        if bool(bad.any()):
            row, column = (int(i) for i in torch.nonzero(bad)[0])
            raise DataError(
                f"outcomes: expected 0 or 1, got {int(outcomes[row, column])} "
                f"in sample {row}, site {column}"
            )
        if not isinstance(self.bases, np.ndarray) or self.bases.dtype.kind != "U":
            raise DataError(
                "bases: expected a numpy array of one-letter strings X/Y/Z, got "
                f"{type(self.bases).__name__}"
                + (f" of dtype {self.bases.dtype}" if isinstance(self.bases, np.ndarray) else "")
            )
        if self.bases.shape != tuple(outcomes.shape):
            raise DataError(
                f"bases: expected one letter per outcome, shape {tuple(outcomes.shape)}, "
                f"got shape {self.bases.shape}"
            )
        wrong = ~np.isin(self.bases, sorted(_LETTERS))
        if wrong.any():
            row, column = (int(i) for i in np.argwhere(wrong)[0])
            raise DataError(
                f"bases: expected the letters X, Y or Z, got {str(self.bases[row, column])!r} "
                f"in sample {row}, site {column}"
            )
        bases = np.array(self.bases, dtype="<U1", order="C")  # a contiguous copy
        bases.flags.writeable = False
        psi = None if self.psi is None else _check_psi(self.psi, outcomes.shape[1], "psi")
        object.__setattr__(self, "outcomes", outcomes)
        object.__setattr__(self, "bases", bases)
        object.__setattr__(self, "psi", psi)

    @classmethod
    def from_samples(
        cls, samples: MeasurementSamples, psi: np.ndarray | None = None
    ) -> MeasurementData:
        """The data set of exact samples (:func:`qgen.exact.sample_measurements`)."""
        return cls(samples.outcomes, np.asarray(samples.bases), psi)

    @property
    def n_samples(self) -> int:
        """Number of measurements (rows)."""
        return int(self.outcomes.shape[0])

    @property
    def n_sites(self) -> int:
        """Number of sites (columns)."""
        return int(self.outcomes.shape[1])

    @property
    def z_only(self) -> bool:
        """Whether every site of every sample was measured in the Z basis."""
        return bool((self.bases == "Z").all())

    def basis_strings(self) -> np.ndarray:
        """The basis of each sample as one string, ``(n_samples,)``, e.g. ``"ZZXY"``."""
        return np.ascontiguousarray(self.bases).view(f"<U{self.n_sites}").reshape(-1)

    def basis_groups(self) -> dict[str, torch.Tensor]:
        """The rows measured in each basis: basis string → int64 tensor of row indices.

        Bases appear in the order of their first sample; indices are increasing. This is
        how training batches the data: all samples of one basis share one rotation.
        """
        strings = self.basis_strings()
        unique, first, inverse = np.unique(strings, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rows = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=unique.size))
        groups = np.split(rows, bounds[:-1])
        return {str(unique[g]): torch.from_numpy(groups[g].astype(np.int64)) for g in order}

    def subset(self, rows: torch.Tensor | np.ndarray | Sequence[int]) -> MeasurementData:
        """The data set of the given rows (same ψ)."""
        index = np.asarray(torch.as_tensor(rows, dtype=torch.int64).cpu())
        return MeasurementData(self.outcomes[torch.from_numpy(index)], self.bases[index], self.psi)

    def split(
        self, validation_fraction: float, seed: int = 0
    ) -> tuple[MeasurementData, MeasurementData]:
        """A seeded random split into training and validation sets.

        ``round(validation_fraction · n_samples)`` rows (at least one, at most all but
        one) go to the validation set; both keep the original order of their rows and the
        target ψ. The same seed gives the same split.

        Raises:
            DataError: a fraction outside (0, 1), or fewer than two samples.
        """
        fraction = validation_fraction
        if (
            isinstance(fraction, bool)
            or not isinstance(fraction, int | float)
            or not (0 < fraction < 1)
        ):
            raise DataError(
                f"expected a validation fraction strictly between 0 and 1, got {fraction!r}"
            )
        if self.n_samples < 2:
            raise DataError(
                f"cannot split {self.n_samples} sample into training and validation sets"
            )
        n_validation = min(max(round(fraction * self.n_samples), 1), self.n_samples - 1)
        generator = torch.Generator().manual_seed(int(seed))
        permutation = torch.randperm(self.n_samples, generator=generator)
        validation = permutation[:n_validation].sort().values
        train = permutation[n_validation:].sort().values
        return self.subset(train), self.subset(validation)

    def __repr__(self) -> str:
        bases = ", ".join(self.basis_groups()) if self.n_sites <= 12 else "..."
        target = "with" if self.psi is not None else "without"
        return (
            f"MeasurementData({self.n_samples} samples of {self.n_sites} sites, "
            f"bases [{bases}], {target} psi)"
        )


# --- reading text files ---------------------------------------------------------------------


def _read_lines(path: Path, what: str) -> list[str]:
    """The lines of a text file, trailing blank lines dropped; refuses empty or blank lines."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{what} file {path} does not exist") from None
    except IsADirectoryError:
        raise DataError(f"{what} file {path} is a directory, expected a text file") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{what} file {path} is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise DataError(f"cannot read {what} file {path}: {error}") from None
    lines = text.splitlines()
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
    size = rho.shape[0]
    if size < 2 or size & (size - 1):
        raise DataError(f"{source}: expected a matrix of size 2^N, got {size}x{size}")
    asymmetry = float(np.abs(rho - rho.conj().T).max())
    if asymmetry > tolerance:
        raise DataError(
            f"{source}: expected a Hermitian matrix, got |rho - rho^dagger| = {asymmetry:.2e}"
        )
    trace = complex(np.trace(rho))
    if abs(trace - 1) > tolerance:
        raise DataError(
            f"{source}: expected unit trace, got {trace.real:.10g} (off by {trace.real - 1:+.2e})"
        )
    lowest = float(np.linalg.eigvalsh(rho).min())
    if lowest < -tolerance:
        raise DataError(
            f"{source}: expected a positive semi-definite matrix, got eigenvalue {lowest:.3e}"
        )
    rho.flags.writeable = False
    return rho


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


def _load_npz(path: Path) -> dict[str, Any]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise DataError(f"data file {path} does not exist") from None
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable .npz archive ({error})") from None
    missing = [key for key in ("outcomes", "bases") if key not in arrays]
    if missing:
        raise DataError(
            f"{path}: expected arrays 'outcomes' and 'bases' (and optionally 'psi'), "
            f"missing {missing}; found {sorted(arrays)}"
        )
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


def measure(
    psi: np.ndarray, bases: str | Sequence[str], samples_per_basis: int, seed: int = 0
) -> MeasurementData:
    """Exact measurements of ``psi``: ``samples_per_basis`` in each basis, ψ kept beside.

    A thin wrapper of :func:`qgen.exact.sample_measurements` (same seed, same data).
    """
    try:
        samples = sample_measurements(psi, bases, samples_per_basis, seed=seed)
    except QgenError as error:
        raise DataError(str(error)) from None
    return MeasurementData.from_samples(samples, np.asarray(psi, dtype=np.complex128))


_DATASET_NAMES = (
    DATASET_FILE,
    "measurements.npz",
    "measurements.txt",
    "measurements_bases.txt",
    "psi.txt",
    "bases.txt",
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
) -> dict[str, Path]:
    """Write a data set directory, refusing to overwrite one.

    Files: the measurements (``measurements.npz``, or QuCumber's ``measurements.txt`` and
    ``measurements_bases.txt``), ``psi.txt`` (the target state in QuCumber's format, when
    known), ``bases.txt`` (the distinct bases, one per line, or ``bases`` as given) and,
    last, ``dataset.json`` (sizes, file names, and ``info``). :func:`load_measurements`
    reads the directory back.

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
    refuse_existing_dataset(directory)
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


def _load_dataset(directory: Path) -> MeasurementData:
    path = directory / DATASET_FILE
    try:
        description = json.loads(path.read_text(encoding="utf-8"))
        files = description["files"]
        kind = description["format"]
        measurements = directory / files["measurements"]
    except FileNotFoundError:
        raise DataError(
            f"{directory} is a directory without {DATASET_FILE}: expected a data set "
            "directory written by qgen data, or a data file"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path}: not a readable data set description ({error!r})") from None
    if kind not in _MEASUREMENTS:
        raise DataError(f"{path}: expected format in {sorted(_MEASUREMENTS)}, got {kind!r}")
    psi = directory / files["psi"] if "psi" in files and kind == "qucumber" else None
    bases = directory / files["bases"] if kind == "qucumber" else None
    data = load_measurements(measurements, bases=bases, psi=psi, format=kind)
    expected = (description.get("n_samples"), description.get("n_sites"))
    if expected != (data.n_samples, data.n_sites):
        raise DataError(
            f"{path} describes {expected[0]} samples of {expected[1]} sites but {measurements} "
            f"holds {data.n_samples} of {data.n_sites}: a truncated or replaced file?"
        )
    return data
