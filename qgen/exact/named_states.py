r"""Named states of the full ``2^N`` space, exactly: targets of tomography and test states.

States are normalized complex128 vectors in basis-index order (site 0 the most
significant bit; bit 0 = spin up, :math:`\sigma^z = +1`):

- GHZ: :math:`(|0\cdots0\rangle + |1\cdots1\rangle)/\sqrt2`;
- W: :math:`\frac{1}{\sqrt N}\sum_i |0\cdots 1_i \cdots 0\rangle`, and the W state with
  random phases :math:`\frac{1}{\sqrt N}\sum_i e^{i\phi_i}|0\cdots 1_i\cdots 0\rangle`
  (Torlai et al., Nat. Phys. 14, 447 (2018), where the phases make the state invisible to
  Z-basis data alone);
- product states given one letter per site (:data:`PRODUCT_LETTERS`).

Example:
    >>> from qgen.exact.named_states import named_state
    >>> named_state("ghz", 3).round(3).real.tolist()
    [0.707, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.707]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qgen.errors import DataError
from qgen.registry import Registry
from qgen.validation import require_int

__all__ = [
    "PRODUCT_LETTERS",
    "STATES",
    "dicke_state",
    "ghz_state",
    "named_state",
    "product_state",
    "w_state",
    "w_state_with_phases",
]

_SQRT_HALF = 1 / np.sqrt(2)
PRODUCT_LETTERS: dict[str, np.ndarray] = {
    "0": np.array([1, 0], dtype=np.complex128),
    "1": np.array([0, 1], dtype=np.complex128),
    "+": _SQRT_HALF * np.array([1, 1], dtype=np.complex128),
    "-": _SQRT_HALF * np.array([1, -1], dtype=np.complex128),
    "r": _SQRT_HALF * np.array([1, 1j], dtype=np.complex128),
    "l": _SQRT_HALF * np.array([1, -1j], dtype=np.complex128),
}
r"""Single-site states of :func:`product_state`: ``0`` = :math:`|{\uparrow}\rangle`
(σᶻ = +1), ``1`` = :math:`|{\downarrow}\rangle`, ``+``/``-`` the σˣ eigenstates
:math:`(|0\rangle \pm |1\rangle)/\sqrt2`, ``r``/``l`` the σʸ eigenstates
:math:`(|0\rangle \pm i|1\rangle)/\sqrt2` (outcome 0 / 1 of a Y measurement in
:mod:`qgen.exact.measurement`)."""


def _check_sites(n_sites: int, least: int = 1) -> int:
    n_sites = require_int(n_sites, "number of sites", minimum=least, error=DataError)
    if n_sites > 30:
        raise DataError(f"refusing to build a state vector of 2^{n_sites} amplitudes")
    return int(n_sites)


def ghz_state(n_sites: int) -> np.ndarray:
    r"""Greenberger–Horne–Zeilinger state :math:`(|0\cdots0\rangle + |1\cdots1\rangle)/\sqrt2`.

    Every bipartition has :math:`S_\alpha = \ln 2`.
    """
    n = _check_sites(n_sites, 2)
    psi = np.zeros(1 << n, dtype=np.complex128)
    psi[0] = psi[-1] = _SQRT_HALF
    return psi


def _one_excitation(phases: np.ndarray) -> np.ndarray:
    n = phases.size
    psi = np.zeros(1 << n, dtype=np.complex128)
    # Site i down (bit 1) is basis index 2^(N-1-i): site 0 is the most significant bit.
    psi[1 << np.arange(n - 1, -1, -1)] = np.exp(1j * phases) / np.sqrt(n)
    return psi


def w_state(n_sites: int) -> np.ndarray:
    r"""W state :math:`\frac{1}{\sqrt N}\sum_i |0\cdots 1_i \cdots 0\rangle` (one down spin).

    A subsystem of ``ℓ`` sites has :math:`\rho_A` with eigenvalues
    :math:`\ell/N` and :math:`1 - \ell/N`.
    """
    return _one_excitation(np.zeros(_check_sites(n_sites, 2)))


def w_state_with_phases(n_sites: int, seed: int = 0) -> np.ndarray:
    r"""W state with a random phase per term, :math:`\phi_i` uniform in :math:`[0, 2\pi)`.

    The phases come from ``numpy.random.default_rng(seed)``: the same seed, the same state.
    Its Z-basis distribution equals the plain W state's; only X/Y data reveal the phases
    (Torlai et al., Nat. Phys. 14, 447 (2018)).
    """
    n = _check_sites(n_sites, 2)
    return _one_excitation(np.random.default_rng(seed).uniform(0, 2 * np.pi, size=n))


def product_state(letters: str, n_sites: int | None = None) -> np.ndarray:
    """Product state, one letter of :data:`PRODUCT_LETTERS` per site.

    Args:
        letters: e.g. ``"0101"`` (Néel), ``"++++"``, ``"0+r1"``; a single letter is
            repeated on every site when ``n_sites`` is given.
        n_sites: the number of sites; by default ``len(letters)``.

    Raises:
        DataError: unknown letters, or a length other than ``n_sites``.
    """
    if not isinstance(letters, str) or not letters:
        raise DataError(
            f"expected a string of letters from {list(PRODUCT_LETTERS)}, got {letters!r}"
        )
    if n_sites is not None:
        n = _check_sites(n_sites)
        if len(letters) == 1:
            letters = letters * n
        elif len(letters) != n:
            raise DataError(
                f"expected {n} letters (one per site) or one letter for every site, "
                f"got {len(letters)}: {letters!r}"
            )
    unknown = sorted(set(letters) - set(PRODUCT_LETTERS))
    if unknown:
        raise DataError(
            f"expected product-state letters from {list(PRODUCT_LETTERS)}, got {unknown} "
            f"in {letters!r}"
        )
    _check_sites(len(letters))
    psi = np.ones(1, dtype=np.complex128)
    for letter in letters:
        psi = np.kron(psi, PRODUCT_LETTERS[letter])
    return psi


STATES: Registry[Callable[[int, int], np.ndarray]] = Registry("state")
"""Named states of :func:`named_state`, each ``(n_sites, seed) -> psi``
(``qgen data --state NAME``)."""
STATES.register("ghz", lambda n, seed: ghz_state(n))
STATES.register("w", lambda n, seed: w_state(n))
STATES.register("w-phases", w_state_with_phases)


def dicke_state(n_sites: int, excitations: int) -> np.ndarray:
    r"""The Dicke state :math:`|D^N_k\rangle = \binom Nk^{-1/2}\sum_{|x| = k}|x\rangle`, the
    equal superposition of the configurations with ``k`` ones (``k = 1``: the W state)."""
    n = _check_sites(n_sites)
    k = require_int(excitations, "excitations k", minimum=0, maximum=n, error=DataError)
    ones = np.array([bin(index).count("1") for index in range(1 << n)])
    psi = (ones == k).astype(np.complex128)
    return psi / np.linalg.norm(psi)


def _excitations(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DataError(f"state dicke:<k>: expected a whole number k, got {text!r:.20}") from None


def named_state(name: str, n_sites: int, seed: int = 0) -> np.ndarray:
    """A state by name: ``"ghz"``, ``"w"``, ``"w-phases"`` or ``"product:<letters>"``.

    ``product:+`` is :math:`|+\\rangle^{\\otimes N}`, ``product:0101`` the Néel state (see
    :func:`product_state`). ``seed`` sets the random phases of ``"w-phases"``.
    """
    if isinstance(name, str) and name.startswith("product:"):
        return product_state(name.removeprefix("product:"), n_sites)
    if isinstance(name, str) and name.startswith("dicke:"):
        return dicke_state(n_sites, _excitations(name.removeprefix("dicke:")))
    if name not in STATES:
        raise DataError(
            f"state: expected one of {', '.join([*STATES, 'dicke:<k>', 'product:<letters>'])}, "
            f"got {name!r}"
        )
    return STATES[name](n_sites, seed)
