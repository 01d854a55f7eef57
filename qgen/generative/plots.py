"""Plots of generative models (PNG, headless; matplotlib is imported lazily).

- :func:`density_plot`: the model's density as a heat map beside a histogram of the data.
- :func:`samples_plot`: model samples over data samples.
- :func:`decision_plot`: a GAN discriminator's decision field :math:`\\sigma(D(x))` with
  real and generated samples on top, as GAN Lab shows it.
- :func:`latent_plot`: codes of an (variational) autoencoder, coloured by a quantity.
- :func:`ising_histograms`: energy per site and magnetization of samples against data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from qgen.plotting import new_figure, save_figure

__all__ = ["decision_plot", "density_plot", "ising_histograms", "latent_plot", "samples_plot"]

Extent = tuple[float, float, float, float]


def _extent(data: torch.Tensor, margin: float = 0.5) -> Extent:
    low = data.min(dim=0).values - margin
    high = data.max(dim=0).values + margin
    return float(low[0]), float(high[0]), float(low[1]), float(high[1])


def _grid(extent: Extent, resolution: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    xs = torch.linspace(extent[0], extent[1], resolution, dtype=torch.float64)
    ys = torch.linspace(extent[2], extent[3], resolution, dtype=torch.float64)
    xx, yy = torch.meshgrid(xs, ys, indexing="xy")
    return xx, yy, torch.stack([xx.flatten(), yy.flatten()], dim=1)


@torch.no_grad()
def density_plot(
    path: str | Path,
    log_prob: Callable[[torch.Tensor], torch.Tensor],
    data: torch.Tensor,
    title: str = "model density",
    resolution: int = 200,
) -> None:
    """The density :math:`e^{\\log p(x)}` on a grid beside a 2D histogram of ``data``."""
    data = data.detach().cpu().to(torch.float64)
    extent = _extent(data)
    xx, _, points = _grid(extent, resolution)
    density = torch.cat([log_prob(points[i : i + 8192]).exp() for i in range(0, len(points), 8192)])
    figure, (left, right) = new_figure(2, width=4.2, height=4.0)
    left.imshow(
        density.reshape(xx.shape).nan_to_num(0.0).numpy(),
        origin="lower",
        extent=extent,
        cmap="viridis",
        aspect="auto",
    )
    left.set_title(title)
    right.hist2d(
        data[:, 0].numpy(),
        data[:, 1].numpy(),
        bins=resolution // 2,
        range=[extent[:2], extent[2:]],
        cmap="viridis",
    )
    right.set_title("data")
    save_figure(figure, path)


def samples_plot(
    path: str | Path, samples: torch.Tensor, data: torch.Tensor, title: str = "samples"
) -> None:
    """Model samples (orange) over data (blue), equal axes."""
    figure, axis = new_figure(1, width=4.5, height=4.5)
    data = data.detach().cpu()
    samples = samples.detach().cpu()
    axis.scatter(data[:, 0], data[:, 1], s=2, alpha=0.3, label="data", color="tab:blue")
    axis.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.3, label="model", color="tab:orange")
    axis.set_aspect("equal")
    axis.set_title(title)
    axis.legend(frameon=False, markerscale=4)
    save_figure(figure, path)


@torch.no_grad()
def decision_plot(
    path: str | Path,
    discriminator: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    resolution: int = 150,
) -> None:
    """:math:`\\sigma(D(x))` as a field (red: judged real), real (green) and generated
    (purple) samples on top."""
    real, fake = real.detach().cpu(), fake.detach().cpu()
    extent = _extent(torch.cat([real, fake]).to(torch.float64))
    xx, _, points = _grid(extent, resolution)
    parameter = next(iter(discriminator.parameters()))  # type: ignore[attr-defined]
    field = torch.sigmoid(discriminator(points.to(parameter.dtype))).reshape(xx.shape)
    figure, axis = new_figure(1, width=5.0, height=4.5)
    image = axis.imshow(
        field.numpy(), origin="lower", extent=extent, cmap="RdBu_r", vmin=0, vmax=1, aspect="auto"
    )
    figure.colorbar(image, ax=axis, label="σ(D(x))")
    axis.scatter(real[:, 0], real[:, 1], s=3, color="tab:green", label="real", alpha=0.5)
    axis.scatter(fake[:, 0], fake[:, 1], s=3, color="tab:purple", label="generated", alpha=0.5)
    axis.legend(frameon=False, markerscale=4, loc="upper right")
    axis.set_title("discriminator decision field")
    save_figure(figure, path)


def latent_plot(path: str | Path, codes: torch.Tensor, color: torch.Tensor, label: str) -> None:
    """Codes in the plane of their two most varying latent coordinates (the active units;
    collapsed ones carry no information), coloured by ``color`` (named ``label``)."""
    codes, color = codes.detach().cpu().to(torch.float64), color.detach().cpu()
    if codes.shape[1] == 1:
        codes = torch.cat([codes, torch.zeros_like(codes)], dim=1)
    first, second = (int(i) for i in codes.var(dim=0).argsort(descending=True)[:2])
    figure, axis = new_figure(1, width=5.0, height=4.5)
    points = axis.scatter(codes[:, first], codes[:, second], c=color, s=3, cmap="coolwarm")
    figure.colorbar(points, ax=axis, label=label)
    axis.set_xlabel(f"z[{first}]")
    axis.set_ylabel(f"z[{second}]")
    axis.set_title("latent space (two most varying coordinates)")
    save_figure(figure, path)


def ising_histograms(
    path: str | Path,
    data: dict[str, torch.Tensor],
    samples: dict[str, torch.Tensor],
    temperature: float,
) -> None:
    """Histograms of energy per site and magnetization, data against model samples;
    ``data`` and ``samples`` map ``"energy"`` and ``"magnetization"`` to 1D tensors."""
    figure, axes = new_figure(2, width=4.2, height=3.4)
    for axis, key, xlabel in zip(axes, ("energy", "magnetization"), ("E / N", "m"), strict=True):
        values = torch.cat([data[key], samples[key]])
        bins = torch.linspace(float(values.min()), float(values.max()) + 1e-9, 41).numpy()
        axis.hist(data[key].numpy(), bins=bins, density=True, alpha=0.5, label="data")
        axis.hist(samples[key].numpy(), bins=bins, density=True, alpha=0.5, label="model")
        axis.set_xlabel(xlabel)
        axis.legend(frameon=False)
    axes[0].set_title(f"T = {temperature:g}")
    save_figure(figure, path)
