"""One generative experiment end to end: data, model, training, held-out figures, plots.

:func:`run_experiment` is what ``qgen generative`` runs and what the benchmarks call:
it splits seeded samples of a dataset into training, validation (early stopping) and
test sets, trains with a :class:`~qgen.generative.training.GenerativeTrainer`, and reports
on the test set only.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from qgen.datasets.ising import (
    configs_from_spins,
    energy_per_site,
    lattices_from_sites,
    magnetization,
    sample_ising,
    sites_from_lattices,
    spins_from_configs,
)
from qgen.datasets.toy2d import TOY_DENSITIES, EightGaussians, toy_density
from qgen.driver import initial_parameters, seed_for
from qgen.errors import ConfigError
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
from qgen.options import Options, option
from qgen.runs import RunDirectory, atomic_write_bytes
from qgen.workflow import Plan, execute, log_to_stderr

__all__ = [
    "FLOWS",
    "ISING_CHAINS",
    "MODELS",
    "GenerativeOptions",
    "held_out_chains",
    "plan",
    "run_experiment",
    "split_data",
]

MODELS = ("flow", "gan", "vae", "ae")
FLOWS = ("realnvp", "maf", "spline")


def _datasets() -> tuple[str, ...]:
    """The registered toy densities and the Ising configurations."""
    return (*TOY_DENSITIES, "ising")


ISING_CHAINS = 512
"""Independent Markov chains behind the Ising data; sample k comes from chain k mod 512."""


def _ising_only(name: str) -> str:
    return f"{name} of the ising dataset"


@dataclass
class GenerativeOptions(Options):
    """Everything that defines a ``qgen generative`` run (its ``[generative]`` table).
    Options that apply to one model or dataset only default to none and are refused
    elsewhere, so that a flag never silently does nothing."""

    table = "generative"

    model: str = option("flow", "the model", choices=MODELS, positional=True)
    dataset: str = option("moons", "the training data", choices=_datasets, group="data")
    size: str | None = option(
        None, "Ising lattice (ising only)", group="data", default_help="16x16 for ising"
    )
    temperature: float | None = option(
        None,
        "Ising temperature (ising only)",
        minimum=0.0,
        inclusive=False,
        unit="J",
        group="data",
        default_help="2.5 for ising",
    )
    samples: int = option(20_000, "training samples", minimum=10, group="data")
    epochs: int = option(100, "epochs", minimum=1, group="training", resumable=True)
    batch_size: int = option(256, "samples per update", minimum=1, group="training")
    lr: float | None = option(
        None,
        "learning rate",
        minimum=0.0,
        inclusive=False,
        flags=("--lr", "--learning-rate"),
        group="training",
        default_help="1e-3; 5e-4 for WGAN-GP",
    )
    early_stopping: bool | None = option(
        None,
        "stop after --patience epochs without a better held-out score",
        group="training",
        default_help="on, but off for GANs, whose held-out energy distance is too noisy to "
        "stop on (it stopped runs at epoch 23-33 with 90-92% of samples near a mode, "
        "against 97-99% after 100 epochs)",
    )
    patience: int | None = option(
        20,
        "early stopping after this many epochs without a better held-out score (none: "
        "never; the best epoch is restored either way)",
        minimum=1,
        group="training",
    )
    min_epochs: int = option(
        0, "never stop early before this many epochs", minimum=0, group="training"
    )
    smoothing: float = option(
        0.0,
        "judge early stopping on a moving average of the held-out score with this weight",
        minimum=0.0,
        maximum=1.0,
        group="training",
    )
    cosine: bool = option(False, "cosine learning-rate decay over the epochs", group="training")
    seed: int = option(
        0,
        "seed of the data, the initial weights and the batches",
        minimum=0,
        maximum=2**63 - 1,
        group="training",
    )
    flow: str | None = option(
        None, "flow (flow only)", choices=FLOWS, group="model", default_help="spline for flows"
    )
    transforms: int | None = option(
        None,
        "flow layers (flow only)",
        minimum=1,
        group="model",
        default_help="8 RealNVP, 5 MAF, 4 spline",
    )
    hidden: int = option(128, "hidden width", minimum=1, group="model")
    latent: int | None = option(
        None,
        "latent dimension (gan, vae, ae)",
        minimum=1,
        group="model",
        default_help="2; 8 for GANs",
    )
    gan_loss: str | None = option(
        None,
        "GAN loss (gan only)",
        choices=LOSSES,
        group="model",
        default_help="nonsaturating for GANs",
    )

    def check(self) -> None:
        if self.model == "flow" and self.dataset == "ising":
            raise ConfigError(
                "a flow needs continuous data, got the binary ising dataset; use vae, ae or gan"
            )
        refused = {
            "size": not self.is_ising,
            "temperature": not self.is_ising,
            "flow": self.model != "flow",
            "transforms": self.model != "flow",
            "latent": self.model == "flow",
            "gan_loss": self.model != "gan",
        }
        for name, wrong in refused.items():
            if wrong and getattr(self, name) is not None:
                flag = self.declaration(name).flags[0]
                raise ConfigError(
                    f"{flag} does not apply to the {self.model} model on the {self.dataset} "
                    "dataset; drop it"
                )

    @property
    def is_ising(self) -> bool:
        return self.dataset == "ising"

    @property
    def stops_early(self) -> bool:
        """``early_stopping``, resolved: on but for GANs."""
        return self.model != "gan" if self.early_stopping is None else self.early_stopping

    @property
    def ising_size(self) -> str:
        return self.size or "16x16"

    @property
    def ising_temperature(self) -> float:
        return 2.5 if self.temperature is None else self.temperature


def _held_out_size(experiment: GenerativeOptions) -> int:
    return max(1000, experiment.samples // 4)


def split_data(experiment: GenerativeOptions) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training, validation and test sets (spins as ±1 floats for ising), seeded by
    ``experiment.seed``: the same experiment always sees the same data.

    Ising data come from :data:`ISING_CHAINS` chains, sample k of the whole draw from
    chain k mod :data:`ISING_CHAINS` (see :func:`~qgen.datasets.ising.sample_ising`);
    :func:`held_out_chains` labels the test set by chain."""
    n_held = _held_out_size(experiment)
    total = experiment.samples + 2 * n_held
    if experiment.is_ising:
        spins = sample_ising(
            experiment.ising_size,
            experiment.ising_temperature,
            total,
            n_chains=min(total, ISING_CHAINS),
            seed=seed_for(experiment.seed, "data"),
        )
        data = sites_from_lattices(spins).to(torch.float32)
    else:
        generator = torch.Generator().manual_seed(seed_for(experiment.seed, "data"))
        data = toy_density(experiment.dataset).sample(total, generator)
    return data[: experiment.samples], data[experiment.samples : -n_held], data[-n_held:]


def held_out_chains(experiment: GenerativeOptions) -> torch.Tensor:
    """The chain each sample of the Ising test set comes from (int64, one per sample)."""
    n_held = _held_out_size(experiment)
    total = experiment.samples + 2 * n_held
    return torch.arange(total - n_held, total) % min(total, ISING_CHAINS)


def _trainer(
    experiment: GenerativeOptions, train: torch.Tensor, valid: torch.Tensor
) -> GenerativeTrainer:
    """The model of ``experiment`` (initial weights from its seed) and its trainer."""
    features = train.shape[1]
    e = experiment
    schedule: dict[str, Any] = {
        "batch_size": e.batch_size,
        "patience": e.patience if e.stops_early else None,
        "min_epochs": e.min_epochs,
        "smoothing": e.smoothing,
        "cosine": e.epochs if e.cosine else None,
        "seed": e.seed,
    }
    with initial_parameters(e.seed):
        if e.model == "flow":
            flow_kind = e.flow or "spline"
            build = {"realnvp": RealNVP, "maf": MAF, "spline": NeuralSplineFlow}[flow_kind]
            transforms = e.transforms or {"realnvp": 8, "maf": 5, "spline": 4}[flow_kind]
            flow = build(features, transforms, e.hidden, 2)
            flow.transforms.insert(0, Affine.standardizing(train))  # data in units of its std
            return LikelihoodTrainer(
                flow,
                train,
                valid,
                loss=lambda x, g: -flow.log_prob(x),
                lr=e.lr or 1e-3,
                **schedule,
            )
        if e.model == "gan":
            output = "tanh" if e.is_ising else "linear"
            loss = e.gan_loss or "nonsaturating"
            gan = GAN(features, e.latent or 8, e.hidden, 3, loss, output)
            steps = 5 if loss == "wgan-gp" else 1
            return GANTrainer(
                gan,
                train,
                valid,
                lr=e.lr or (5e-4 if loss == "wgan-gp" else 1e-3),
                critic_steps=steps,
                **schedule,
            )
        likelihood = "bernoulli" if e.is_ising else "gaussian"
        latent = e.latent or 2
        kind = VariationalAutoencoder if e.model == "vae" else Autoencoder
        model = kind(features, latent, e.hidden, 2, likelihood)
        return LikelihoodTrainer(model, train, valid, lr=e.lr or 1e-3, **schedule)


def _to_model_space(experiment: GenerativeOptions, spins: torch.Tensor) -> torch.Tensor:
    """Ising spins ±1 → the model's inputs: bits {0, 1} (qgen's configurations, 0 = up)
    for (V)AEs, spins for GANs."""
    if experiment.is_ising and experiment.model in ("vae", "ae"):
        lattices = lattices_from_sites(spins, experiment.ising_size)
        return configs_from_spins(lattices).to(spins.dtype)
    return spins


def _to_spins(experiment: GenerativeOptions, x: torch.Tensor) -> torch.Tensor:
    """The model's samples → spins ±1, flattened (the inverse of :func:`_to_model_space`)."""
    if experiment.is_ising and experiment.model in ("vae", "ae"):
        return sites_from_lattices(spins_from_configs(x, experiment.ising_size)).to(x.dtype)
    return x


def plan(experiment: GenerativeOptions) -> Plan:
    """The run as a :class:`~qgen.workflow.Plan`: seeded data split into training,
    validation (model selection, early stopping) and test sets; figures on the test set."""
    train, valid, test = split_data(experiment)
    model_train = _to_model_space(experiment, train)
    model_test = _to_model_space(experiment, test)
    trainer = _trainer(experiment, model_train, _to_model_space(experiment, valid))
    model = trainer.model
    notes = [
        f"{experiment.model} on {experiment.dataset}, {experiment.samples} samples, up to "
        f"{experiment.epochs} epochs, seed {experiment.seed}"
    ]
    generated: dict[str, torch.Tensor] = {}

    def summarize(history: list[dict[str, Any]]) -> dict[str, Any]:
        if isinstance(model, Autoencoder):
            model.fit_latent(model_train)
        generator = torch.Generator().manual_seed(seed_for(experiment.seed, "estimate"))
        samples = _to_spins(experiment, model.sample(test.shape[0], generator))  # type: ignore[operator]
        generated["samples"] = samples
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
                losses = trainer.loss(model_test, generator)  # type: ignore[attr-defined]
                kind = "exact" if experiment.model == "flow" else "negative ELBO (upper bound)"
                summary["test_nll"] = {
                    **mean_and_error(losses),
                    "kind": kind,
                    "units": "nats per sample",
                }
            if isinstance(model, Autoencoder | VariationalAutoencoder):
                summary["reconstruction_error"] = {
                    **mean_and_error(model.reconstruction_error(model_test)),
                    "kind": RECONSTRUCTION_ERRORS[model.likelihood],
                    "units": "per sample",
                }
        if experiment.is_ising:
            summary["ising"] = _ising_figures(experiment, test, samples)
        else:
            summary.update(_density_figures(experiment.dataset, samples, summary))
        return summary

    def plot(run: RunDirectory, history: list[dict[str, Any]], summary: dict[str, Any]) -> None:
        samples = generated["samples"]
        _plots(experiment, run.path, model, history, test, samples)
        buffer = io.BytesIO()
        torch.save(samples, buffer)
        atomic_write_bytes(run.path / "samples.pt", buffer.getvalue())

    return Plan(trainer, experiment.epochs, 1, notes, summarize, plot)


def _density_figures(
    dataset: str, samples: torch.Tensor, summary: dict[str, Any]
) -> dict[str, Any]:
    """The true entropy of a toy density (the floor of the NLL) and, for the eight
    Gaussians, the mode coverage of the samples."""
    figures: dict[str, Any] = {}
    density = toy_density(dataset)
    try:
        entropy = density.entropy()
        figures["true_entropy"] = {"value": entropy.value, "error": entropy.error}
        if "test_nll" in summary:
            summary["test_nll"]["excess_over_entropy"] = (
                summary["test_nll"]["value"] - entropy.value
            )
    except NotImplementedError:
        pass
    if isinstance(density, EightGaussians):
        figures["mode_coverage"] = asdict(mode_coverage(samples, density.centers, density.width))
    return figures


def run_experiment(
    experiment: GenerativeOptions,
    out: str | Path | None = None,
    *,
    resume: bool = False,
    progress: bool | None = None,
    plots: bool = True,
    log: Callable[[str], None] = log_to_stderr,
) -> dict[str, Any]:
    """Train and evaluate; with ``out``, leave a run directory (config, log, checkpoint,
    summary, plots, ``samples.pt``). Returns the summary (held-out figures)."""
    return execute(
        "generative",
        lambda: plan(experiment),
        {"generative": experiment},
        out=out,
        resume=resume,
        progress=progress,
        plots=plots,
        log=log,
    )


def _ising_figures(
    experiment: GenerativeOptions, test: torch.Tensor, samples: torch.Tensor
) -> dict[str, Any]:
    """Energy per site and |m| of the test data and of the model's samples. The data's
    error bars come from per-chain sums (samples of one Markov chain are correlated);
    the model's samples are independent draws."""
    chains = held_out_chains(experiment)
    figures: dict[str, Any] = {
        "temperature": experiment.ising_temperature,
        "size": experiment.ising_size,
    }
    for name, spins, labels in (("data", test, chains), ("model", samples, None)):
        lattices = lattices_from_sites(spins, experiment.ising_size)
        figures[name] = {
            "energy_per_site": mean_and_error(energy_per_site(lattices), labels),
            "abs_magnetization": mean_and_error(magnetization(lattices).abs(), labels),
        }
    figures["data"]["independent_chains"] = int(chains.unique().numel())
    return figures


def _plots(
    experiment: GenerativeOptions,
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
        data_l = lattices_from_sites(test, experiment.ising_size)
        model_l = lattices_from_sites(samples, experiment.ising_size)
        plots.ising_histograms(
            path / "ising_histograms.png",
            {"energy": energy_per_site(data_l), "magnetization": magnetization(data_l)},
            {"energy": energy_per_site(model_l), "magnetization": magnetization(model_l)},
            experiment.ising_temperature,
        )
        written.append("ising_histograms.png")
    if isinstance(model, VariationalAutoencoder | Autoencoder):
        inputs = _to_model_space(experiment, test)
        with torch.no_grad():
            codes = model.encode(inputs)
            codes = codes[0] if isinstance(codes, tuple) else codes
        if experiment.is_ising:
            color, label = (
                magnetization(lattices_from_sites(test, experiment.ising_size)),
                "magnetization",
            )
        else:
            color, label = torch.atan2(test[:, 1], test[:, 0]), "angle of x"
        plots.latent_plot(path / "latent.png", codes, color, label)
        written.append("latent.png")
    return written
