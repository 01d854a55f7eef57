"""Two-dimensional toy densities with seeded sampling and, where known, the exact density.

Each density samples with an explicit :class:`torch.Generator` and, where it can, evaluates
its exact log-density and differential entropy

.. math:: H[p] = -\\int p(x) \\log p(x) \\, d^2x \\quad \\text{(nats)},

so that the held-out negative log-likelihood of a trained model, which is at least
:math:`H[p]` (the gap is the KL divergence), can be held against truth.

- ``ring``: angle uniform, radius :math:`r \\sim \\mathcal N(R, \\sigma^2)`;
  :math:`p(x) = \\mathcal N(|x|; R, \\sigma^2) / (2\\pi |x|)`.
- ``rings``: the same with several radii (concentric rings), weights proportional to radius.
- ``gaussians``: eight isotropic Gaussians of width σ on a circle of radius R.
- ``moons``: two half circles blurred by Gaussian noise; the density is a line integral
  evaluated by Gauss–Legendre quadrature, the entropy a Monte Carlo estimate.

Radial densities put a mass of :math:`\\Phi(-R/\\sigma)` below :math:`r = 0`; the
constructors require :math:`R \\ge 6\\sigma` (mass below :math:`10^{-9}`) and
sampling redraws the rare negative radius, so the density is the truncated one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from qgen.datasets.base import check_samples
from qgen.errors import DataError
from qgen.registry import Registry
from qgen.validation import require_int

__all__ = [
    "TOY_DENSITIES",
    "EightGaussians",
    "EntropyEstimate",
    "RadialMixture",
    "ToyDensity",
    "TwoMoons",
    "concentric_rings",
    "ring",
    "toy_density",
]

_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class EntropyEstimate:
    """A differential entropy in nats, with its numerical error and how it was obtained."""

    value: float
    error: float
    method: str


class ToyDensity:
    """A density on the plane: ``sample`` always, ``log_prob`` and ``entropy`` where known."""

    name = "toy"

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> torch.Tensor:
        """``n`` independent samples, shape ``(n, 2)``, drawn with ``generator``."""
        require_int(n, "number of samples", minimum=1, error=DataError)
        return self._sample(n, generator).to(dtype)

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        raise NotImplementedError

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """The exact log-density at ``x`` (shape ``(n, 2)``), in float64."""
        raise NotImplementedError(f"{self.name}: no closed-form density")

    def entropy(self) -> EntropyEstimate:
        """The differential entropy in nats."""
        raise NotImplementedError(f"{self.name}: entropy not known")


def _normal_log_pdf(x: np.ndarray, mean: float, width: float) -> np.ndarray:
    return -0.5 * ((x - mean) / width) ** 2 - math.log(width) - 0.5 * _LOG_2PI


class RadialMixture(ToyDensity):
    """Concentric rings: the radius follows :math:`\\sum_k w_k \\mathcal N(R_k, \\sigma^2)`.

    The radial density is :math:`q(r) = \\sum_k w_k \\mathcal N(r; R_k, \\sigma^2)` and the
    planar density :math:`p(x) = q(|x|) / (2\\pi|x|)`; the entropy
    :math:`H = -\\int_0^\\infty q(r) \\log[q(r)/(2\\pi r)]\\, dr` is a one-dimensional
    integral, evaluated by adaptive quadrature (:func:`scipy.integrate.quad`).

    >>> density = ring(radius=2.0, width=0.25)
    >>> round(density.entropy().value, 4)  # log 2π + E[log r] + log(σ √(2πe))
    2.5557
    """

    def __init__(
        self, radii: tuple[float, ...], width: float, weights: tuple[float, ...] | None = None
    ) -> None:
        if not radii or width <= 0 or min(radii) < 6.0 * width:
            raise DataError(f"expected radii ≥ 6 × width > 0, got radii {radii} and width {width}")
        weights = tuple(float(r) for r in radii) if weights is None else weights
        if len(weights) != len(radii) or min(weights) <= 0:
            raise DataError(f"expected {len(radii)} positive weights, got {weights}")
        total = sum(weights)
        self.radii = tuple(float(r) for r in radii)
        self.weights = tuple(w / total for w in weights)
        self.width = float(width)
        self.name = "ring" if len(radii) == 1 else "rings"

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        weights = torch.tensor(self.weights, dtype=torch.float64)
        component = torch.multinomial(weights, n, replacement=True, generator=generator)
        radius = torch.tensor(self.radii, dtype=torch.float64)[component]
        r = radius + self.width * torch.randn(n, dtype=torch.float64, generator=generator)
        while bool((r <= 0).any()):  # practically never: mass below zero is < 1e-9
            bad = r <= 0
            noise = torch.randn(int(bad.sum()), dtype=torch.float64, generator=generator)
            r[bad] = radius[bad] + self.width * noise
        angle = 2.0 * math.pi * torch.rand(n, dtype=torch.float64, generator=generator)
        return torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)

    def _log_radial(self, r: np.ndarray) -> np.ndarray:
        terms = [
            math.log(w) + _normal_log_pdf(r, radius, self.width)
            for w, radius in zip(self.weights, self.radii, strict=True)
        ]
        return np.logaddexp.reduce(np.stack(terms), axis=0)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        x = check_samples(x, dim=2, name=f"{self.name} log_prob input")
        r = torch.linalg.vector_norm(x.detach().to(torch.float64), dim=1).cpu().numpy()
        with np.errstate(divide="ignore"):
            values = self._log_radial(r) - _LOG_2PI - np.log(r)
        return torch.from_numpy(values).to(x.device)

    def entropy(self) -> EntropyEstimate:
        from scipy.integrate import quad

        def integrand(r: float) -> float:
            log_q = float(self._log_radial(np.array([r]))[0])
            return -math.exp(log_q) * (log_q - _LOG_2PI - math.log(r))

        # The radii may come in any order: integrate from below the smallest to above the
        # largest, with break points at every radius.
        lo = max(1e-12, min(self.radii) - 12 * self.width)
        hi = max(self.radii) + 12 * self.width
        points = sorted(self.radii)
        value, error = quad(integrand, lo, hi, points=points, limit=400, epsabs=1e-13, epsrel=1e-13)
        return EntropyEstimate(float(value), float(error), "adaptive quadrature in r (QUADPACK)")


def ring(radius: float = 2.0, width: float = 0.25) -> RadialMixture:
    """One ring of radius ``radius`` and Gaussian radial width ``width``."""
    return RadialMixture((radius,), width)


def concentric_rings(
    radii: tuple[float, ...] = (1.5, 3.0, 4.5), width: float = 0.2
) -> RadialMixture:
    """Concentric rings, each weighted by its radius (uniform density along the curves)."""
    return RadialMixture(radii, width)


class EightGaussians(ToyDensity):
    """Eight Gaussians of width σ centred at :math:`R(\\cos 2\\pi k/8, \\sin 2\\pi k/8)`.

    The mixture entropy has no closed form; it is integrated in polar coordinates, with the
    trapezoidal rule in the angle (exponentially accurate for a periodic integrand) and
    Gauss–Legendre in the radius; ``error`` is the change when both node counts double.

    >>> estimate = EightGaussians(radius=2.0, width=0.25).entropy()
    >>> abs(estimate.value - (math.log(8) + 1 + math.log(2 * math.pi * 0.25**2))) < 0.01
    True
    """

    name = "gaussians"

    def __init__(self, radius: float = 2.0, width: float = 0.25) -> None:
        if radius <= 0 or width <= 0:
            raise DataError(f"expected positive radius and width, got {radius} and {width}")
        self.radius = float(radius)
        self.width = float(width)
        angles = 2.0 * math.pi * torch.arange(8, dtype=torch.float64) / 8
        self.centers = self.radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
        self._entropy: EntropyEstimate | None = None

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        component = torch.randint(0, 8, (n,), generator=generator)
        noise = torch.randn(n, 2, dtype=torch.float64, generator=generator)
        return self.centers[component] + self.width * noise

    def _log_prob_numpy(self, x: np.ndarray) -> np.ndarray:
        centers = self.centers.numpy()
        squared = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
        log_terms = -0.5 * squared / self.width**2 - _LOG_2PI - 2 * math.log(self.width)
        return np.logaddexp.reduce(log_terms, axis=1) - math.log(8)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        x = check_samples(x, dim=2, name="gaussians log_prob input")
        values = self._log_prob_numpy(x.detach().to(torch.float64).cpu().numpy())
        return torch.from_numpy(values).to(x.device)

    def _polar_entropy(self, n_angle: int, n_radius: int) -> float:
        top = self.radius + 14 * self.width
        nodes, weights = np.polynomial.legendre.leggauss(n_radius)
        r = 0.5 * top * (nodes + 1)
        w_r = 0.5 * top * weights
        theta = 2 * math.pi * np.arange(n_angle) / n_angle
        total = 0.0
        for start in range(0, n_radius, 64):
            rr = r[start : start + 64, None]
            points = np.stack([rr * np.cos(theta), rr * np.sin(theta)], axis=-1).reshape(-1, 2)
            log_p = self._log_prob_numpy(points).reshape(-1, n_angle)
            inner = (-np.exp(log_p) * log_p).sum(axis=1) * (2 * math.pi / n_angle)
            total += float((w_r[start : start + 64] * r[start : start + 64] * inner).sum())
        return total

    def entropy(self) -> EntropyEstimate:
        if self._entropy is None:  # computed once per instance
            coarse = self._polar_entropy(384, 160)
            fine = self._polar_entropy(768, 320)
            method = "polar quadrature: trapezoid in angle, Gauss–Legendre in r"
            self._entropy = EntropyEstimate(fine, abs(fine - coarse), method)
        return self._entropy


class TwoMoons(ToyDensity):
    """Two interleaved half circles, :math:`(\\cos t, \\sin t)` and
    :math:`(1 - \\cos t, \\tfrac12 - \\sin t)` with :math:`t \\sim U[0, \\pi]`, plus
    Gaussian noise of width σ.

    :math:`p(x) = \\tfrac12 \\sum_{m} \\tfrac1\\pi
    \\int_0^\\pi \\mathcal N(x; c_m(t), \\sigma^2 I)\\,dt` is evaluated with
    Gauss–Legendre quadrature in :math:`t`; the entropy is a Monte Carlo average
    of :math:`-\\log p` whose ``error`` is one standard error.
    """

    name = "moons"

    def __init__(self, noise: float = 0.1, n_nodes: int = 256) -> None:
        if noise <= 0:
            raise DataError(f"expected a positive noise width, got {noise}")
        self.noise = float(noise)
        nodes, weights = np.polynomial.legendre.leggauss(n_nodes)
        self._t = 0.5 * math.pi * (nodes + 1)
        self._log_w = np.log(0.5 * weights)  # the 1/π of the average cancels the π/2 of dt

    def _curves(self, t: np.ndarray, moon: int) -> tuple[np.ndarray, np.ndarray]:
        if moon == 0:
            return np.cos(t), np.sin(t)
        return 1.0 - np.cos(t), 0.5 - np.sin(t)

    def _sample(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        moon = torch.randint(0, 2, (n,), generator=generator)
        t = math.pi * torch.rand(n, dtype=torch.float64, generator=generator)
        first = torch.stack([torch.cos(t), torch.sin(t)], dim=1)
        second = torch.stack([1.0 - torch.cos(t), 0.5 - torch.sin(t)], dim=1)
        centers = torch.where(moon[:, None] == 0, first, second)
        return centers + self.noise * torch.randn(n, 2, dtype=torch.float64, generator=generator)

    def _log_prob_numpy(self, x: np.ndarray) -> np.ndarray:
        parts = []
        for moon in (0, 1):
            cx, cy = self._curves(self._t, moon)
            squared = (x[:, 0:1] - cx[None, :]) ** 2 + (x[:, 1:2] - cy[None, :]) ** 2
            log_terms = self._log_w[None, :] - 0.5 * squared / self.noise**2
            parts.append(np.logaddexp.reduce(log_terms, axis=1))
        log_gauss_norm = -_LOG_2PI - 2 * math.log(self.noise)
        return np.logaddexp(parts[0], parts[1]) - math.log(2) + log_gauss_norm

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        x = check_samples(x, dim=2, name="moons log_prob input")
        points = x.detach().to(torch.float64).cpu().numpy()
        values = np.concatenate(
            [self._log_prob_numpy(points[i : i + 4096]) for i in range(0, len(points), 4096)]
        )
        return torch.from_numpy(values).to(x.device)

    def entropy(self, n: int = 50_000, seed: int = 0) -> EntropyEstimate:
        generator = torch.Generator().manual_seed(seed)
        log_p = self.log_prob(self.sample(n, generator, dtype=torch.float64))
        error = float(log_p.std()) / math.sqrt(n)
        return EntropyEstimate(float(-log_p.mean()), error, f"Monte Carlo, {n} samples, 1 s.e.")


TOY_DENSITIES: Registry[Callable[[], ToyDensity]] = Registry("dataset")
"""The 2D toy densities by name: a builder of the density with its default parameters.
Register your own with ``TOY_DENSITIES.register(name, builder)``; ``qgen generative
--dataset`` then knows it."""
TOY_DENSITIES.register("ring", ring)
TOY_DENSITIES.register("rings", concentric_rings)
TOY_DENSITIES.register("moons", TwoMoons)
TOY_DENSITIES.register("gaussians", EightGaussians)


def toy_density(name: str) -> ToyDensity:
    """The toy density called ``name`` (one of :data:`TOY_DENSITIES`), default parameters.

    >>> toy_density("moons").name
    'moons'
    """
    if name not in TOY_DENSITIES:
        raise DataError(f"dataset: expected one of {', '.join(TOY_DENSITIES)}, got {name!r}")
    return TOY_DENSITIES[name]()
