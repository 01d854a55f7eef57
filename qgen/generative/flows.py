"""Normalizing flows: invertible maps with tractable Jacobians, trained by exact likelihood.

A flow maps data :math:`x` to a latent :math:`z = f(x)` with a simple base density
(standard normal); the change of variables gives

.. math:: \\log p(x) = \\log \\mathcal N(f(x); 0, I)
          + \\log \\left|\\det \\frac{\\partial f}{\\partial x}\\right|,

and sampling runs the inverse, :math:`x = f^{-1}(z)`, :math:`z \\sim \\mathcal N(0, I)`.
:math:`f` is a composition of :class:`Bijection` s, each returning its log-determinant.

- :class:`AffineCoupling` (RealNVP): features split by a binary mask;
  :math:`x_2 = z_2 \\odot e^{s(z_1)} + t(z_1)`, a triangular Jacobian with
  :math:`\\log|\\det| = \\sum s` (Dinh, Sohl-Dickstein & Bengio, ICLR 2017).
- :class:`MaskedAutoregressiveAffine` (MAF): :math:`x_i = z_i e^{\\alpha_i} + \\mu_i`
  with :math:`(\\mu_i, \\alpha_i)` functions of :math:`x_{<i}` given by a MADE; density
  evaluation is one pass, sampling D passes (Papamakarios, Pavlakou & Murray, NeurIPS 2017).

:class:`Flow` speaks the :mod:`torch.distributions` interface: ``flow()`` returns a
:class:`FlowDistribution` with ``log_prob``, ``sample`` and ``rsample``, as zuko does.
"""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import nn

from qgen.datasets.base import check_samples
from qgen.errors import ConfigError
from qgen.generative.networks import mlp
from qgen.models.masked import MaskedNetwork

__all__ = [
    "MAF",
    "Affine",
    "AffineCoupling",
    "Bijection",
    "Flow",
    "FlowDistribution",
    "MaskedAutoregressiveAffine",
    "Permutation",
    "RealNVP",
]

_SCALE_BOUND = 5.0


def _bounded(raw: torch.Tensor) -> torch.Tensor:
    """Soft clamp :math:`c \\tanh(s/c)`, c = 5: scales stay within :math:`e^{\\pm 5}`."""
    return _SCALE_BOUND * torch.tanh(raw / _SCALE_BOUND)


class Bijection(nn.Module):
    """An invertible map :math:`z = f(x)`; ``forward`` also returns
    :math:`\\log|\\det \\partial f/\\partial x|` per sample."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        """:math:`x = f^{-1}(z)`."""
        raise NotImplementedError


class AffineCoupling(Bijection):
    """RealNVP affine coupling: features where ``mask`` is true pass unchanged and
    condition the others, :math:`z_2 = (x_2 - t(x_1)) e^{-s(x_1)}`,
    :math:`\\log|\\det| = -\\sum s(x_1)`.

    References: Dinh, Sohl-Dickstein & Bengio, "Density estimation using Real NVP", 2017.
    """

    mask: torch.Tensor

    def __init__(self, mask: torch.Tensor, hidden: int = 64, layers: int = 2) -> None:
        super().__init__()
        mask = torch.as_tensor(mask, dtype=torch.bool)
        if mask.dim() != 1 or bool(mask.all()) or not bool(mask.any()):
            raise ConfigError(f"coupling mask: expected a 1D mask with both values, got {mask}")
        self.register_buffer("mask", mask)
        features = mask.numel()
        self.conditioner = mlp(features, 2 * features, hidden, layers)

    def _shift_and_log_scale(self, kept: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        shift, raw = self.conditioner(kept).chunk(2, dim=-1)
        free = ~self.mask
        return shift * free, _bounded(raw) * free

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        kept = x * self.mask
        shift, log_scale = self._shift_and_log_scale(kept)
        z = kept + (x - shift) * torch.exp(-log_scale) * ~self.mask
        return z, -log_scale.sum(dim=-1)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        kept = z * self.mask
        shift, log_scale = self._shift_and_log_scale(kept)
        return kept + (z * torch.exp(log_scale) + shift) * ~self.mask


class MaskedAutoregressiveAffine(Bijection):
    """MAF layer: :math:`z_i = (x_i - \\mu_i(x_{<i})) e^{-\\alpha_i(x_{<i})}`,
    :math:`\\log|\\det| = -\\sum_i \\alpha_i`; the inverse runs feature by feature.

    References: Papamakarios, Pavlakou & Murray, "Masked Autoregressive Flow for Density
    Estimation", NeurIPS 2017; the conditioner is MADE's masked network
    (:class:`~qgen.models.masked.MaskedNetwork`), the one the MADE wave function uses.
    """

    def __init__(self, features: int, hidden: int = 64, layers: int = 2) -> None:
        super().__init__()
        if features < 2 or hidden < 1 or layers < 1:
            raise ConfigError(
                "MAF: expected features ≥ 2 and positive hidden and layers; got "
                f"features={features}, hidden={hidden}, layers={layers}"
            )
        self.made = MaskedNetwork(torch.arange(1, features + 1), hidden, layers, outputs=2)

    def _shift_and_log_scale(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.made(x).reshape(x.shape[0], x.shape[-1], 2)
        return out[..., 0], _bounded(out[..., 1])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        shift, log_scale = self._shift_and_log_scale(x)
        return (x - shift) * torch.exp(-log_scale), -log_scale.sum(dim=-1)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        x = torch.zeros_like(z)
        for i in range(z.shape[-1]):
            shift, log_scale = self._shift_and_log_scale(x)
            x = x.clone()
            x[:, i] = z[:, i] * torch.exp(log_scale[:, i]) + shift[:, i]
        return x


class Affine(Bijection):
    """Elementwise :math:`z = (x - m) e^{-\\ell}` with fixed buffers; :math:`\\log|\\det|
    = -\\sum \\ell`. :meth:`standardizing` fits it to data (mean and standard deviation),
    so that the layers after it see data of unit scale whatever the dataset's units."""

    shift: torch.Tensor
    log_scale: torch.Tensor

    def __init__(self, shift: torch.Tensor, log_scale: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("shift", torch.as_tensor(shift).clone())
        self.register_buffer("log_scale", torch.as_tensor(log_scale).clone())

    @classmethod
    def standardizing(cls, data: torch.Tensor) -> Affine:
        """The map that gives ``data`` zero mean and unit standard deviation per feature."""
        data = check_samples(data, name="standardization data")
        std = data.std(dim=0) if data.shape[0] > 1 else torch.ones(data.shape[1])
        return cls(data.mean(dim=0), torch.log(std.clamp_min(1e-8)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = (x - self.shift) * torch.exp(-self.log_scale)
        return z, (-self.log_scale.sum()).expand(x.shape[0])

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z * torch.exp(self.log_scale) + self.shift


class Permutation(Bijection):
    """:math:`z = x_{\\pi}`, volume preserving (log-determinant 0)."""

    order: torch.Tensor
    inverse_order: torch.Tensor

    def __init__(self, order: torch.Tensor) -> None:
        super().__init__()
        order = torch.as_tensor(order, dtype=torch.int64)
        if not torch.equal(order.sort().values, torch.arange(order.numel())):
            raise ConfigError(f"expected a permutation of 0..{order.numel() - 1}, got {order}")
        self.register_buffer("order", order)
        self.register_buffer("inverse_order", torch.argsort(order))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x[:, self.order], x.new_zeros(x.shape[0])

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z[:, self.inverse_order]


class Flow(nn.Module):
    """A normalizing flow: bijections :math:`f = f_K \\circ \\dots \\circ f_1` over a
    standard normal base in ``features`` dimensions.

    >>> flow = RealNVP(2, transforms=2, hidden=8)
    >>> x = flow.sample(5, generator=torch.Generator().manual_seed(0))
    >>> flow.log_prob(x).shape
    torch.Size([5])
    >>> distribution = flow()  # a torch.distributions.Distribution
    >>> distribution.event_shape
    torch.Size([2])
    """

    def __init__(self, transforms: list[Bijection], features: int) -> None:
        super().__init__()
        self.transforms = nn.ModuleList(transforms)
        self.features = features

    def forward(self) -> FlowDistribution:
        """The flow as a :class:`torch.distributions.Distribution`."""
        return FlowDistribution(self)

    def transform(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:math:`z = f(x)` and :math:`\\log|\\det \\partial f / \\partial x|` per sample."""
        log_det = x.new_zeros(x.shape[0])
        for bijection in self.transforms:
            x, ladj = bijection(x)
            log_det = log_det + ladj
        return x, log_det

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        """:math:`x = f^{-1}(z)`, exact up to rounding."""
        for bijection in reversed(list(self.transforms)):
            z = cast(Bijection, bijection).inverse(z)
        return z

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`\\log p(x)` per sample, shape ``(batch,)``."""
        x = check_samples(x, self.features, name="flow input")
        z, log_det = self.transform(x)
        base = -0.5 * (z**2).sum(dim=-1) - 0.5 * self.features * math.log(2 * math.pi)
        return base + log_det

    def rsample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` samples, differentiable with respect to the parameters."""
        parameter = next(self.parameters())
        z = torch.randn(
            n, self.features, generator=generator, dtype=parameter.dtype, device=parameter.device
        )
        return self.inverse(z)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` samples, shape ``(n, features)``, drawn with ``generator``."""
        return self.rsample(n, generator)


class FlowDistribution(torch.distributions.Distribution):
    """A :class:`Flow` seen through :class:`torch.distributions.Distribution`."""

    arg_constraints: dict = {}  # noqa: RUF012
    has_rsample = True

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        super().__init__(event_shape=torch.Size([flow.features]), validate_args=False)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        shape = value.shape[:-1]
        return self.flow.log_prob(value.reshape(-1, self.flow.features)).reshape(shape)

    def rsample(self, sample_shape: torch.Size | list[int] | tuple[int, ...] = ()) -> torch.Tensor:
        shape = torch.Size(sample_shape)
        x = self.flow.rsample(max(1, shape.numel()))
        return x.reshape(*shape, self.flow.features)


def _check_sizes(features: int, transforms: int, hidden: int, layers: int) -> None:
    if features < 2 or transforms < 1 or hidden < 1 or layers < 1:
        raise ConfigError(
            "flows: expected features ≥ 2 and positive transforms, hidden, layers; got "
            f"features={features}, transforms={transforms}, hidden={hidden}, layers={layers}"
        )


def RealNVP(features: int, transforms: int = 8, hidden: int = 64, layers: int = 2) -> Flow:
    """RealNVP: ``transforms`` affine couplings with alternating checkerboard masks.

    References: Dinh, Sohl-Dickstein & Bengio, ICLR 2017.
    """
    _check_sizes(features, transforms, hidden, layers)
    parity = torch.arange(features) % 2
    couplings: list[Bijection] = [
        AffineCoupling(parity == k % 2, hidden, layers) for k in range(transforms)
    ]
    return Flow(couplings, features)


def MAF(features: int, transforms: int = 5, hidden: int = 64, layers: int = 2) -> Flow:
    """Masked autoregressive flow: MADE-conditioned affine layers, the order reversed
    between layers.

    References: Papamakarios, Pavlakou & Murray, NeurIPS 2017.
    """
    _check_sizes(features, transforms, hidden, layers)
    reverse = torch.arange(features - 1, -1, -1)
    bijections: list[Bijection] = []
    for k in range(transforms):
        if k:
            bijections.append(Permutation(reverse))
        bijections.append(MaskedAutoregressiveAffine(features, hidden, layers))
    return Flow(bijections, features)
