"""OpenFermion's ``QubitOperator``, to and from qgen.

A ``QubitOperator`` keeps its terms in ``.terms``, a dict from tuples of
``(site, "X" | "Y" | "Z")`` to coefficients (``()`` is the identity); its qubit 0 is
qgen's site 0 and its Pauli matrices are qgen's, so terms carry over one to one.
:func:`from_openfermion` reads any object with such a ``.terms`` dict, so it works
without OpenFermion installed. A ``FermionOperator`` (terms of ``(mode, 0 | 1)``) is
refused: map it to qubits first (``openfermion.jordan_wigner``).

Example:
    >>> class Terms:  # what a QubitOperator looks like from outside
    ...     terms = {((0, "X"), (2, "X")): 0.5, (): -1.0}
    >>> op = from_openfermion(Terms())
    >>> op.n_sites, sorted(op.strings)
    (3, ['III', 'XIX'])
"""

from __future__ import annotations

from typing import Any

from qgen.errors import OperatorError
from qgen.interop._imports import require_library
from qgen.operators import PauliSum
from qgen.validation import require_int

__all__ = ["from_openfermion", "to_openfermion"]

_LETTERS = frozenset("XYZ")


def _label(term: Any, what: str) -> tuple[str, int]:
    """An indexed qgen label (``"X0 Z3"``) of one term and the largest site it names."""
    if not isinstance(term, tuple) or not all(
        isinstance(factor, tuple) and len(factor) == 2 for factor in term
    ):
        raise OperatorError(
            f"{what}: expected terms as tuples of (site, 'X'|'Y'|'Z'), got {term!r}"
        )
    tokens, highest = [], -1
    for site, letter in term:
        if letter not in _LETTERS:
            hint = (
                " (a FermionOperator? map it to qubits first with openfermion.jordan_wigner)"
                if letter in (0, 1)
                else ""
            )
            raise OperatorError(
                f"{what}: expected Pauli letters 'X', 'Y', 'Z' in a term, got {letter!r} "
                f"in {term!r}{hint}"
            )
        site = require_int(site, f"{what}: site of term {term!r}", minimum=0, error=OperatorError)
        tokens.append(f"{letter}{site}")
        highest = max(highest, site)
    return " ".join(tokens), highest


def from_openfermion(qubit_operator: Any, n_sites: int | None = None) -> PauliSum:
    """An OpenFermion ``QubitOperator`` (or any object with its ``.terms`` dict) as a
    :class:`PauliSum`.

    Args:
        qubit_operator: the operator.
        n_sites: the number of sites; by default one more than the highest qubit named
            (at least 1).

    Raises:
        OperatorError: no ``.terms`` dict, a term that is not a Pauli string (a
            ``FermionOperator``), a qubit beyond ``n_sites``, or a symbolic coefficient.
    """
    what = "from_openfermion"
    terms = getattr(qubit_operator, "terms", None)
    if not isinstance(terms, dict):
        raise OperatorError(
            f"{what}: expected an OpenFermion QubitOperator (with a .terms dict), got "
            f"{type(qubit_operator).__name__}"
        )
    labels, coefficients, highest = [], [], -1
    for term, coefficient in terms.items():
        label, last = _label(term, what)
        labels.append(label)
        coefficients.append(coefficient)
        highest = max(highest, last)
    if n_sites is None:
        n_sites = max(highest + 1, 1)
    elif highest >= n_sites:
        raise OperatorError(
            f"{what}: expected qubits 0..{n_sites - 1} for n_sites={n_sites}, got qubit {highest}"
        )
    return PauliSum(labels, coefficients, n_sites=n_sites)


def to_openfermion(pauli_sum: PauliSum) -> Any:
    """A :class:`PauliSum` as an OpenFermion ``QubitOperator`` (identity factors omitted).

    Raises:
        MissingDependencyError: OpenFermion is not installed.
    """
    openfermion = require_library("openfermion", "to_openfermion")
    result = openfermion.QubitOperator()
    for coefficient, label in pauli_sum.terms():
        term = tuple((site, letter) for site, letter in enumerate(label) if letter != "I")
        result += openfermion.QubitOperator(term, coefficient)
    return result
