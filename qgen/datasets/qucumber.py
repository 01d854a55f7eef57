"""QuCumber's tutorial data sets, shipped inside qgen so that examples run from anywhere.

Beach, Golubeva, Melko, Torlai et al., "QuCumber: wavefunction reconstruction with neural
networks", SciPost Phys. 7, 009 (2019); the files are QuCumber's own (Apache-2.0, the
``LICENSE`` in ``qgen/datasets/qucumber_data``), each tutorial's folder with a
``dataset.json`` that makes it a qgen data set directory:

1. the ground state of the transverse-field Ising chain, N = 10 (open, h = J = 1):
   10,000 z-basis samples and the exact ψ;
2. a 2-qubit state with phases: 1,000 samples in the bases ZZ, XZ, ZX, YZ, ZY and ψ;
3. a 2-qubit mixed state: 9 Pauli settings × 1,000 shots and the exact ρ (the 100-shot
   files ``N2_W_state_100_samples_*.txt`` lie beside them).

On the command line the name ``qucumber:N`` stands for tutorial N's folder:
``qgen tomo --data qucumber:1``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from qgen.errors import DataError

__all__ = ["NAMED_PREFIX", "data_location", "qucumber_tutorial"]

TUTORIALS = (1, 2, 3)
NAMED_PREFIX = "qucumber:"
"""The prefix of a shipped data set's name on the command line."""


def qucumber_tutorial(number: int) -> Path:
    """The folder of QuCumber tutorial ``number``'s data (1, 2 or 3), a data set directory
    that :func:`~qgen.tomography.load_measurements` (tutorials 1–2, with ψ) and
    :func:`~qgen.tomography.load_povm_data` (tutorial 3, with ρ) read.

    >>> from qgen.tomography import load_measurements
    >>> load_measurements(qucumber_tutorial(1)).n_samples
    10000

    Raises:
        DataError: no such tutorial.
    """
    if isinstance(number, bool) or number not in TUTORIALS:
        raise DataError(f"QuCumber tutorials: expected 1, 2 or 3, got {number!r}")
    return Path(str(files("qgen.datasets") / "qucumber_data" / f"tutorial{number}"))


def data_location(name: str) -> str:
    """``name`` itself, or for ``qucumber:N`` (also ``qucumber:tutorialN``) the folder of
    tutorial N.

    Raises:
        DataError: a ``qucumber:`` name of no tutorial.
    """
    if not name.lower().startswith(NAMED_PREFIX):
        return name
    tail = name[len(NAMED_PREFIX) :].strip().lower().removeprefix("tutorial")
    if tail not in {str(n) for n in TUTORIALS}:
        raise DataError(
            f"--data {name}: expected qucumber:1, qucumber:2 or qucumber:3 (QuCumber's tutorials)"
        )
    return str(qucumber_tutorial(int(tail)))
