"""The lists of Pauli bases that tomography data are measured in.

A basis is a string of one letter per site. :func:`pairwise_bases` gives the all-Z basis
plus, for every pair of neighbouring sites ``(i, i+1)``, the bases with X or Y on the
pair and Z elsewhere, as in Torlai et al. and QuCumber's tutorials.

Example:
    >>> from qgen.tomography.bases import pairwise_bases
    >>> pairwise_bases(3)
    ['ZZZ', 'XXZ', 'XYZ', 'YXZ', 'YYZ', 'ZXX', 'ZXY', 'ZYX', 'ZYY']
"""

from __future__ import annotations

from pathlib import Path

from qgen.errors import DataError
from qgen.tomography.files import _read_letter_rows
from qgen.validation import require_int

__all__ = ["load_basis_list", "pairwise_bases", "z_basis"]


def _check_sites(n_sites: int, least: int = 1) -> int:
    return require_int(n_sites, "number of sites", minimum=least, error=DataError)


def z_basis(n_sites: int) -> list[str]:
    """The single basis ``["ZZ…Z"]``: what positive states need."""
    return ["Z" * _check_sites(n_sites)]


def pairwise_bases(n_sites: int, letters: str = "XY", periodic: bool = False) -> list[str]:
    """All-Z plus every neighbouring pair ``(i, i+1)`` rotated to ``letters``, Z elsewhere.

    With the default ``letters="XY"`` each pair gives XX, XY, YX, YY: ``1 + 4 (N − 1)``
    bases on an open chain (``+ 4`` with ``periodic``, the pair ``(N−1, 0)``). Letters may
    include Z (``"XYZ"``); repeated bases are listed once, in order of first appearance.

    Torlai et al., Nat. Phys. 14, 447 (2018) reconstruct W states from such bases.
    """
    n = _check_sites(n_sites, 2)
    if not isinstance(letters, str) or not letters or set(letters) - set("XYZ"):
        raise DataError(f"expected pair letters from X, Y, Z such as 'XY', got {letters!r}")
    pairs = [(i, i + 1) for i in range(n - 1)]
    if periodic and n > 2:
        pairs.append((n - 1, 0))
    bases = {"Z" * n: None}
    for i, j in pairs:
        for a in letters:
            for b in letters:
                basis = ["Z"] * n
                basis[i], basis[j] = a, b
                bases["".join(basis)] = None
    return list(bases)


def load_basis_list(path: str | Path, n_sites: int | None = None) -> list[str]:
    """Bases to measure in, one per line (``"X Z Y"`` or ``"XZY"``), like QuCumber's
    ``qubits_bases.txt``.

    Raises:
        DataError: a missing or empty file, a line of the wrong length or with letters
            other than X/Y/Z (file and line named).
    """
    rows = _read_letter_rows(Path(path), n_sites, "basis")
    return ["".join(row) for row in rows]
