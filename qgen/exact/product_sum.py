r"""States that are short sums of product operators, sampled exactly at any ``N``.

A density matrix :math:`\rho = \sum_t c_t \otimes_k A_{t,k}` with few terms ``t`` has the
product-POVM distribution :math:`P(\mathbf a) = \sum_t c_t \prod_k \mathrm{Tr}(M_{a_k}
A_{t,k})`, and every marginal is as cheap: summing the outcomes of the sites after ``k``
replaces their factors by :math:`\mathrm{Tr} A_{t,j}`. So outcomes are drawn site by site
from exact conditionals, :math:`O(N\,T\,K)` per sample, for any number of sites. The GHZ
state is four terms, :math:`\tfrac12\sum_{a,b\in\{0,1\}} \otimes_k |a\rangle\langle b|`, and
a local channel maps each factor to a factor, so GHZ with local depolarizing (or any local)
noise keeps four terms: the benchmark of Carrasquilla et al., Nat. Mach. Intell. 1, 155
(2019) at N = 10 … 80.

Example:
    >>> from qgen.exact.povm import POVMS
    >>> from qgen.exact.product_sum import ghz_product_sum
    >>> state = ghz_product_sum(40, depolarizing=0.05)
    >>> outcomes = state.sample(POVMS["pauli4"], 3, seed=0)
    >>> tuple(outcomes.shape), bool((state.log_probabilities(outcomes, POVMS["pauli4"]) < 0).all())
    ((3, 40), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from qgen.errors import DataError, HilbertError
from qgen.exact.density import CHANNELS
from qgen.exact.povm import MAX_DENSE_SITES, PAULI_MATRICES, POVM
from qgen.validation import require_int

__all__ = ["ProductSum", "ghz_product_sum"]


@dataclass(frozen=True, eq=False)
class ProductSum:
    r""":math:`\rho = \sum_t c_t \otimes_k A_{t,k}`.

    Attributes:
        coefficients: complex128 ``(T,)``.
        factors: complex128 ``(T, N, 2, 2)``.
    """

    coefficients: np.ndarray
    factors: np.ndarray

    def __post_init__(self) -> None:
        factors = np.asarray(self.factors, dtype=np.complex128)
        coefficients = np.asarray(self.coefficients, dtype=np.complex128)
        if (
            factors.ndim != 4
            or factors.shape[2:] != (2, 2)
            or coefficients.shape != factors.shape[:1]
        ):
            raise HilbertError(
                f"expected coefficients (T,) and factors (T, N, 2, 2), got {coefficients.shape} "
                f"and {factors.shape}"
            )
        object.__setattr__(self, "factors", factors)
        object.__setattr__(self, "coefficients", coefficients)

    @property
    def n_sites(self) -> int:
        return int(self.factors.shape[1])

    def with_local_channel(self, channel: str, probability: float) -> ProductSum:
        """The state after the named local channel (:data:`qgen.exact.density.CHANNELS`) on
        every site."""
        kraus = np.asarray(CHANNELS[channel](probability))
        factors = np.einsum("rij,tnjk,rlk->tnil", kraus, self.factors, kraus.conj())
        return ProductSum(self.coefficients, factors)

    def density_matrix(self) -> np.ndarray:
        """The dense ``2^N × 2^N`` matrix (``N <= 12``)."""
        if self.n_sites > MAX_DENSE_SITES:
            raise HilbertError(
                f"expected N <= {MAX_DENSE_SITES} for a dense matrix, got {self.n_sites}"
            )
        total = np.zeros((1 << self.n_sites,) * 2, dtype=np.complex128)
        for coefficient, factors in zip(self.coefficients, self.factors, strict=True):
            term = np.ones((1, 1), dtype=np.complex128)
            for factor in factors:
                term = np.kron(term, factor)
            total += coefficient * term
        return total

    def pauli_expectation(self, pauli: str) -> float:
        r""":math:`\mathrm{Tr}(\rho\,\otimes_k\sigma_k) = \sum_t c_t\prod_k
        \mathrm{Tr}(\sigma_k A_{t,k})`, exactly; ``pauli`` is one letter I/X/Y/Z per site."""
        if len(pauli) != self.n_sites or set(pauli) - set(PAULI_MATRICES):
            raise DataError(
                f"pauli: expected {self.n_sites} letters from I, X, Y, Z, got {pauli!r:.80}"
            )
        operators = np.array([PAULI_MATRICES[letter] for letter in pauli])
        traces = np.einsum("nij,tnji->tn", operators, self.factors)
        return float((self.coefficients * traces.prod(axis=1)).sum().real)

    def _site_traces(self, povm: POVM) -> np.ndarray:
        """``(T, N, K)``: :math:`\\mathrm{Tr}(M_a A_{t,k})`."""
        return np.einsum("aij,tnji->tna", povm.elements, self.factors)

    def log_probabilities(self, outcomes: torch.Tensor, povm: POVM) -> torch.Tensor:
        """:math:`\\log P(\\mathbf a)` of each row of ``outcomes`` (float64), exactly."""
        values = torch.as_tensor(outcomes).long()
        if values.ndim != 2 or values.shape[1] != self.n_sites:
            raise DataError(
                f"outcomes: expected shape (n, {self.n_sites}), got {tuple(values.shape)}"
            )
        if bool((values < 0).any() or (values >= povm.size).any()):
            raise DataError(f"outcomes: expected values in [0, {povm.size - 1}] of {povm.name}")
        traces = torch.from_numpy(self._site_traces(povm))  # (T, N, K)
        coefficients = torch.from_numpy(self.coefficients)
        picked = traces[:, torch.arange(self.n_sites), values].permute(1, 0, 2)  # (B, T, N)
        # Products of N numbers below one: scale each site by its largest magnitude.
        scale = picked.abs().amax(dim=1, keepdim=True).clamp_min(1e-300)
        products = (picked / scale).prod(dim=-1)  # (B, T)
        value = (products * coefficients).sum(-1).real.clamp_min(1e-300)
        return value.log() + scale.squeeze(1).log().sum(-1)

    def sample(self, povm: POVM, n_samples: int, seed: int = 0) -> torch.Tensor:
        """``n_samples`` exact draws of product-POVM outcomes, site by site (int64
        ``(n_samples, N)``)."""
        n_samples = require_int(n_samples, "number of samples", minimum=1, error=HilbertError)
        generator = torch.Generator().manual_seed(seed)
        traces = torch.from_numpy(self._site_traces(povm))  # (T, N, K)
        whole = torch.from_numpy(np.einsum("tnii->tn", self.factors))  # Tr A_{t,k}
        # suffix[t, k] = prod_{j >= k} Tr A_{t,j}: the sites not yet drawn, summed out.
        suffix = torch.ones(len(self.coefficients), self.n_sites + 1, dtype=torch.complex128)
        for k in range(self.n_sites - 1, -1, -1):
            suffix[:, k] = suffix[:, k + 1] * whole[:, k]
        weights = torch.from_numpy(self.coefficients).expand(n_samples, -1).clone()  # (B, T)
        drawn = torch.empty(n_samples, self.n_sites, dtype=torch.int64)
        for k in range(self.n_sites):
            joint = torch.einsum("bt,ta,t->ba", weights, traces[:, k], suffix[:, k + 1]).real
            joint = joint.clamp_min(0.0)
            total = joint.sum(-1, keepdim=True)
            choice = torch.multinomial(joint / total, 1, generator=generator)[:, 0]
            drawn[:, k] = choice
            # Keep the running products of order one: divide by the conditional's norm.
            weights = weights * traces[:, k, choice].T / total
        return drawn


def ghz_product_sum(
    n_sites: int, *, depolarizing: float = 0.0, channels: Sequence[tuple[str, float]] = ()
) -> ProductSum:
    r"""GHZ :math:`(|0\cdots0\rangle + |1\cdots1\rangle)/\sqrt2` as four product terms, with
    local depolarizing noise of probability ``depolarizing`` (and any further named local
    ``channels``, applied in order) on every site."""
    n = require_int(n_sites, "number of sites", minimum=2, error=HilbertError)
    units = np.zeros((2, 2, 2, 2), dtype=np.complex128)  # units[a, b] = |a><b|
    for a in range(2):
        for b in range(2):
            units[a, b, a, b] = 1.0
    factors = np.array(
        [np.broadcast_to(units[a, b], (n, 2, 2)) for a in range(2) for b in range(2)]
    )
    state = ProductSum(np.full(4, 0.5, dtype=np.complex128), factors)
    if depolarizing:
        state = state.with_local_channel("depolarizing", depolarizing)
    for name, probability in channels:
        state = state.with_local_channel(name, probability)
    return state
