"""One energy-based-model experiment end to end: what ``qgen ebm`` runs.

:func:`run_ebm` draws seeded Monte Carlo samples of the classical 2D Ising model
(:func:`~qgen.datasets.ising.sample_ising`, hybrid Metropolis + Wolff), trains a
:class:`~qgen.models.bernoulli_rbm.BernoulliRBM` on them by CD-k or PCD, estimates the
held-out NLL (exact log Z for small models, AIS otherwise), draws samples from independent
Gibbs chains and compares their energy and magnetization histograms with those of held-out
Monte Carlo data (:func:`~qgen.ebm.metrics.compare_histograms`). With a run directory it
leaves ``config.toml``, ``log.jsonl``, ``checkpoint.pt``, ``summary.json`` and the plots
``histograms.png`` and ``nll.png``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from qgen.datasets.ising import (
    configs_from_spins,
    energy_per_site,
    lattice_shape,
    lattice_symmetries,
    magnetization,
    sample_ising,
    spins_from_configs,
)
from qgen.driver import cosine_schedule, seed_for
from qgen.ebm.ais import base_visible_bias, log_partition, negative_log_likelihood
from qgen.ebm.metrics import compare_histograms, level_edges
from qgen.ebm.reference import ising_thermodynamics
from qgen.ebm.training import METHODS, ContrastiveDivergence
from qgen.errors import ConfigError, QgenError
from qgen.estimators.statistics import mean_and_error
from qgen.models.bernoulli_rbm import BernoulliRBM
from qgen.options import Options, option
from qgen.runs import RunDirectory
from qgen.workflow import Plan, execute, log_to_stderr

__all__ = ["DATASETS", "ISING_CHAINS", "OPTIMIZERS", "EBMOptions", "ising_data", "plan", "run_ebm"]

DATASETS = ("ising",)
OPTIMIZERS = ("sgd", "adam")
ISING_CHAINS = 500
"""Independent Markov chains behind the Ising data; sample k comes from chain k mod 500."""


def _ising_size(value: Any, label: str) -> str:
    try:
        lx, ly = lattice_shape(value)
    except QgenError:
        raise ConfigError(
            f"{label}: expected an Ising lattice such as 8x8 (lengths ≥ 3), got {value!r}"
        ) from None
    return f"{lx}x{ly}"


@dataclass
class EBMOptions(Options):
    """Everything that defines a ``qgen ebm`` run (its ``[ebm]`` table): ``samples``
    training and ``test_samples`` held-out configurations of the 2D Ising model; an RBM
    with ``hidden`` units trained by CD-k or persistent CD; the NLL every ``nll_every``
    epochs with AIS (exact when min(visible, hidden) ≤ ``exact_up_to``); ``model_samples``
    samples from independent chains of ``gibbs_steps`` block Gibbs steps. ``symmetric``
    ties the biases to the weights so that the RBM has the spin-flip symmetry exactly;
    ``augment`` shows the minibatches under random lattice symmetries; ``cosine`` decays
    the learning rate to zero over the epochs."""

    table = "ebm"

    dataset: str = option("ising", "the training data", choices=DATASETS, group="data")
    size: str = option("8x8", "Ising lattice", convert=_ising_size, group="data")
    temperature: float = option(
        2.269, "Ising temperature", minimum=0.0, inclusive=False, unit="J", group="data"
    )
    samples: int = option(10_000, "training configurations", minimum=10, group="data")
    test_samples: int = option(5_000, "held-out configurations", minimum=10, group="data")
    hidden: int = option(64, "hidden units", minimum=1, group="model and training")
    method: str = option(
        "cd",
        "contrastive divergence: cd (chains from the data) or pcd (persistent)",
        choices=METHODS,
        constants={"--pcd": "pcd"},
        group="model and training",
    )
    cd_k: int | None = option(
        None,
        "Gibbs steps per update",
        minimum=1,
        flags=("--cd-k", "--pcd-k"),
        group="model and training",
        default_help="10 for CD, 1 for PCD",
    )
    epochs: int = option(30, "epochs", minimum=1, group="model and training", resumable=True)
    batch_size: int = option(
        100, "configurations per update", minimum=1, group="model and training"
    )
    lr: float = option(
        0.003,
        "learning rate",
        minimum=0.0,
        inclusive=False,
        flags=("--lr", "--learning-rate"),
        group="model and training",
    )
    optimizer: str = option("adam", "optimizer", choices=OPTIMIZERS, group="model and training")
    momentum: float = option(
        0.9, "SGD momentum", minimum=0.0, maximum=1.0, group="model and training"
    )
    weight_decay: float = option(0.0, "L2 penalty", minimum=0.0, group="model and training")
    symmetric: bool = option(
        True,
        "tie the biases to the weights: p(v) = p(1 - v), the spin-flip symmetry",
        group="model and training",
    )
    augment: bool = option(
        False,
        "show each minibatch under random lattice translations, rotations and reflections",
        group="model and training",
    )
    cosine: bool = option(
        True, "cosine learning-rate decay over the epochs", group="model and training"
    )
    seed: int = option(
        0,
        "seed of the data, the model and the chains",
        minimum=0,
        maximum=2**63 - 1,
        group="model and training",
    )
    nll_every: int = option(5, "epochs between NLL estimates", minimum=1, group="estimates")
    ais_chains: int = option(100, "AIS chains", minimum=2, group="estimates")
    ais_betas: int = option(1000, "AIS inverse temperatures", minimum=2, group="estimates")
    exact_up_to: int = option(
        20,
        "enumerate log Z when min(visible, hidden) is at most this",
        minimum=0,
        maximum=24,
        group="estimates",
    )
    model_samples: int = option(
        5_000, "independent Gibbs chains for the histograms", minimum=10, group="estimates"
    )
    gibbs_steps: int = option(1_000, "Gibbs steps per model sample", minimum=1, group="estimates")
    bins: int = option(30, "histogram bins", minimum=2, group="estimates")

    @property
    def k(self) -> int:
        """Gibbs steps per update: ``cd_k``, or 10 for CD and 1 for PCD."""
        if self.cd_k is not None:
            return self.cd_k
        return 1 if self.method == "pcd" else 10


def ising_data(options: EBMOptions) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training configurations, test configurations (``(n, L_x L_y)`` float bits, 0 = up)
    and the Markov chain of each test configuration; seeded by the run's ``"data"``
    stream."""
    total = options.samples + options.test_samples
    chains = min(total, ISING_CHAINS)
    spins = sample_ising(
        options.size,
        options.temperature,
        total,
        n_chains=chains,
        seed=seed_for(options.seed, "data"),
    )
    configs = configs_from_spins(spins).to(torch.float32)
    labels = torch.arange(options.samples, total) % chains
    return configs[: options.samples], configs[options.samples :], labels


def _driver(
    options: EBMOptions,
    model: BernoulliRBM,
    train: torch.Tensor,
    evaluate: Callable[[BernoulliRBM, int], dict[str, Any]],
) -> ContrastiveDivergence:
    if options.optimizer == "sgd":
        optimizer: torch.optim.Optimizer = torch.optim.SGD(
            model.parameters(),
            lr=options.lr,
            momentum=options.momentum,
            weight_decay=options.weight_decay,
        )
    else:
        optimizer = torch.optim.Adam(
            model.parameters(), lr=options.lr, weight_decay=options.weight_decay
        )
    return ContrastiveDivergence(
        model,
        train,
        optimizer,
        method=options.method,
        k=options.k,
        batch_size=options.batch_size,
        symmetric=options.symmetric,
        symmetries=lattice_symmetries(options.size) if options.augment else None,
        evaluate=evaluate,
        scheduler=cosine_schedule(optimizer, options.epochs) if options.cosine else None,
        seed=options.seed,
    )


def _observables(configs: torch.Tensor, size: str) -> dict[str, torch.Tensor]:
    lattices = spins_from_configs(configs, size)
    m = magnetization(lattices)
    return {
        "energy_per_site": energy_per_site(lattices),
        "magnetization": m,
        "abs_magnetization": m.abs(),
    }


def plan(options: EBMOptions) -> Plan:
    """The EBM run as a :class:`~qgen.workflow.Plan` (see the module docstring)."""
    train, test, test_chains = ising_data(options)
    n_visible = train.shape[1]
    model = BernoulliRBM(
        n_visible, options.hidden, generator=torch.Generator().manual_seed(options.seed)
    )
    base = base_visible_bias(train, n_visible)
    generator = torch.Generator().manual_seed(seed_for(options.seed, "estimate"))
    train_subset = train[: options.test_samples]

    def evaluate(rbm: BernoulliRBM, epoch: int) -> dict[str, Any]:
        if epoch % options.nll_every and epoch != options.epochs:
            return {}
        log_z = log_partition(
            rbm, options.ais_chains, options.ais_betas, generator, base, options.exact_up_to
        )
        test_nll = negative_log_likelihood(rbm, test, log_z)
        train_nll = negative_log_likelihood(rbm, train_subset, log_z)
        return {
            "log_partition": log_z.value,
            "log_partition_error": log_z.error,
            "nll": test_nll["value"],
            "nll_error": test_nll["error"],
            "train_nll": train_nll["value"],
        }

    driver = _driver(options, model, train, evaluate)
    method = "PCD" if options.method == "pcd" else "CD"
    notes = [
        f"RBM with {options.hidden} hidden units, {method}-{options.k}, on {options.size} "
        f"Ising at T = {options.temperature:g}, {options.samples} samples, {options.epochs} "
        f"epochs, seed {options.seed}"
    ]

    def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
        final = records[-1] if records else {}
        log_z = log_partition(
            model, options.ais_chains, options.ais_betas, generator, base, options.exact_up_to
        )
        test_nll = negative_log_likelihood(model, test, log_z)
        samples = model.sample(options.model_samples, generator, n_steps=options.gibbs_steps)
        data_obs = _observables(test, options.size)
        model_obs = _observables(samples, options.size)
        n_sites = n_visible
        summary: dict[str, Any] = {
            "dataset": options.dataset,
            "size": options.size,
            "temperature": options.temperature,
            "n_visible": n_visible,
            "n_hidden": options.hidden,
            "method": options.method,
            "cd_k": options.k,
            "symmetric": options.symmetric,
            "augment": options.augment,
            "epochs_run": driver.steps,
            "n_train": train.shape[0],
            "n_test": test.shape[0],
            "log_partition": log_z.as_dict(),
            "test_nll": {
                "value": test_nll["value"],
                "error": test_nll["error"],
                "per_site": test_nll["value"] / n_sites,
                "kind": "exact log Z" if log_z.method == "exact" else "AIS estimate of log Z",
                "units": "nats per sample",
            },
            "final_train_nll": final.get("train_nll"),
        }
        lx, ly = lattice_shape(options.size)
        if lx == ly:
            exact = ising_thermodynamics(lx, options.temperature)
            summary["exact_entropy"] = {
                "value": exact.entropy,
                "energy_per_site": exact.energy_per_site,
                "kind": "exact entropy of the periodic Ising lattice (Kaufman 1949), nats",
            }
            summary["test_nll"]["kl_to_model"] = test_nll["value"] - exact.entropy
        ising: dict[str, Any] = {"data": {}, "model": {}, "histograms": {}}
        for name in ("energy_per_site", "abs_magnetization", "magnetization"):
            ising["data"][name] = mean_and_error(data_obs[name], test_chains)
            ising["model"][name] = mean_and_error(model_obs[name])
        steps = {"energy_per_site": 4 / n_sites, "magnetization": 2 / n_sites}
        steps["abs_magnetization"] = steps["magnetization"]
        for name in ("energy_per_site", "magnetization", "abs_magnetization"):
            both = torch.cat([model_obs[name], data_obs[name]])
            edges = level_edges(both, steps[name], options.bins)
            comparison = compare_histograms(
                model_obs[name], data_obs[name], test_chains, edges, generator=generator
            )
            ising["histograms"][name] = {
                key: comparison[key]
                for key in (
                    "tv",
                    "tv_noise",
                    "tv_noise_spread",
                    "chi2",
                    "chi2_bins",
                    "chi2_p_value",
                )
            }
            ising["histograms"][name]["_full"] = comparison
        ising["data"]["independent_chains"] = int(test_chains.unique().numel())
        ising["model"]["independent_chains"] = options.model_samples
        ising["model"]["gibbs_steps"] = options.gibbs_steps
        full = {name: ising["histograms"][name].pop("_full") for name in ising["histograms"]}
        summary["ising"] = ising
        comparisons.update(full)
        return summary

    def plot(run: RunDirectory, history: list[dict[str, Any]], summary: dict[str, Any]) -> None:
        _plots(run.path, options, comparisons, history)

    comparisons: dict[str, dict[str, Any]] = {}  # the full histograms, kept for the plots
    return Plan(driver, options.epochs, 1, notes, summarize, plot)


def run_ebm(
    options: EBMOptions,
    out: str | Path | None = None,
    *,
    resume: bool = False,
    progress: bool | None = None,
    plots: bool = True,
    log: Callable[[str], None] = log_to_stderr,
) -> dict[str, Any]:
    """Train and evaluate (module docstring); returns the summary. With ``out``, leave a
    run directory; ``resume=True`` continues the run in ``out`` from its checkpoint."""
    return execute(
        "ebm",
        lambda: plan(options),
        {"ebm": options},
        out=out,
        resume=resume,
        progress=progress,
        plots=plots,
        log=log,
    )


def _plots(
    path: Path,
    options: EBMOptions,
    comparisons: dict[str, dict[str, Any]],
    records: list[dict[str, Any]],
) -> list[str]:
    from qgen.plotting import new_figure, save_figure, series_plot

    figure, axes = new_figure(2, width=4.4, height=3.4)
    labels = {"energy_per_site": "E / N", "magnetization": "m"}
    for axis, name in zip(axes, labels, strict=True):
        c = comparisons[name]
        edges = torch.tensor(c["edges"])
        centers = (0.5 * (edges[1:] + edges[:-1])).tolist()
        widths = (edges[1:] - edges[:-1]).tolist()
        axis.bar(centers, c["model_frequencies"], width=widths, alpha=0.45, label="RBM samples")
        axis.errorbar(
            centers,
            c["data_frequencies"],
            yerr=c["data_errors"],
            fmt="o",
            ms=3,
            color="black",
            label="Monte Carlo",
        )
        axis.set_xlabel(labels[name])
        axis.set_ylabel("fraction")
        axis.set_title(f"TV {c['tv']:.3f} (noise {c['tv_noise']:.3f})", fontsize=9)
        axis.legend(frameon=False, fontsize=8)
    figure.suptitle(f"{options.size} Ising, T = {options.temperature:g}")
    save_figure(figure, path / "histograms.png")
    written = ["histograms.png"]
    evaluated = [r for r in records if "nll" in r]
    if evaluated:
        series_plot(
            path / "nll.png",
            [r["epoch"] for r in evaluated],
            {"test": [r["nll"] for r in evaluated], "train": [r["train_nll"] for r in evaluated]},
            "epoch",
            "NLL (nats per sample)",
            errors={"test": [r["nll_error"] for r in evaluated]},
        )
        written.append("nll.png")
    return written
