"""One generative experiment end to end: data, model, training, held-out figures, plots.

:func:`run_experiment` is what ``qgen generative`` runs and what the benchmarks call:
it splits seeded samples of a dataset into training, validation (early stopping) and
test sets, trains with :func:`~qgen.generative.training.fit`, and reports on the test
set only.
"""

from __future__ import annotations

import io
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from qgen.datasets.ising import (
    configs_from_spins,
    energy_per_site,
    lattice_shape,
    magnetization,
    sample_ising,
    spins_from_configs,
)
from qgen.datasets.toy2d import TOY_DENSITIES, EightGaussians, ToyDensity, toy_density
from qgen.errors import ConfigError, DataError
from qgen.estimators.statistics import mean_and_error
from qgen.generative.autoencoders import (
    RECONSTRUCTION_ERRORS,
    Autoencoder,
    VariationalAutoencoder,
)
from qgen.generative.flows import MAF, Affine, RealNVP
from qgen.generative.gan import GAN, LOSSES
from qgen.generative.metrics import energy_distance, energy_distance_baseline, mode_coverage
from qgen.generative.splines import NeuralSplineFlow
from qgen.generative.training import GANTrainer, GenerativeTrainer, LikelihoodTrainer
from qgen.runs import RunDirectory, atomic_write_bytes
from qgen.validation import require_int

__all__ = [
    "DATASETS",
    "FLOWS",
    "ISING_CHAINS",
    "MODELS",
    "Experiment",
    "held_out_chains",
    "run_experiment",
    "split_data",
]

MODELS = ("flow", "gan", "vae", "ae")
FLOWS = ("realnvp", "maf", "spline")
DATASETS = (*TOY_DENSITIES, "ising")
ISING_CHAINS = 512
"""Independent Markov chains behind the Ising data; sample k comes from chain k mod 512."""


@dataclass
class Experiment:
    """Everything that defines a run (written to ``config.toml``)."""

    model: str = "flow"
    dataset: str = "moons"
    size: str = "16x16"
    temperature: float = 2.5
    samples: int = 20_000
    epochs: int = 100
    batch_size: int = 256
    learning_rate: float | None = None
    patience: int = 20
    seed: int = 0
    flow: str = "spline"
    transforms: int | None = None
    hidden: int = 128
    latent: int | None = None
    gan_loss: str = "nonsaturating"
    cosine: bool = False

    def check(self) -> None:
        """Refuse unknown names and impossible combinations, naming what is allowed."""
        if self.model not in MODELS:
            raise ConfigError(f"unknown model {self.model!r}; expected one of {MODELS}")
        if self.dataset not in DATASETS:
            raise DataError(f"unknown dataset {self.dataset!r}; expected one of {DATASETS}")
        if self.flow not in FLOWS:
            raise ConfigError(f"unknown flow {self.flow!r}; expected one of {FLOWS}")
        if self.gan_loss not in LOSSES:
            raise ConfigError(f"unknown GAN loss {self.gan_loss!r}; expected one of {LOSSES}")
        if self.model == "flow" and self.dataset == "ising":
            raise ConfigError(
                "a flow needs continuous data, got the binary ising dataset; use vae, ae or gan"
            )
        if self.samples < 10:
            raise DataError(f"expected at least 10 training samples, got {self.samples}")
        require_int(self.epochs, "epochs", minimum=1)
        require_int(self.batch_size, "batch_size", minimum=1)
        require_int(self.patience, "patience", minimum=1)

    @property
    def is_ising(self) -> bool:
        return self.dataset == "ising"


def _held_out_size(experiment: Experiment) -> int:
    return max(1000, experiment.samples // 4)


def split_data(experiment: Experiment) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training, validation and test sets (spins as ±1 floats for ising), seeded by
    ``experiment.seed``: the same experiment always sees the same data.

    Ising data come from :data:`ISING_CHAINS` chains, sample k of the whole draw from
    chain k mod :data:`ISING_CHAINS` (see :func:`~qgen.datasets.ising.sample_ising`);
    :func:`held_out_chains` labels the test set by chain."""
    n_held = _held_out_size(experiment)
    total = experiment.samples + 2 * n_held
    if experiment.is_ising:
        spins = sample_ising(
            experiment.size,
            experiment.temperature,
            total,
            n_chains=min(total, ISING_CHAINS),
            seed=experiment.seed + 7919,
        )
        data = spins.reshape(total, -1).to(torch.float32)
    else:
        generator = torch.Generator().manual_seed(experiment.seed + 7919)
        data = toy_density(experiment.dataset).sample(total, generator)
    return data[: experiment.samples], data[experiment.samples : -n_held], data[-n_held:]


def held_out_chains(experiment: Experiment) -> torch.Tensor:
    """The chain each sample of the Ising test set comes from (int64, one per sample)."""
    n_held = _held_out_size(experiment)
    total = experiment.samples + 2 * n_held
    return torch.arange(total - n_held, total) % min(total, ISING_CHAINS)


def _trainer(experiment: Experiment, train: torch.Tensor, valid: torch.Tensor) -> GenerativeTrainer:
    """The model of ``experiment`` (initial weights from its seed) and its trainer."""
    features = train.shape[1]
    e = experiment
    schedule: dict[str, Any] = {
        "batch_size": e.batch_size,
        "patience": e.patience,
        "cosine": e.epochs if e.cosine else None,
        "seed": e.seed,
    }
    with torch.random.fork_rng():  # initial weights from the seed, global state untouched
        torch.manual_seed(e.seed)
        if e.model == "flow":
            build = {"realnvp": RealNVP, "maf": MAF, "spline": NeuralSplineFlow}[e.flow]
            transforms = e.transforms or {"realnvp": 8, "maf": 5, "spline": 4}[e.flow]
            flow = build(features, transforms, e.hidden, 2)
            flow.transforms.insert(0, Affine.standardizing(train))  # data in units of its std
            return LikelihoodTrainer(
                flow,
                train,
                valid,
                loss=lambda x, g: -flow.log_prob(x),
                lr=e.learning_rate or 1e-3,
                **schedule,
            )
        if e.model == "gan":
            output = "tanh" if e.is_ising else "linear"
            gan = GAN(features, e.latent or 8, e.hidden, 3, e.gan_loss, output)
            steps = 5 if e.gan_loss == "wgan-gp" else 1
            return GANTrainer(
                gan, train, valid, lr=e.learning_rate or 2e-4, critic_steps=steps, **schedule
            )
        likelihood = "bernoulli" if e.is_ising else "gaussian"
        latent = e.latent or 2
        kind = VariationalAutoencoder if e.model == "vae" else Autoencoder
        model = kind(features, latent, e.hidden, 2, likelihood)
        return LikelihoodTrainer(model, train, valid, lr=e.learning_rate or 1e-3, **schedule)


def _to_model_space(experiment: Experiment, spins: torch.Tensor) -> torch.Tensor:
    """Ising spins ±1 → the model's inputs: bits {0, 1} (qgen's configurations, 0 = up)
    for (V)AEs, spins for GANs."""
    if experiment.is_ising and experiment.model in ("vae", "ae"):
        lattices = spins.reshape(-1, *lattice_shape(experiment.size))
        return configs_from_spins(lattices).to(spins.dtype)
    return spins


def _to_spins(experiment: Experiment, x: torch.Tensor) -> torch.Tensor:
    """The model's samples → spins ±1, flattened (the inverse of :func:`_to_model_space`)."""
    if experiment.is_ising and experiment.model in ("vae", "ae"):
        return spins_from_configs(x, experiment.size).reshape(x.shape[0], -1).to(x.dtype)
    return x


def run_experiment(
    experiment: Experiment,
    out: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
    plots: bool = True,
) -> dict[str, Any]:
    """Train and evaluate; with ``out``, leave a run directory (config, log, checkpoint,
    summary, plots). Returns the summary (held-out figures)."""
    experiment.check()
    start = time.perf_counter()
    train, valid, test = split_data(experiment)
    run = RunDirectory(out, resume=resume) if out is not None else None
    if run is not None:
        run.write_config({"generative": asdict(experiment)})
    model_train = _to_model_space(experiment, train)
    model_test = _to_model_space(experiment, test)
    trainer = _trainer(experiment, model_train, _to_model_space(experiment, valid))
    model = trainer.model
    if run is not None and resume:
        trainer.restore(run)
    history = trainer.run(experiment.epochs, run_dir=run, progress=progress)
    if run is not None:
        history = run.read_log()
    if isinstance(model, Autoencoder):
        model.fit_latent(model_train)

    generator = torch.Generator().manual_seed(experiment.seed + 104729)
    samples = _to_spins(experiment, model.sample(test.shape[0], generator))  # type: ignore[operator]
    baseline_mean, baseline_std = energy_distance_baseline(test, 10, generator)
    summary: dict[str, Any] = {
        "model": experiment.model,
        "dataset": experiment.dataset,
        "epochs_run": trainer.steps,
        "best_epoch": trainer.best_step,
        "stopped_early": trainer.stopped,
        "n_train": train.shape[0],
        "n_test": test.shape[0],
        "energy_distance": {
            "value": energy_distance(samples, test),
            "halves_baseline": baseline_mean,
            "halves_baseline_std": baseline_std,
        },
    }
    with torch.no_grad():
        if experiment.model in ("flow", "vae"):
            nll = mean_and_error(trainer.loss(model_test, generator))  # type: ignore[attr-defined]
            kind = "exact" if experiment.model == "flow" else "negative ELBO (upper bound)"
            summary["test_nll"] = {**nll, "kind": kind, "units": "nats per sample"}
        if isinstance(model, Autoencoder | VariationalAutoencoder):
            errors = model.reconstruction_error(model_test)
            summary["reconstruction_error"] = {
                **mean_and_error(errors),
                "kind": RECONSTRUCTION_ERRORS[model.likelihood],
                "units": "per sample",
            }
    density: ToyDensity | None = None
    if not experiment.is_ising:
        density = toy_density(experiment.dataset)
        try:
            entropy = density.entropy()
            summary["true_entropy"] = {"value": entropy.value, "error": entropy.error}
            if "test_nll" in summary:
                summary["test_nll"]["excess_over_entropy"] = (
                    summary["test_nll"]["value"] - entropy.value
                )
        except NotImplementedError:
            pass
        if isinstance(density, EightGaussians):
            coverage = mode_coverage(samples, density.centers, density.width)
            summary["mode_coverage"] = asdict(coverage)
    else:
        summary["ising"] = _ising_figures(experiment, test, samples)
    summary["seconds"] = time.perf_counter() - start
    if run is not None:
        if plots:
            summary["plots"] = _plots(experiment, run.path, model, history, test, samples)
        summary["out"] = str(run.path)
        buffer = io.BytesIO()
        torch.save(samples, buffer)
        atomic_write_bytes(run.path / "samples.pt", buffer.getvalue())
        run.write_summary(summary)
    return summary


def _ising_figures(
    experiment: Experiment, test: torch.Tensor, samples: torch.Tensor
) -> dict[str, Any]:
    """Energy per site and |m| of the test data and of the model's samples. The data's
    error bars come from per-chain sums (samples of one Markov chain are correlated);
    the model's samples are independent draws."""
    shape = lattice_shape(experiment.size)
    chains = held_out_chains(experiment)
    figures: dict[str, Any] = {"temperature": experiment.temperature, "size": experiment.size}
    for name, spins, labels in (("data", test, chains), ("model", samples, None)):
        lattices = spins.reshape(-1, *shape)
        figures[name] = {
            "energy_per_site": mean_and_error(energy_per_site(lattices), labels),
            "abs_magnetization": mean_and_error(magnetization(lattices).abs(), labels),
        }
    figures["data"]["independent_chains"] = int(chains.unique().numel())
    return figures


def _plots(
    experiment: Experiment,
    path: Path,
    model: nn.Module,
    history: list[dict[str, Any]],
    test: torch.Tensor,
    samples: torch.Tensor,
) -> list[str]:
    from qgen.generative import plots
    from qgen.plotting import series_plot

    written = []
    epochs = [record["epoch"] for record in history]
    series = {"held-out": [record["valid_loss"] for record in history]}
    if history and "train_loss" in history[0]:
        series["training"] = [record["train_loss"] for record in history]
    series_plot(path / "loss.png", epochs, series, "epoch", "loss")
    written.append("loss.png")
    if not experiment.is_ising:
        plots.samples_plot(path / "samples.png", samples, test, title=experiment.model)
        written.append("samples.png")
        if experiment.model == "flow":
            flow = model
            plots.density_plot(
                path / "density.png",
                lambda x: flow.log_prob(x.to(torch.float32)).to(torch.float64),  # type: ignore[operator]
                test,
            )
            written.append("density.png")
        if isinstance(model, GAN):
            plots.decision_plot(path / "discriminator.png", model.discriminator, test, samples)
            written.append("discriminator.png")
    else:
        data_l = test.reshape(-1, *lattice_shape(experiment.size))
        model_l = samples.reshape(-1, *lattice_shape(experiment.size))
        plots.ising_histograms(
            path / "ising_histograms.png",
            {"energy": energy_per_site(data_l), "magnetization": magnetization(data_l)},
            {"energy": energy_per_site(model_l), "magnetization": magnetization(model_l)},
            experiment.temperature,
        )
        written.append("ising_histograms.png")
    if isinstance(model, VariationalAutoencoder | Autoencoder):
        inputs = _to_model_space(experiment, test)
        with torch.no_grad():
            codes = model.encode(inputs)
            codes = codes[0] if isinstance(codes, tuple) else codes
        if experiment.is_ising:
            color, label = (
                magnetization(test.reshape(-1, *lattice_shape(experiment.size))),
                "magnetization",
            )
        else:
            color, label = torch.atan2(test[:, 1], test[:, 0]), "angle of x"
        plots.latent_plot(path / "latent.png", codes, color, label)
        written.append("latent.png")
    return written
