"""A whole tomography run from a data set and options: what ``qgen tomo`` does, as a function.

:func:`run_tomography` splits the data (seeded), builds the model, trains it by negative
log-likelihood (:class:`~qgen.tomography.training.TomographyTrainer`) in a run directory
(config, JSON-lines log, checkpoints, plots, ``summary.json``), and then estimates from
samples of the trained model what the data never measured directly: the site-averaged
:math:`\\langle\\sigma^x\\rangle`, :math:`\\langle\\sigma^y\\rangle` and the Rényi-2 curve of
the first ``ℓ`` sites, beside the exact values when the target ψ is known.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from qgen.driver import cosine_schedule
from qgen.errors import ConfigError, ModelError
from qgen.estimators.statistics import Stats
from qgen.lattice import Chain
from qgen.models.autoregressive import AutoregressiveModel, ones_for_magnetization
from qgen.models.rbm_state import RBMState
from qgen.models.registry import build_model
from qgen.runs import RunDirectory
from qgen.tomography.data import MeasurementData
from qgen.tomography.estimators import exact_values, fidelity, magnetization, renyi2_curve
from qgen.tomography.losses import MAX_EXACT_SITES
from qgen.tomography.training import METHODS, TomographyTrainer

__all__ = [
    "SCHEDULES",
    "TOMOGRAPHY_MODELS",
    "TomographyOptions",
    "build_tomography_model",
    "run_tomography",
    "sample_model",
]

TOMOGRAPHY_MODELS = ("rbm", "rnn", "transformer")
"""Models that ``qgen tomo --model`` accepts."""

SCHEDULES = ("cosine", "constant")
"""Learning-rate schedules over the epochs."""

_DEFAULT_LR = {"rbm": 2e-2, "rnn": 5e-3, "transformer": 1e-3}
DEFAULT_DEPOLARIZATION = 0.9
"""Initial depolarization of the likelihood's annealing for data with X/Y measurements."""


@dataclass
class TomographyOptions:
    """Settings of a tomography run (the ``[tomo]`` table of its ``config.toml``).

    ``None`` means the default for the model: ``hidden`` = N (RBM hidden units), 32 (RNN
    units, Transformer width); ``learning_rate`` 2e-2 (RBM), 5e-3 (RNN), 1e-3
    (Transformer), Adam, decayed by a cosine to 2% over the epochs (``lr_schedule``
    ``"cosine"``, or ``"constant"``); ``phase`` on unless every measurement is in Z; ``method``
    exact for autoregressive models and RBMs of ``N <= 12``, CD beyond. ``magnetization``
    (RNN, Transformer): project the model onto the sector of that total :math:`S^z`
    (``N/2 - 1`` for a W state, one excitation), a physics prior; None: no projection.
    ``anneal_depolarization`` ε₀ with ``anneal_epochs`` K: the first K epochs train on the
    likelihood of the data read through a depolarizing channel on the rotated sites, its
    strength decreasing linearly from ε₀ to 0, which keeps phases learned from X/Y data
    out of local optima (:mod:`qgen.tomography.training`). None (the default): ε₀ = 0.9
    over the first half of the epochs when some data are in X or Y, off for z-only data;
    0: the exact likelihood throughout.
    """

    model: str = "rnn"
    epochs: int = 100
    batch_size: int = 100
    learning_rate: float | None = None
    lr_schedule: str = "cosine"
    hidden: int | None = None
    layers: int | None = None
    heads: int = 4
    phase: bool | None = None
    magnetization: float | None = None
    method: str | None = None
    cd_steps: int = 10
    persistent: bool = False
    patience: int | None = 20
    anneal_depolarization: float | None = None
    anneal_epochs: int | None = None
    validation_fraction: float = 0.1
    fidelity_every: int = 1
    estimate_samples: int = 10000
    gibbs_steps: int = 100
    checkpoint_every: int = 1  # epochs are long: a killed run loses at most the one in flight
    dtype: str = "float32"
    seed: int = 0

    def validate(self) -> None:
        """Raise :class:`ConfigError` for settings that cannot run."""
        if self.model not in TOMOGRAPHY_MODELS:
            raise ConfigError(f"expected a model in {TOMOGRAPHY_MODELS}, got {self.model!r}")
        if self.method is not None and self.method not in METHODS:
            raise ConfigError(f"expected a method in {METHODS}, got {self.method!r}")
        if self.magnetization is not None:
            if self.model == "rbm":
                raise ConfigError(
                    "a magnetization sector projects autoregressive models (rnn, transformer), "
                    "not an RBM"
                )
            if isinstance(self.magnetization, bool) or not math.isfinite(self.magnetization):
                raise ConfigError(
                    f"expected a finite magnetization or none, got {self.magnetization!r}"
                )
        if self.method == "cd" and self.model != "rbm":
            raise ConfigError(f"contrastive divergence trains RBMs, not {self.model!r}")
        positive = ("epochs", "batch_size", "cd_steps", "estimate_samples", "fidelity_every")
        for name in (*positive, "checkpoint_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"expected a positive integer {name}, got {value!r}")
        for name in ("hidden", "layers", "patience"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigError(f"expected a positive integer {name} or none, got {value!r}")
        depolarization = self.anneal_depolarization
        if depolarization is not None and not 0.0 <= depolarization < 1.0:
            raise ConfigError(
                f"expected an anneal_depolarization in [0, 1) or none, got {depolarization!r}"
            )
        epochs = self.anneal_epochs
        if epochs is not None and (
            isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0
        ):
            raise ConfigError(f"expected a non-negative integer anneal_epochs, got {epochs!r}")
        if depolarization and epochs == 0:
            raise ConfigError("an anneal_depolarization needs anneal_epochs > 0 to decay over")
        if not 0 < self.validation_fraction < 1:
            raise ConfigError(
                f"expected a validation fraction in (0, 1), got {self.validation_fraction!r}"
            )
        if self.learning_rate is not None and not (
            math.isfinite(self.learning_rate) and self.learning_rate > 0
        ):
            raise ConfigError(f"expected a positive learning rate, got {self.learning_rate!r}")
        if self.lr_schedule not in SCHEDULES:
            raise ConfigError(f"expected an lr_schedule in {SCHEDULES}, got {self.lr_schedule!r}")
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"expected dtype float32 or float64, got {self.dtype!r}")

    def to_table(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def field_names(cls) -> list[str]:
        return [field.name for field in fields(cls)]


def build_tomography_model(options: TomographyOptions, data: MeasurementData) -> nn.Module:
    """The model of ``options`` for ``data``'s sites (phase head/RBM unless z-only data).

    Raises:
        ConfigError: no configuration of ``data``'s sites has the asked magnetization.
    """
    n_sites = data.n_sites
    phase = (not data.z_only) if options.phase is None else options.phase
    dtype = getattr(torch, options.dtype)
    torch.manual_seed(options.seed)
    if options.model == "rbm":
        hidden = options.hidden or n_sites
        return RBMState(n_sites, hidden, phase=phase, dtype=dtype)
    if options.magnetization is not None:
        try:
            ones_for_magnetization(n_sites, options.magnetization)
        except ModelError as error:
            raise ConfigError(f"magnetization: {error}") from None
    return build_model(
        options.model,
        Chain(n_sites, periodic=False),
        hidden=options.hidden or 32,
        layers=options.layers,
        heads=options.heads,
        phase=phase,
        magnetization=options.magnetization,
        dtype=dtype,
    )


@torch.no_grad()
def sample_model(
    model: nn.Module, n_samples: int, generator: torch.Generator, gibbs_steps: int = 100
) -> torch.Tensor:
    """Samples of :math:`|\\psi|^2`: exact for autoregressive models, independent Gibbs
    chains of ``gibbs_steps`` steps for RBMs."""
    if isinstance(model, AutoregressiveModel):
        return model.sample(n_samples, generator)
    if isinstance(model, RBMState):
        return model.sample(n_samples, generator, n_steps=gibbs_steps)
    raise ConfigError(f"cannot sample a {type(model).__name__}")


def _stats(value: Stats) -> dict[str, float]:
    return {"value": value.mean, "error": value.error}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def annealing(options: TomographyOptions, data: MeasurementData) -> dict[str, Any]:
    """The trainer's ``anneal_depolarization`` and ``anneal_epochs`` for ``options`` (see
    :class:`TomographyOptions`): by default ε₀ = 0.9 over half the epochs for data with
    X/Y measurements, where phases are learned."""
    depolarization = options.anneal_depolarization
    if depolarization is None:
        depolarization = 0.0 if data.z_only else DEFAULT_DEPOLARIZATION
    epochs = options.anneal_epochs
    if epochs is None:
        epochs = max(options.epochs // 2, 1) if depolarization > 0 else 0
    return {"anneal_depolarization": depolarization, "anneal_epochs": epochs}


def run_tomography(
    data: MeasurementData,
    options: TomographyOptions,
    out: str | Path,
    *,
    source: dict[str, Any] | None = None,
    resume: bool = False,
    progress: bool = True,
    plots: bool = True,
    log: Callable[[str], None] = _log,
) -> dict[str, Any]:
    """Train on ``data`` in the run directory ``out`` (or resume there) and estimate.

    Returns the summary (also written to ``summary.json``): ``fidelity`` (None without a
    target ψ; exact up to 20 sites, a Monte Carlo estimate with ``fidelity_error``
    beyond), ``nll`` (validation), ``observables`` (``sx``, ``sy`` as
    ``{"value", "error"}``), ``renyi2`` (ℓ → ``{"value", "error"}`` for ℓ = 1 … N/2),
    ``exact`` (the same quantities of the target ψ, or None), and the run's particulars.
    ``source`` describes where the data came from (written to the config).
    """
    options.validate()
    run_dir = RunDirectory(out, resume=resume)
    run_dir.write_config({"data": dict(source or {}), "tomo": options.to_table()})
    train, validation = data.split(options.validation_fraction, seed=options.seed)
    model = build_tomography_model(options, data)
    learning_rate = options.learning_rate or _DEFAULT_LR[options.model]
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    scheduler = None
    if options.lr_schedule == "cosine":
        scheduler = cosine_schedule(optimizer, options.epochs, floor=0.02)
    target = data.psi if data.psi is not None and data.n_sites <= MAX_EXACT_SITES else None
    trainer = TomographyTrainer(
        model,
        train,
        validation,
        optimizer,
        batch_size=options.batch_size,
        method=options.method,
        cd_steps=options.cd_steps,
        persistent=options.persistent,
        patience=options.patience,
        target_psi=target,
        fidelity_every=options.fidelity_every,
        scheduler=scheduler,
        **annealing(options, data),
        seed=options.seed,
    )
    if resume:
        trainer.restore(run_dir)
        log(f"qgen tomo: resuming {run_dir.path} at epoch {trainer.epoch}")
    n_parameters = sum(p.numel() for p in model.parameters())
    log(f"qgen tomo: {data!r}; {train.n_samples} for training, {validation.n_samples} held out")
    log(
        f"qgen tomo: {options.model} ({n_parameters:,} parameters, "
        f"{'complex' if _is_complex(model) else 'positive'}), {trainer.method} gradients, "
        f"Adam lr {learning_rate:g}, batch {options.batch_size}, up to {options.epochs} "
        f"epochs -> {run_dir.path}"
    )
    if trainer.anneal_epochs > 0:
        log(
            f"qgen tomo: likelihood depolarized from {trainer.anneal_depolarization:g} to 0 "
            f"over {trainer.anneal_epochs} epochs (pass --anneal-depolarization 0 to turn it off)"
        )
    start = time.perf_counter()
    records = trainer.run(
        options.epochs,
        run_dir=run_dir,
        checkpoint_every=options.checkpoint_every,
        progress=progress,
    )
    seconds = time.perf_counter() - start
    model.eval()
    summary = _estimate(model, trainer, data, options)
    history = run_dir.read_log()
    summary.update(
        {
            "train_nll": trainer.nll(trainer.train_outcomes, trainer.train_codes),
            "model": options.model,
            "method": trainer.method,
            "n_parameters": n_parameters,
            "epochs": trainer.epoch,
            **annealing(options, data),
            "best_epoch": trainer.best_step,
            "stopped_early": trainer.stopped,
            "seconds_training": sum(r.get("seconds", 0.0) for r in history),
            "seconds_this_session": seconds,
            "epochs_this_session": len(records),
            "n_sites": data.n_sites,
            "n_samples": data.n_samples,
            "n_train": train.n_samples,
            "n_validation": validation.n_samples,
            "bases": list(data.basis_groups())[:50],
            "data": dict(source or {}),
            "tomo": options.to_table(),
            "run_directory": str(run_dir.path),
        }
    )
    run_dir.write_summary(summary)
    if plots:
        _plot(run_dir, history, summary)
    return summary


def _is_complex(model: nn.Module) -> bool:
    return bool(getattr(model, "is_complex", False))


def _estimate(
    model: nn.Module, trainer: TomographyTrainer, data: MeasurementData, options: TomographyOptions
) -> dict[str, Any]:
    generator = torch.Generator().manual_seed(options.seed + 1_000_003)
    samples = sample_model(model, options.estimate_samples, generator, options.gibbs_steps)
    with torch.no_grad():
        observables = {
            "sx": _stats(magnetization(model, samples, "X")),
            "sy": _stats(magnetization(model, samples, "Y")),
            "sz": _stats(magnetization(model, samples, "Z")),
        }
        renyi = {}
        if data.n_sites >= 2 and options.estimate_samples >= 2:
            curve = renyi2_curve(model, samples, None)
            renyi = {str(size): _stats(value) for size, value in curve.items()}
    exact = None
    if data.psi is not None and data.n_sites <= MAX_EXACT_SITES:
        values = exact_values(data.psi)
        exact = {
            "sx": values["sx"],
            "sy": values["sy"],
            "sz": values["sz"],
            "renyi2": {str(k): v for k, v in values["renyi2"].items()},
        }
    validation = trainer.validation
    fidelity_value, fidelity_error = trainer.fidelity(), None
    if fidelity_value is not None:
        fidelity_error = 0.0
    elif data.psi is not None:  # too large to enumerate: the Monte Carlo estimate
        estimate = fidelity(model, data.psi, samples, method="monte-carlo", seed=options.seed)
        fidelity_value, fidelity_error = estimate.mean, estimate.error
    return {
        "fidelity": fidelity_value,
        "fidelity_error": fidelity_error,
        "nll": None if validation is None else trainer.nll(*validation),
        "observables": observables,
        "renyi2": renyi,
        "exact": exact,
        "estimate_samples": options.estimate_samples,
    }


def _plot(run_dir: RunDirectory, history: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    from qgen.plotting import new_figure, save_figure, series_plot

    if history:
        epochs = [r["epoch"] for r in history]
        series_plot(
            run_dir.path / "nll.png",
            epochs,
            {
                "training": [r.get("train_nll") for r in history],
                "validation": [r.get("validation_nll") for r in history],
            },
            "epoch",
            "negative log-likelihood",
        )
        infidelity = [
            None if r.get("fidelity") is None else max(1.0 - r["fidelity"], 1e-16) for r in history
        ]
        if any(value is not None for value in infidelity):
            series_plot(
                run_dir.path / "fidelity.png",
                epochs,
                {"1 - fidelity": infidelity},
                "epoch",
                "infidelity",
                log_y=True,
            )
    if summary["renyi2"]:
        figure, axis = new_figure()
        sizes = [int(k) for k in summary["renyi2"]]
        values = [v["value"] for v in summary["renyi2"].values()]
        errors = [v["error"] for v in summary["renyi2"].values()]
        axis.errorbar(sizes, values, yerr=errors, fmt="o", capsize=3, label="model (swap)")
        if summary["exact"] is not None:
            exact = summary["exact"]["renyi2"]
            axis.plot([int(k) for k in exact], list(exact.values()), "k--", label="exact")
        axis.set_xlabel("subsystem size ℓ (first ℓ sites)")
        axis.set_ylabel("Rényi-2 entropy S2")
        axis.legend(frameon=False)
        save_figure(figure, run_dir.path / "renyi2.png")
