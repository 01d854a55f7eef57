r"""A restricted Boltzmann machine over binary visible and hidden units.

The joint distribution of visible units :math:`v \in \{0,1\}^N` and hidden units
:math:`h \in \{0,1\}^M` is

.. math:: p(v, h) = \frac{e^{-E(v, h)}}{Z}, \qquad
          E(v, h) = -a \cdot v - b \cdot h - h^\top W v,

with visible bias :math:`a`, hidden bias :math:`b` and weights :math:`W` of shape
``(M, N)``. Summing out the hidden units gives the free energy

.. math:: p(v) = \frac{e^{-F(v)}}{Z}, \qquad
          F(v) = -a \cdot v - \sum_{j=1}^{M} \operatorname{softplus}(b_j + W_j \cdot v),

and, since neither layer has connections within itself, both conditionals factorize:
:math:`p(h_j = 1 \mid v) = \sigma(b_j + W_j \cdot v)` and
:math:`p(v_i = 1 \mid h) = \sigma(a_i + W_{:,i} \cdot h)`, so that block Gibbs sampling
updates a whole layer at once.

References:
    Smolensky (1986); Hinton, *Training products of experts by minimizing contrastive
    divergence*, Neural Computation 14, 1771 (2002);
    Hinton, *A practical guide to training restricted Boltzmann machines* (2010).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional

from qgen.errors import ModelError
from qgen.validation import require_int

__all__ = ["MAX_ENUMERATED_UNITS", "BernoulliRBM"]

MAX_ENUMERATED_UNITS = 24
"""The largest layer :meth:`BernoulliRBM.exact_log_partition` sums over (2^24 states)."""

_CHUNK = 1 << 14  # states enumerated per tensor operation


def _check_count(value: object, name: str) -> int:
    return require_int(value, f"number of {name}", minimum=1, error=ModelError)


def _bits(start: int, stop: int, n: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Rows ``start … stop-1`` of the binary table of ``n`` bits (most significant first)."""
    indices = torch.arange(start, stop, device=device)
    shifts = torch.arange(n - 1, -1, -1, device=device)
    return ((indices[:, None] >> shifts) & 1).to(dtype)


class BernoulliRBM(nn.Module):
    r"""Binary-binary restricted Boltzmann machine, :math:`p(v) \propto e^{-F(v)}`.

    Args:
        n_visible: number of visible units :math:`N`.
        n_hidden: number of hidden units :math:`M`.
        dtype: floating dtype of the parameters.
        weight_std: the weights start from :math:`\mathcal N(0, \text{weight\_std}^2)`,
            the biases from zero (Hinton's practical guide suggests 0.01).
        generator: the random source of the initial weights.

    Parameters are ``visible_bias`` (N), ``hidden_bias`` (M) and ``weights`` (M, N).
    Visible inputs are tensors of shape ``(..., N)`` holding 0 and 1 (any dtype); they are
    checked, and anything else raises :class:`ModelError`.

    Example:
        >>> rbm = BernoulliRBM(4, 3, dtype=torch.float64)
        >>> v = torch.tensor([[0, 1, 1, 0]])
        >>> rbm.log_prob(v).exp().item() > 0
        True
        >>> samples = rbm.sample(5, torch.Generator().manual_seed(0), n_steps=10)
        >>> tuple(samples.shape)
        (5, 4)
    """

    def __init__(
        self,
        n_visible: int,
        n_hidden: int,
        dtype: torch.dtype = torch.float32,
        *,
        weight_std: float = 0.01,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.n_visible = _check_count(n_visible, "visible units")
        self.n_hidden = _check_count(n_hidden, "hidden units")
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise ModelError(f"expected a real floating dtype, got {dtype!r}")
        if (
            isinstance(weight_std, bool)
            or not isinstance(weight_std, int | float)
            or not math.isfinite(weight_std)
            or weight_std < 0
        ):
            raise ModelError(f"expected a finite weight_std ≥ 0, got {weight_std!r}")
        weights = torch.randn(n_hidden, n_visible, generator=generator, dtype=torch.float64)
        self.weights = nn.Parameter((weight_std * weights).to(dtype))
        self.visible_bias = nn.Parameter(torch.zeros(n_visible, dtype=dtype))
        self.hidden_bias = nn.Parameter(torch.zeros(n_hidden, dtype=dtype))

    @property
    def dtype(self) -> torch.dtype:
        return self.weights.dtype

    @property
    def device(self) -> torch.device:
        return self.weights.device

    def extra_repr(self) -> str:
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}, dtype={self.dtype}"

    # ------------------------------------------------------------------ checks
    def _visible(self, v: torch.Tensor) -> torch.Tensor:
        return self._layer(v, self.n_visible, "visible")

    def _layer(self, x: torch.Tensor, size: int, name: str) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise ModelError(f"expected {name} units as a torch.Tensor, got {type(x).__name__}")
        if x.dim() == 0 or x.shape[-1] != size:
            raise ModelError(
                f"expected {name} units of shape (..., {size}), got shape {tuple(x.shape)}"
            )
        if x.is_complex() or not bool(((x == 0) | (x == 1)).all()):
            bad = x[(x != 0) & (x != 1)] if not x.is_complex() else x.flatten()
            raise ModelError(
                f"expected binary {name} units (0 or 1), got values such as {bad[:3].tolist()}"
            )
        return x.to(device=self.device, dtype=self.dtype)

    # ------------------------------------------------------------------ energies
    def hidden_activations(self, v: torch.Tensor) -> torch.Tensor:
        r""":math:`\theta_j(v) = b_j + W_j \cdot v`, shape ``(..., M)``."""
        return functional.linear(self._visible(v), self.weights, self.hidden_bias)

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        r""":math:`F(v) = -a \cdot v - \sum_j \operatorname{softplus}(b_j + W_j \cdot v)`,
        shape ``(...)``; :math:`p(v) = e^{-F(v)}/Z`. Differentiable in the parameters."""
        v = self._visible(v)
        theta = functional.linear(v, self.weights, self.hidden_bias)
        return -(v @ self.visible_bias) - functional.softplus(theta).sum(-1)

    def hidden_probabilities(self, v: torch.Tensor) -> torch.Tensor:
        r""":math:`p(h_j = 1 \mid v) = \sigma(b_j + W_j \cdot v)`, shape ``(..., M)``."""
        return torch.sigmoid(self.hidden_activations(v))

    def visible_probabilities(self, h: torch.Tensor) -> torch.Tensor:
        r""":math:`p(v_i = 1 \mid h) = \sigma(a_i + \sum_j h_j W_{ji})`, shape ``(..., N)``."""
        h = self._layer(h, self.n_hidden, "hidden")
        return torch.sigmoid(h @ self.weights + self.visible_bias)

    # ------------------------------------------------------------------ sampling
    def gibbs_step(self, v: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""One block Gibbs step :math:`v \to h \sim p(h\mid v) \to v' \sim p(v\mid h)`.

        Returns the new visible units (model dtype, values 0/1), without gradient.
        """
        return self._gibbs(self._visible(v), generator)

    def _gibbs(self, v: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """:meth:`gibbs_step` on visible units already checked and cast."""
        with torch.no_grad():
            theta = functional.linear(v, self.weights, self.hidden_bias)
            h = torch.bernoulli(torch.sigmoid(theta), generator=generator)
            p_v = torch.sigmoid(h @ self.weights + self.visible_bias)
            return torch.bernoulli(p_v, generator=generator)

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        n_steps: int = 100,
        initial: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``n`` samples from ``n`` independent block Gibbs chains after ``n_steps`` steps.

        The chains start from ``initial`` (shape ``(n, N)``, binary) or, by default, from
        uniformly random bits; they run as one batched tensor on the model's device.
        Returns a tensor ``(n, N)`` of the model's dtype holding 0 and 1.
        """
        n = _check_count(n, "samples")
        require_int(n_steps, "number of Gibbs steps", minimum=0, error=ModelError)
        if initial is None:
            half = torch.full((n, self.n_visible), 0.5, dtype=self.dtype, device=self.device)
            v = torch.bernoulli(half, generator=generator)
        else:
            v = self._visible(initial)
            if v.shape != (n, self.n_visible):
                raise ModelError(
                    f"expected initial chains of shape ({n}, {self.n_visible}), "
                    f"got {tuple(initial.shape)}"
                )
        for _ in range(n_steps):
            v = self._gibbs(v, generator)
        return v.detach().clone() if n_steps == 0 else v

    # ------------------------------------------------------------------ exact
    def exact_log_partition(self) -> torch.Tensor:
        r""":math:`\log Z` by enumeration of the smaller layer, in float64.

        With the hidden layer the smaller one,

        .. math:: \log Z = \log \sum_{h} \exp\Big(b \cdot h
                  + \sum_i \operatorname{softplus}(a_i + W_{:,i} \cdot h)\Big),

        and with the visible layer the smaller one :math:`\log Z = \log \sum_v e^{-F(v)}`:
        :math:`2^{\min(N, M)}` terms, computed in chunks. Differentiable in the
        parameters. Refuses (:class:`ModelError`) layers above
        :data:`MAX_ENUMERATED_UNITS` units.
        """
        n = min(self.n_visible, self.n_hidden)
        if n > MAX_ENUMERATED_UNITS:
            raise ModelError(
                f"exact log Z enumerates 2^min(n_visible, n_hidden) states; expected "
                f"min(n_visible, n_hidden) ≤ {MAX_ENUMERATED_UNITS}, got "
                f"min({self.n_visible}, {self.n_hidden}) = {n}"
            )
        a = self.visible_bias.to(torch.float64)
        b = self.hidden_bias.to(torch.float64)
        w = self.weights.to(torch.float64)
        pieces = []
        for start in range(0, 1 << n, _CHUNK):
            states = _bits(start, min(start + _CHUNK, 1 << n), n, torch.float64, self.device)
            if self.n_hidden <= self.n_visible:
                log_weight = states @ b + functional.softplus(states @ w + a).sum(-1)
            else:
                log_weight = states @ a + functional.softplus(states @ w.T + b).sum(-1)
            pieces.append(torch.logsumexp(log_weight, 0))
        return torch.logsumexp(torch.stack(pieces), 0)

    def log_prob(self, v: torch.Tensor) -> torch.Tensor:
        r""":math:`\log p(v) = -F(v) - \log Z` (float64), with the exact :math:`\log Z`
        (:meth:`exact_log_partition`, so only for small models)."""
        v = self._visible(v)
        free = functional.linear(
            v.to(torch.float64),
            self.weights.to(torch.float64),
            self.hidden_bias.to(torch.float64),
        )
        minus_f = v.to(torch.float64) @ self.visible_bias.to(torch.float64) + functional.softplus(
            free
        ).sum(-1)
        return minus_f - self.exact_log_partition()
