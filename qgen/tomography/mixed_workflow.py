r"""A whole mixed-state tomography run: what ``qgen tomo --mixed`` does, as a function.

:func:`run_mixed_tomography` reads product-POVM outcomes (Pauli records are Pauli-6),
then either trains an outcome model by likelihood (:class:`~qgen.tomography.povm_model.
POVMTrainer`) or fits a baseline (maximum likelihood or linear inversion, one step of
:class:`BaselineFit`), in the run directory every workflow uses. The reconstruction

.. math:: \rho = \sum_{\mathbf a} P(\mathbf a) \otimes_k Q_{a_k}

(``N <= 8``) is Hermitian with unit trace but may have negative eigenvalues; the summary
reports the most negative one, then makes ρ a state — the closest in the 2-norm (Smolin,
Gambetta, Smith, PRL 108, 070502 (2012)) or, with ``projection = "likelihood"``, the one
whose outcome distribution is closest to the model's in relative entropy — and saves
that state as ``rho.npy`` (the raw ρ beside it as ``rho_unprojected.npy``). With a known
target: the fidelity :math:`F = (\mathrm{Tr}\sqrt{\sqrt\rho\,\sigma\sqrt\rho})^2`, the
trace distance and the classical fidelity of the outcome distributions. Pauli strings
are estimated from the model at any ``N`` by sequential importance sampling
(:func:`~qgen.tomography.povm_model.pauli_expectation_of_model`), with the Monte Carlo
error of the model's value, beside the direct estimate from the data with its standard
error (``data_estimates``: the finite-data uncertainty, which the Monte Carlo error does
not include) and the exact values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from qgen.driver import Driver, cosine_schedule, model_device, seed_for
from qgen.errors import ConfigError
from qgen.exact.density import (
    closest_physical,
    min_eigenvalue,
    purity,
    quantum_fidelity,
    trace_distance,
)
from qgen.exact.povm import (
    PAULI_MATRICES,
    outcome_probabilities,
    pauli_string_expectation,
    probabilities_of_outcomes,
)
from qgen.runs import RunDirectory
from qgen.tomography.baselines import MAX_BASELINE_SITES, linear_inversion, maximum_likelihood
from qgen.tomography.povm_data import POVMData
from qgen.tomography.povm_files import load_povm_data, save_density_matrix
from qgen.tomography.povm_model import (
    MAX_ENUMERATED_SITES,
    POVMTrainer,
    build_povm_model,
    classical_fidelity_monte_carlo,
    likelihood_projection,
    model_density_matrix,
    model_probabilities,
    pauli_expectation,
    pauli_expectation_of_model,
)
from qgen.tomography.workflow import (
    DEFAULT_LEARNING_RATES,
    DataSourceOptions,
    TomographyOptions,
    execute_tomography,
)
from qgen.workflow import Plan, log_to_stderr

__all__ = [
    "BaselineFit",
    "default_observables",
    "load_mixed_data",
    "mixed_plan",
    "projection_of",
    "run_mixed_tomography",
]

_FIDELITY_PER_EPOCH_SITES = 4
"""Largest N whose quantum fidelity is evaluated every epoch (6^N outcomes enumerated)."""


def load_mixed_data(source: DataSourceOptions, povm: str | None = None) -> POVMData:
    """The POVM outcomes (and target ρ) that ``source`` names."""
    if source.target_psi is not None:
        raise ConfigError(
            "--mixed compares with a density matrix: give --target-rho, not --target-psi"
        )
    return load_povm_data(
        source.location,
        bases=source.bases,
        format=source.format,
        povm=povm,
        bit_order=source.bit_order,
        target_rho=source.target_rho,
        target_rho_imag=source.target_rho_imag,
    )


def default_observables(n_sites: int) -> list[str]:
    """``Z…Z`` on the two end sites, ``X…X`` and ``Z…Z`` on all sites: for a GHZ state
    the correlator, the coherence and the parity."""
    ends = "Z" + "I" * (n_sites - 2) + "Z" if n_sites > 1 else "Z"
    return list(dict.fromkeys([ends, "X" * n_sites, "Z" * n_sites]))


def _observables(options: TomographyOptions, n_sites: int) -> list[str]:
    if options.observables is None:
        return default_observables(n_sites)
    strings = [item.strip().upper() for item in options.observables.split(",")]
    for item in strings:
        if len(item) != n_sites or set(item) - set(PAULI_MATRICES):
            raise ConfigError(
                f"--observables: expected Pauli strings of {n_sites} letters from I, X, Y, Z, "
                f"got {item!r:.80}"
            )
    return strings


class _DensityMatrix(nn.Module):
    """A fitted ρ as buffers, so that a baseline's checkpoint is the matrix it found."""

    def __init__(self, n_sites: int) -> None:
        super().__init__()
        dimension = 1 << n_sites
        self.register_buffer("real", torch.zeros(dimension, dimension, dtype=torch.float64))
        self.register_buffer("imag", torch.zeros(dimension, dimension, dtype=torch.float64))

    def matrix(self) -> np.ndarray:
        real, imag = self.get_buffer("real"), self.get_buffer("imag")
        return real.numpy() + 1j * imag.numpy()


class BaselineFit(Driver):
    """A baseline estimate (``"mle"`` or ``"linear"``) as a one-step driver: its record
    holds the mean log-likelihood and the iterations, its checkpoint the matrix."""

    counter = "step"
    first_count = 1
    unit = "fit"

    def __init__(self, data: POVMData, baseline: str) -> None:
        super().__init__(_DensityMatrix(data.n_sites), [])
        self.data = data
        self.baseline = baseline

    def step(self) -> dict[str, Any]:
        fit = maximum_likelihood if self.baseline == "mle" else linear_inversion
        estimate = fit(self.data)
        model: Any = self.model
        model.real.copy_(torch.from_numpy(estimate.rho.real))
        model.imag.copy_(torch.from_numpy(estimate.rho.imag))
        return {
            "log_likelihood": estimate.log_likelihood,
            "iterations": estimate.iterations,
            "converged": estimate.converged,
        }

    def density_matrix(self) -> np.ndarray:
        model: Any = self.model
        return model.matrix()


def projection_of(options: TomographyOptions, n_sites: int) -> str:
    """The projection a run uses: the option, or likelihood up to 7 qubits (where it was
    0.016–0.043 more faithful than the 2-norm projection on noisy GHZ3, benchmarks/
    RESULTS.md), frobenius beyond."""
    if options.projection is not None:
        return options.projection
    return "likelihood" if n_sites <= MAX_BASELINE_SITES else "frobenius"


def _check_sizes(data: POVMData, options: TomographyOptions) -> None:
    if options.baseline is not None and data.n_sites > MAX_BASELINE_SITES:
        raise ConfigError(
            f"--baseline {options.baseline}: expected N <= {MAX_BASELINE_SITES}, got "
            f"N = {data.n_sites}; train a model instead"
        )
    if options.projection == "likelihood" and data.n_sites > MAX_BASELINE_SITES:
        raise ConfigError(
            f"--projection likelihood: expected N <= {MAX_BASELINE_SITES}, got N = {data.n_sites}"
        )


_QUALITY_KEYS = (
    "min_eigenvalue_before_projection",
    "purity",
    "purity_before_projection",
    "fidelity",
    "trace_distance",
    "classical_fidelity",
    "classical_fidelity_error",
)


def _quality(
    raw: np.ndarray, physical: np.ndarray, data: POVMData, probabilities: np.ndarray | None
) -> dict[str, Any]:
    """What a physicist asks of a reconstruction: its negativity, purity and, with a
    target, fidelity, trace distance and classical fidelity."""
    summary: dict[str, Any] = {
        **dict.fromkeys(_QUALITY_KEYS),
        "min_eigenvalue_before_projection": min_eigenvalue(raw),
        "purity": purity(physical),
        "purity_before_projection": purity(raw),
    }
    if data.rho is not None:
        target = data.rho
        summary["fidelity"] = quantum_fidelity(physical, target)
        summary["trace_distance"] = trace_distance(physical, target)
        if probabilities is None:
            probabilities = outcome_probabilities(physical, data.measurement, check=False)
        exact = outcome_probabilities(target, data.measurement, check=False)
        overlap = np.sqrt(np.clip(probabilities, 0, None) * np.clip(exact, 0, None)).sum()
        summary["classical_fidelity"] = float(overlap)
        summary["classical_fidelity_error"] = 0.0  # by enumeration
    return summary


class _Reconstruction:
    """The raw and the physical ρ of a summary, kept for the files and the plot."""

    def __init__(self, target: np.ndarray | None) -> None:
        self.target = target
        self.raw: np.ndarray | None = None
        self.physical: np.ndarray | None = None

    def save(self, run_dir: RunDirectory) -> dict[str, Any]:
        if self.raw is None or self.physical is None:
            return {"rho": None}
        save_density_matrix(self.raw, run_dir.path / "rho_unprojected.npy")
        return {"rho": str(save_density_matrix(self.physical, run_dir.path / "rho.npy"))}

    def plot(
        self, run_dir: RunDirectory, history: list[dict[str, Any]], summary: dict[str, Any]
    ) -> None:
        from qgen.plotting import density_matrix_bars

        _plot_training(run_dir, history)
        if self.physical is not None:
            title = str(summary["method"])
            if summary["min_eigenvalue_before_projection"] < 0:
                title += f" ({summary['projection']} projection)"
            if summary.get("fidelity") is not None:
                title += f", F = {summary['fidelity']:.4f}"
            density_matrix_bars(run_dir.path / "rho.png", self.physical, self.target, title)


_MONTE_CARLO_FIDELITY_SAMPLES = 10_000
"""At most this many model samples for the classical fidelity beyond 8 qubits (N = 12:
about a minute, each sample's target probability a contraction of the 2^N matrix)."""


def _classical_fidelity_of_samples(model: Any, data: POVMData, n_samples: int) -> dict[str, float]:
    rho, povm = data.rho, data.measurement
    assert rho is not None

    def target_log_prob(outcomes: torch.Tensor) -> torch.Tensor:
        probabilities = probabilities_of_outcomes(rho, povm, outcomes.cpu().numpy())
        return torch.from_numpy(probabilities).to(outcomes.device).clamp_min(1e-300).log()

    generator = torch.Generator(device=model_device(model))
    generator.manual_seed(seed_for(0, "classical fidelity"))
    count = min(n_samples, _MONTE_CARLO_FIDELITY_SAMPLES)
    return classical_fidelity_monte_carlo(model, target_log_prob, count, generator)


def _exact_observables(data: POVMData, observables: list[str]) -> dict[str, float] | None:
    if data.rho is None:
        return None
    return {pauli: pauli_string_expectation(data.rho, pauli) for pauli in observables}


def _direct_estimates(data: POVMData, observables: list[str]) -> dict[str, dict[str, float]]:
    """Each Pauli string read off the measurements themselves, the mean of
    :math:`\\prod_k \\mathrm{Tr}(\\sigma_k Q_{a_k})` over the data with its standard
    error: what the data alone know of it, the scale of any estimate's finite-data error."""
    return {
        pauli: pauli_expectation(data.outcomes, data.measurement, pauli) for pauli in observables
    }


def _baseline_plan(data: POVMData, options: TomographyOptions, observables: list[str]) -> Plan:
    fit = BaselineFit(data, str(options.baseline))
    kept = _Reconstruction(data.rho)

    def summarize(history: list[dict[str, Any]]) -> dict[str, Any]:
        kept.raw = fit.density_matrix()
        kept.physical = closest_physical(kept.raw)
        last = history[-1] if history else {}
        return {
            "method": options.baseline,
            **_common(data),
            **_quality(kept.raw, kept.physical, data, None),
            "projection": "frobenius",
            "rho": None,
            "observables": {
                pauli: {"value": pauli_string_expectation(kept.physical, pauli), "error": None}
                for pauli in observables
            },
            "data_estimates": _direct_estimates(data, observables),
            "exact": _exact_observables(data, observables),
            "iterations": last.get("iterations"),
            "log_likelihood": last.get("log_likelihood"),
            "converged": last.get("converged"),
        }

    notes = [f"{data!r}; the {options.baseline} baseline on all of them"]
    return Plan(fit, 1, 1, notes, summarize, kept.plot, kept.save)


def mixed_plan(
    data: POVMData, options: TomographyOptions, device: torch.device | str | None = None
) -> Plan:
    """The run as a :class:`~qgen.workflow.Plan`: a baseline fit (on the CPU, NumPy), or
    the outcome model's training on ``device`` (default: the CPU); its summary
    reconstructs ρ (``N <= 8``) and estimates the observables."""
    _check_sizes(data, options)
    observables = _observables(options, data.n_sites)
    if options.baseline is not None:
        return _baseline_plan(data, options, observables)
    train, validation = data.split(options.validation_fraction, seed=options.seed)
    model = build_povm_model(
        options.model,
        data.n_sites,
        data.povm,
        hidden=options.hidden,
        layers=options.layers,
        heads=options.heads,
        seed=options.seed,
    ).to(torch.device("cpu") if device is None else device)
    learning_rate = options.lr or DEFAULT_LEARNING_RATES[options.model]
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    scheduler = None
    if options.lr_schedule == "cosine":
        scheduler = cosine_schedule(optimizer, options.epochs, floor=0.02)
    enumerable = data.n_sites <= MAX_ENUMERATED_SITES
    target = None
    if data.rho is not None and enumerable:
        target = outcome_probabilities(data.rho, data.measurement)
    trainer = POVMTrainer(
        model,
        train,
        validation,
        optimizer,
        batch_size=options.batch_size,
        patience=options.patience,
        target=target,
        target_rho=data.rho if data.n_sites <= _FIDELITY_PER_EPOCH_SITES else None,
        fidelity_every=options.fidelity_every,
        scheduler=scheduler,
        seed=options.seed,
    )
    n_parameters = sum(p.numel() for p in model.parameters())
    notes = [
        f"{data!r}; {train.n_samples} for training, {validation.n_samples} held out",
        f"{options.model} over {data.measurement.size} outcomes per site ({n_parameters:,} "
        f"parameters), Adam lr {learning_rate:g}, batch {options.batch_size}, up to "
        f"{options.epochs} epochs",
    ]
    kept = _Reconstruction(data.rho)

    def summarize(history: list[dict[str, Any]]) -> dict[str, Any]:
        model.eval()
        summary: dict[str, Any] = {
            "method": options.model,
            **_common(data),
            "nll": trainer.nll(trainer.validation) if trainer.validation is not None else None,
            "train_nll": trainer.nll(trainer.train_outcomes),
            "n_parameters": n_parameters,
            "epochs": trainer.steps,
            "best_epoch": trainer.best_step,
            "stopped_early": trainer.stopped,
            "seconds_training": sum(r.get("seconds", 0.0) for r in history),
            "n_train": train.n_samples,
            "n_validation": validation.n_samples,
            "projection": projection_of(options, data.n_sites),
            "rho": None,
        }
        if enumerable:
            kept.raw = model_density_matrix(model, data.measurement)
            if summary["projection"] == "likelihood":
                kept.physical = likelihood_projection(model, data.measurement)
            else:
                kept.physical = closest_physical(kept.raw)
            probabilities = model_probabilities(model)
            summary.update(_quality(kept.raw, kept.physical, data, probabilities))
        else:
            summary.update(dict.fromkeys(_QUALITY_KEYS))
        generator = torch.Generator(device=model_device(model))
        generator.manual_seed(seed_for(options.seed, "estimate"))
        if not enumerable and data.rho is not None:  # 8 < N <= 12: Monte Carlo
            estimate = _classical_fidelity_of_samples(model, data, options.estimate_samples)
            summary["classical_fidelity"] = estimate["value"]
            summary["classical_fidelity_error"] = estimate["error"]
        summary["observables"] = {
            pauli: pauli_expectation_of_model(
                model, data.measurement, pauli, options.estimate_samples, generator
            )
            for pauli in observables
        }
        summary["data_estimates"] = _direct_estimates(data, observables)
        summary["exact"] = _exact_observables(data, observables)
        summary["estimate_samples"] = options.estimate_samples
        return summary

    return Plan(
        trainer, options.epochs, options.checkpoint_every, notes, summarize, kept.plot, kept.save
    )


def _common(data: POVMData) -> dict[str, Any]:
    return {
        "mixed": True,
        "povm": data.povm,
        "n_sites": data.n_sites,
        "n_samples": data.n_samples,
        "target_known": data.rho is not None,
    }


def run_mixed_tomography(
    data: POVMData,
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
    """Reconstruct the state of ``data`` in the run directory ``out`` (or resume there),
    training on ``device``.

    Returns the summary (also ``summary.json``): ``fidelity``, ``trace_distance`` and
    ``classical_fidelity`` (None without a target or beyond ``N = 8``),
    ``min_eigenvalue_before_projection``, ``purity``, ``rho`` (the path of the physical ρ,
    ``.npy``, site 0 the most significant qubit), ``observables`` (Pauli string →
    ``{"value", "error"}``) and ``exact`` (their values in the target), and the run's
    particulars.
    """
    return execute_tomography(
        lambda: mixed_plan(data, options, device),
        options,
        out,
        source=source,
        resume=resume,
        progress=progress,
        plots=plots,
        log=log,
    )


def _plot_training(run_dir: RunDirectory, history: list[dict[str, Any]]) -> None:
    from qgen.plotting import series_plot

    if not history or "train_nll" not in history[0]:
        return
    epochs = [r["epoch"] for r in history]
    series_plot(
        run_dir.path / "nll.png",
        epochs,
        {
            "training": [r.get("train_nll") for r in history],
            "validation": [r.get("validation_nll") for r in history],
        },
        "epoch",
        "negative log-likelihood (nats per sample)",
        integer_x=True,
    )
    curves = {
        "1 - classical fidelity": [_infidelity(r.get("classical_fidelity")) for r in history],
        "1 - fidelity (projected rho)": [_infidelity(r.get("fidelity")) for r in history],
    }
    curves = {k: v for k, v in curves.items() if any(x is not None for x in v)}
    if curves:
        series_plot(
            run_dir.path / "fidelity.png",
            epochs,
            curves,
            "epoch",
            "infidelity",
            log_y=True,
            integer_x=True,
        )


def _infidelity(value: float | None) -> float | None:
    return None if value is None else max(1.0 - value, 1e-16)
