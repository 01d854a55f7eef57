"""A whole tomography run from a data set and options: what ``qgen tomo`` does, as a function.

:func:`run_tomography` splits the data (seeded), builds the model, trains it by negative
log-likelihood (:class:`~qgen.tomography.training.TomographyTrainer`) in a run directory
(config, JSON-lines log, checkpoints, plots, ``summary.json``), and then estimates from
samples of the trained model what the data never measured directly: the site-averaged
:math:`\\langle\\sigma^x\\rangle`, :math:`\\langle\\sigma^y\\rangle` and the Rényi-2 curve of
the first ``ℓ`` sites, beside the exact values when the target ψ is known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from qgen.datasets.qucumber import data_location
from qgen.driver import cosine_schedule, initial_parameters, model_device, seed_for
from qgen.errors import ConfigError, ModelError
from qgen.estimators.statistics import Stats
from qgen.exact.povm import POVMS
from qgen.lattice import Chain
from qgen.models.amplitude_phase_rbm import AmplitudePhaseRBM
from qgen.models.autoregressive import AutoregressiveModel, ones_for_magnetization
from qgen.models.registry import MODELS, build_model
from qgen.options import Options, option
from qgen.runs import RunDirectory
from qgen.tomography.baselines import BASELINES
from qgen.tomography.counts import BIT_ORDERS, load_counts
from qgen.tomography.estimators import exact_values, fidelity, magnetization, renyi2_curve
from qgen.tomography.files import load_measurements, load_psi
from qgen.tomography.losses import MAX_EXACT_SITES
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.povm_files import MIXED_FORMATS
from qgen.tomography.povm_model import POVM_MODELS
from qgen.tomography.training import METHODS, TomographyTrainer
from qgen.workflow import Plan, execute, log_to_stderr

__all__ = [
    "DEFAULT_LEARNING_RATES",
    "SCHEDULES",
    "DataSourceOptions",
    "TomographyOptions",
    "annealing",
    "build_tomography_model",
    "execute_tomography",
    "load_data",
    "plan",
    "run_tomography",
    "sample_model",
]

PROJECTIONS = ("frobenius", "likelihood")
"""How ``--mixed`` makes the model's ρ a state (:mod:`qgen.tomography.mixed_workflow`)."""

SCHEDULES = ("cosine", "constant")
"""Learning-rate schedules over the epochs."""

DEFAULT_LEARNING_RATES = {
    "amplitude-phase-rbm": 2e-2,
    "rnn": 5e-3,
    "transformer": 1e-3,
    "made": 1e-3,
}
"""Adam's learning rate by model when ``lr`` is not given (pure and mixed states)."""
DEFAULT_DEPOLARIZATION = 0.9
"""Initial depolarization of the likelihood's annealing for data with X/Y measurements."""


def _tomography_models() -> list[str]:
    return [name for name, spec in MODELS.items() if "tomo" in spec.workflows]


@dataclass
class DataSourceOptions(Options):
    """Where the measurements come from (the ``[data]`` table of a tomography run)."""

    table = "data"

    data: str | None = option(
        None,
        "measurements: an .npz archive, a QuCumber samples file, a qgen data directory, "
        "or qucumber:1|2|3 (QuCumber's tutorial data, shipped with qgen) (required)",
        group="data",
    )
    bases: str | None = option(
        None, "QuCumber bases file (one line of letters per sample)", group="data"
    )
    format: str = option(
        "auto",
        "file format (auto: by suffix, .npz, .json/.csv counts, else text)",
        choices=MIXED_FORMATS,
        group="data",
    )
    target_psi: str | None = option(
        None, "the exact state (QuCumber psi file: 'Re Im' per line)", group="data"
    )
    target_rho: str | None = option(
        None,
        "the exact density matrix (--mixed): .npy, or QuCumber's real-part text file",
        group="data",
    )
    target_rho_imag: str | None = option(
        None, "QuCumber's imaginary-part file of --target-rho", group="data"
    )
    bit_order: str | None = option(
        None,
        "counts files: 'little' (Qiskit: the rightmost character is qubit 0) or 'big'",
        choices=BIT_ORDERS,
        group="data",
        default_help="the file's statement, else little",
    )

    def check(self) -> None:
        if self.data is None:
            raise ConfigError("--data: expected the measurements to train on, got none")
        if self.target_rho_imag is not None and self.target_rho is None:
            raise ConfigError("--target-rho-imag needs --target-rho, the real part")

    @property
    def location(self) -> str:
        """The measurements' path: ``data``, with ``qucumber:N`` resolved to the folder
        shipped with qgen (:func:`~qgen.datasets.qucumber.data_location`)."""
        assert self.data is not None  # check
        return data_location(self.data)


@dataclass
class TomographyOptions(Options):
    """Settings of a tomography run (the ``[tomo]`` table of its ``config.toml``).

    ``None`` means the default for the model: ``hidden`` = N (RBM hidden units), 32 (RNN
    units, Transformer width); ``lr`` 2e-2 (RBM), 5e-3 (RNN), 1e-3 (Transformer, MADE),
    Adam, decayed by a cosine to 2% over the epochs; ``phase`` on unless every
    measurement is in Z; ``method`` exact for autoregressive models and RBMs of
    ``N <= 12``, CD beyond. ``magnetization`` (autoregressive models): project the model
    onto the sector of that total :math:`S^z` (``N/2 - 1`` for a W state, one
    excitation), a physics prior. ``anneal_depolarization`` ε₀ with ``anneal_epochs`` K:
    the first K epochs train on the likelihood of the data read through a depolarizing
    channel on the rotated sites, its strength decreasing linearly from ε₀ to 0, which
    keeps phases learned from X/Y data out of local optima
    (:mod:`qgen.tomography.training`); by default ε₀ = 0.9 over the first half of the
    epochs when some data are in X or Y, off for z-only data.
    """

    table = "tomo"

    model: str = option("rnn", "the wave function", choices=_tomography_models, group="model")
    hidden: int | None = option(
        None,
        "RBM hidden units, RNN units or Transformer width",
        minimum=1,
        group="model",
        default_help="N for an RBM, 32 otherwise",
    )
    layers: int | None = option(
        None, "RNN or Transformer layers", minimum=1, group="model", default_help="the model's"
    )
    heads: int = option(4, "Transformer attention heads", minimum=1, group="model")
    phase: bool | None = option(
        None,
        "complex model (phase head, phase RBM)",
        group="model",
        default_help="unless all data are in Z",
    )
    magnetization: float | None = option(
        None,
        "project an autoregressive model onto this total S^z sector (W state: N/2 - 1)",
        group="model",
    )
    dtype: str = option("float32", "parameter dtype", choices=("float32", "float64"), group="model")
    epochs: int = option(100, "epochs", minimum=1, group="training", resumable=True)
    batch_size: int = option(100, "samples per gradient step", minimum=1, group="training")
    lr: float | None = option(
        None,
        "Adam learning rate",
        minimum=0.0,
        inclusive=False,
        group="training",
        default_help="2e-2 (RBM), 5e-3 (rnn), 1e-3 (transformer, made)",
    )
    lr_schedule: str = option(
        "cosine",
        "learning-rate schedule (cosine: to 2% over the epochs)",
        choices=SCHEDULES,
        group="training",
    )
    method: str | None = option(
        None,
        "RBM gradients: exact or contrastive divergence",
        choices=METHODS,
        group="training",
        default_help="exact up to 12 sites",
    )
    cd_steps: int = option(10, "Gibbs steps of CD-k", minimum=1, group="training")
    persistent: bool = option(False, "persistent CD chains", group="training")
    patience: int | None = option(
        20,
        "early stopping after this many epochs without a lower validation NLL (none: never)",
        minimum=1,
        constants={"--no-early-stopping": None},
        group="training",
    )
    anneal_depolarization: float | None = option(
        None,
        "train the first --anneal-epochs on data read through a depolarizing channel on the "
        "rotated sites, its strength decreasing from this value to 0",
        minimum=0.0,
        maximum=1.0,
        group="training",
        default_help="0.9 when some data are in X or Y, 0 (off) for z-only data",
    )
    anneal_epochs: int | None = option(
        None,
        "epochs of that annealing",
        minimum=0,
        group="training",
        default_help="half the epochs",
    )
    validation_fraction: float = option(
        0.1,
        "held-out fraction of the data",
        minimum=0.0,
        maximum=1.0,
        inclusive=False,
        group="training",
    )
    fidelity_every: int = option(
        1, "epochs between fidelity evaluations", minimum=1, group="training"
    )
    estimate_samples: int = option(
        10000, "samples for <sx>, <sy>, S2", minimum=2, group="estimates", resumable=True
    )
    gibbs_steps: int = option(100, "Gibbs steps per RBM sample", minimum=1, group="estimates")
    checkpoint_every: int = option(
        1, "epochs between checkpoints", minimum=1, group="run", resumable=True
    )
    seed: int = option(
        0,
        "seed of the split, the initial parameters and the batches",
        minimum=0,
        maximum=2**63 - 1,
        group="run",
    )
    mixed: bool = option(
        False,
        "mixed-state tomography: learn the POVM outcome distribution, reconstruct rho",
        group="mixed state",
        negatable=False,
    )
    povm: str | None = option(
        None,
        "the POVM of the data (--mixed)",
        choices=lambda: list(POVMS),
        group="mixed state",
        default_help="the data's; Pauli-basis records are pauli6",
    )
    baseline: str | None = option(
        None,
        "fit a standard estimate instead of training a model (--mixed): maximum "
        "likelihood or linear inversion, N <= 7",
        choices=BASELINES,
        group="mixed state",
    )
    projection: str | None = option(
        None,
        "the model's physical rho (--mixed): the state whose outcome distribution is "
        "closest to the model's in relative entropy (likelihood, N <= 7), or the closest "
        "in the 2-norm (frobenius, Smolin et al.)",
        choices=PROJECTIONS,
        group="mixed state",
        default_help="likelihood up to 7 qubits, frobenius beyond",
    )
    observables: str | None = option(
        None,
        "comma-separated Pauli strings to estimate from model samples (--mixed), "
        "one letter I/X/Y/Z per site",
        group="mixed state",
        default_help="Z...Z at both ends, X...X, Z...Z",
    )

    def check(self) -> None:
        if self.mixed:
            self._check_mixed()
            return
        given = [
            name
            for name in ("povm", "baseline", "projection", "observables")
            if getattr(self, name) is not None
        ]
        if given:
            raise ConfigError(f"--{given[0]} is an option of mixed-state tomography: add --mixed")
        autoregressive = MODELS[self.model].autoregressive
        if self.magnetization is not None and not autoregressive:
            raise ConfigError(
                "--magnetization projects autoregressive models (rnn, transformer, made), "
                f"not {self.model!r}"
            )
        if self.method == "cd" and autoregressive:
            raise ConfigError(f"contrastive divergence trains RBMs, not {self.model!r}")
        if self.anneal_depolarization and self.anneal_epochs == 0:
            raise ConfigError("--anneal-depolarization needs --anneal-epochs > 0 to decay over")

    def _check_mixed(self) -> None:
        if self.model not in POVM_MODELS:
            raise ConfigError(
                f"--mixed trains an outcome model ({', '.join(POVM_MODELS)}), not {self.model!r}"
            )
        pure_only = {
            "phase": self.phase is not None,
            "magnetization": self.magnetization is not None,
            "method": self.method is not None,
            "anneal-depolarization": self.anneal_depolarization is not None,
            "anneal-epochs": self.anneal_epochs is not None,
        }
        given = [name for name, set_ in pure_only.items() if set_]
        if given:
            raise ConfigError(f"--{given[0]} is an option of pure-state tomography, not of --mixed")


def load_data(source: DataSourceOptions) -> MeasurementData:
    """The measurements (and the target ψ) that ``source`` names."""
    suffix = Path(source.location).suffix.lower()
    if source.format == "counts" or (source.format == "auto" and suffix in (".json", ".csv")):
        if source.bases is not None:
            raise ConfigError("--format counts: the counts hold their settings; no --bases here")
        counts = load_counts(source.location, source.bit_order).data
        if source.target_psi is None:
            return counts
        psi = load_psi(source.target_psi, counts.n_sites)
        return MeasurementData(counts.outcomes, counts.bases, psi)
    if source.bit_order is not None:
        raise ConfigError("--bit-order applies to counts files (--format counts)")
    return load_measurements(
        source.location, bases=source.bases, psi=source.target_psi, format=source.format
    )


def build_tomography_model(options: TomographyOptions, data: MeasurementData) -> nn.Module:
    """The model of ``options`` for ``data``'s sites (a phase unless z-only data).

    Raises:
        ConfigError: no configuration of ``data``'s sites has the asked magnetization.
    """
    n_sites = data.n_sites
    phase = (not data.z_only) if options.phase is None else options.phase
    if options.magnetization is not None:
        try:
            ones_for_magnetization(n_sites, options.magnetization)
        except ModelError as error:
            raise ConfigError(f"--magnetization: {error}") from None
    with initial_parameters(options.seed):
        return build_model(
            options.model,
            Chain(n_sites, periodic=False),
            hidden=options.hidden,
            layers=options.layers,
            heads=options.heads,
            phase=phase,
            magnetization=options.magnetization,
            dtype=getattr(torch, options.dtype),
        )


@torch.no_grad()
def sample_model(
    model: nn.Module, n_samples: int, generator: torch.Generator, gibbs_steps: int = 100
) -> torch.Tensor:
    """Samples of :math:`|\\psi|^2`: exact for autoregressive models, independent Gibbs
    chains of ``gibbs_steps`` steps for RBMs."""
    if isinstance(model, AutoregressiveModel):
        return model.sample(n_samples, generator)
    if isinstance(model, AmplitudePhaseRBM):
        return model.sample(n_samples, generator, n_steps=gibbs_steps)
    raise ConfigError(f"cannot sample a {type(model).__name__}")


def _stats(value: Stats) -> dict[str, float]:
    return {"value": value.mean, "error": value.error}


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


def plan(
    data: MeasurementData, options: TomographyOptions, device: torch.device | str | None = None
) -> Plan:
    """The tomography run as a :class:`~qgen.workflow.Plan`: split the data (seeded), build
    the model, train by negative log-likelihood, then estimate from the trained model's
    samples what the data never measured directly. The model is initialized on the CPU
    and trained on ``device`` (default: the CPU)."""
    train, validation = data.split(options.validation_fraction, seed=options.seed)
    model = build_tomography_model(options, data).to(
        torch.device("cpu") if device is None else device
    )
    learning_rate = options.lr or DEFAULT_LEARNING_RATES[options.model]
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
    n_parameters = sum(p.numel() for p in model.parameters())
    notes = [
        f"{data!r}; {train.n_samples} for training, {validation.n_samples} held out",
        f"{options.model} ({n_parameters:,} parameters, "
        f"{'complex' if _is_complex(model) else 'positive'}), {trainer.method} gradients, "
        f"Adam lr {learning_rate:g}, batch {options.batch_size}, up to {options.epochs} epochs",
    ]
    if trainer.anneal_epochs > 0:
        notes.append(
            f"likelihood depolarized from {trainer.anneal_depolarization:g} to 0 over "
            f"{trainer.anneal_epochs} epochs (pass --anneal-depolarization 0 to turn it off)"
        )

    def summarize(history: list[dict[str, Any]]) -> dict[str, Any]:
        model.eval()
        return {
            **_estimate(model, trainer, data, options),
            "train_nll": trainer.nll(trainer.train_outcomes, trainer.train_codes),
            "model": options.model,
            "method": trainer.method,
            "n_parameters": n_parameters,
            "epochs": trainer.epoch,
            **annealing(options, data),
            "best_epoch": trainer.best_step,
            "stopped_early": trainer.stopped,
            "seconds_training": sum(r.get("seconds", 0.0) for r in history),
            "n_sites": data.n_sites,
            "n_samples": data.n_samples,
            "n_train": train.n_samples,
            "n_validation": validation.n_samples,
            "bases": list(data.basis_groups())[:50],
        }

    return Plan(trainer, options.epochs, options.checkpoint_every, notes, summarize, _plot)


def run_tomography(
    data: MeasurementData,
    options: TomographyOptions,
    out: str | Path | None,
    *,
    source: DataSourceOptions | None = None,
    resume: bool = False,
    progress: bool | None = None,
    plots: bool = True,
    log: Callable[[str], None] = log_to_stderr,
    device: torch.device | str | None = None,
) -> dict[str, Any]:
    """Train on ``data`` in the run directory ``out`` (or resume there) on ``device``, and
    estimate.

    Returns the summary (also written to ``summary.json``): ``fidelity`` (None without a
    target ψ; exact up to 20 sites, a Monte Carlo estimate with ``fidelity_error``
    beyond), ``nll`` (validation), ``observables`` (``sx``, ``sy`` as
    ``{"value", "error"}``), ``renyi2`` (ℓ → ``{"value", "error"}`` for ℓ = 1 … N/2),
    ``exact`` (the same quantities of the target ψ, or None), and the run's particulars.
    ``source`` says where the data came from (written to the config).
    """
    return execute_tomography(
        lambda: plan(data, options, device),
        options,
        out,
        source=source,
        resume=resume,
        progress=progress,
        plots=plots,
        log=log,
    )


def execute_tomography(
    prepare: Callable[[], Plan],
    options: TomographyOptions,
    out: str | Path | None,
    *,
    source: DataSourceOptions | None,
    resume: bool,
    progress: bool | None,
    plots: bool,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """:func:`~qgen.workflow.execute` of a tomography plan, pure or mixed, with its
    ``[data]`` and ``[tomo]`` tables as the config."""
    tables: dict[str, Options] = {"tomo": options}
    if source is not None:
        tables = {"data": source, **tables}
    return execute(
        "tomo", prepare, tables, out=out, resume=resume, progress=progress, plots=plots, log=log
    )


def _is_complex(model: nn.Module) -> bool:
    return bool(getattr(model, "is_complex", False))


def _estimate(
    model: nn.Module, trainer: TomographyTrainer, data: MeasurementData, options: TomographyOptions
) -> dict[str, Any]:
    generator = torch.Generator(device=model_device(model))
    generator.manual_seed(seed_for(options.seed, "estimate"))
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
        "units": {"nll": "nats per measurement", "renyi2": "nats"},
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
