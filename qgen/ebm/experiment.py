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

import time
from dataclasses import asdict, dataclass
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
from qgen.driver import cosine_schedule
from qgen.ebm.ais import base_visible_bias, log_partition, negative_log_likelihood
from qgen.ebm.metrics import compare_histograms, level_edges
from qgen.ebm.reference import ising_thermodynamics
from qgen.ebm.training import METHODS, ContrastiveDivergence
from qgen.errors import DataError, TrainingError
from qgen.estimators.statistics import mean_and_error
from qgen.models.bernoulli_rbm import BernoulliRBM
from qgen.runs import RunDirectory
from qgen.validation import require_choice, require_float, require_int

__all__ = ["DATASETS", "ISING_CHAINS", "OPTIMIZERS", "EBMExperiment", "ising_data", "run_ebm"]

DATASETS = ("ising",)
OPTIMIZERS = ("sgd", "adam")
ISING_CHAINS = 500
"""Independent Markov chains behind the Ising data; sample k comes from chain k mod 500."""


@dataclass
class EBMExperiment:
    """Everything that defines a run (written to ``config.toml``).

    ``samples`` training and ``test_samples`` held-out configurations; the RBM has
    ``hidden`` hidden units and is trained by ``method`` (``"cd"`` or ``"pcd"``) with
    ``cd_k`` Gibbs steps per update; the NLL is estimated every ``nll_every`` epochs with
    AIS (``ais_chains`` chains, ``ais_betas`` temperatures), exactly when
    min(visible, hidden) ≤ ``exact_up_to``; ``model_samples`` samples come from
    independent chains of ``gibbs_steps`` block Gibbs steps. ``symmetric`` ties the biases
    to the weights so that the RBM has the Ising model's spin-flip symmetry exactly
    (:class:`~qgen.ebm.training.CDConfig`); ``augment`` shows the training minibatches
    under random lattice symmetries (translations and point operations,
    :func:`~qgen.datasets.ising.lattice_symmetries`); ``cosine`` decays the learning rate
    to zero over the epochs."""

    dataset: str = "ising"
    size: str = "8x8"
    temperature: float = 2.269
    samples: int = 10_000
    test_samples: int = 5_000
    hidden: int = 64
    method: str = "cd"
    cd_k: int = 10
    epochs: int = 30
    batch_size: int = 100
    learning_rate: float = 0.003
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    symmetric: bool = True
    augment: bool = False
    cosine: bool = True
    seed: int = 0
    nll_every: int = 5
    ais_chains: int = 100
    ais_betas: int = 1000
    exact_up_to: int = 20
    model_samples: int = 5_000
    gibbs_steps: int = 1_000
    bins: int = 30

    def check(self) -> None:
        """Refuse unknown names and impossible settings, naming what is allowed."""
        if self.dataset not in DATASETS:
            raise DataError(f"unknown dataset {self.dataset!r}; expected one of {DATASETS}")
        lattice_shape(self.size)
        require_float(self.temperature, "temperature", minimum=0.0, inclusive=False)
        require_int(self.hidden, "number of hidden units", minimum=1)
        require_int(self.samples, "number of training samples", minimum=10)
        require_int(self.test_samples, "number of test samples", minimum=10)
        require_int(self.nll_every, "NLL interval (epochs)", minimum=1)
        require_int(self.model_samples, "number of model samples", minimum=10)
        require_int(self.gibbs_steps, "number of Gibbs steps for sampling", minimum=1)
        require_int(self.bins, "number of histogram bins", minimum=2)

        require_int(self.ais_chains, "number of AIS chains", minimum=2)
        require_int(self.ais_betas, "number of AIS inverse temperatures", minimum=2)
        require_choice(self.method, "method", METHODS)
        require_choice(self.optimizer, "optimizer", OPTIMIZERS)
        require_int(self.cd_k, "k (Gibbs steps of CD-k)", minimum=1)
        require_int(self.epochs, "epochs", minimum=1)
        require_int(self.batch_size, "batch_size", minimum=1)
        require_float(self.learning_rate, "learning_rate", minimum=0.0, inclusive=False)
        require_float(self.weight_decay, "weight_decay", minimum=0.0)
        require_float(self.momentum, "momentum", minimum=0.0, maximum=1.0)

    def driver(
        self,
        model: BernoulliRBM,
        train: torch.Tensor,
        evaluate: Any = None,
        symmetries: torch.Tensor | None = None,
    ) -> ContrastiveDivergence:
        """The :class:`~qgen.ebm.training.ContrastiveDivergence` driver of this experiment."""
        if self.optimizer == "sgd":
            optimizer: torch.optim.Optimizer = torch.optim.SGD(
                model.parameters(),
                lr=self.learning_rate,
                momentum=self.momentum,
                weight_decay=self.weight_decay,
            )
        else:
            optimizer = torch.optim.Adam(
                model.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
            )
        scheduler = cosine_schedule(optimizer, self.epochs) if self.cosine else None
        return ContrastiveDivergence(
            model,
            train,
            optimizer,
            method=self.method,
            k=self.cd_k,
            batch_size=self.batch_size,
            symmetric=self.symmetric,
            symmetries=symmetries,
            evaluate=evaluate,
            scheduler=scheduler,
            seed=self.seed,
        )


def ising_data(experiment: EBMExperiment) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training configurations, test configurations (``(n, L_x L_y)`` float bits, 0 = up)
    and the Markov chain of each test configuration; seeded by ``experiment.seed``."""
    total = experiment.samples + experiment.test_samples
    chains = min(total, ISING_CHAINS)
    spins = sample_ising(
        experiment.size, experiment.temperature, total, n_chains=chains, seed=experiment.seed + 7919
    )
    configs = configs_from_spins(spins).to(torch.float32)
    labels = torch.arange(experiment.samples, total) % chains
    return configs[: experiment.samples], configs[experiment.samples :], labels


def _observables(configs: torch.Tensor, size: str) -> dict[str, torch.Tensor]:
    lattices = spins_from_configs(configs, size)
    m = magnetization(lattices)
    return {
        "energy_per_site": energy_per_site(lattices),
        "magnetization": m,
        "abs_magnetization": m.abs(),
    }


def run_ebm(
    experiment: EBMExperiment,
    out: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
    plots: bool = True,
) -> dict[str, Any]:
    """Train and evaluate (module docstring); returns the summary. With ``out``, leave a
    run directory; ``resume=True`` continues the run in ``out`` from its checkpoint."""
    experiment.check()
    if resume and out is None:
        raise TrainingError("resuming needs the run directory to continue (out)")
    start = time.perf_counter()
    train, test, test_chains = ising_data(experiment)
    n_visible = train.shape[1]
    run = RunDirectory(out, resume=resume) if out is not None else None
    if run is not None:
        run.write_config({"ebm": asdict(experiment)})
    model = BernoulliRBM(
        n_visible, experiment.hidden, generator=torch.Generator().manual_seed(experiment.seed)
    )
    base = base_visible_bias(train, n_visible)
    generator = torch.Generator().manual_seed(experiment.seed + 104729)
    train_subset = train[: experiment.test_samples]

    def evaluate(rbm: BernoulliRBM, epoch: int) -> dict[str, Any]:
        if epoch % experiment.nll_every and epoch != experiment.epochs:
            return {}
        log_z = log_partition(
            rbm,
            experiment.ais_chains,
            experiment.ais_betas,
            generator,
            base,
            experiment.exact_up_to,
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

    symmetries = lattice_symmetries(experiment.size) if experiment.augment else None
    driver = experiment.driver(model, train, evaluate, symmetries)
    if run is not None and run.resume:
        driver.restore(run)
    records = driver.run(experiment.epochs, run_dir=run, progress=progress)
    if run is not None:
        records = run.read_log()  # the earlier sessions' epochs too, on resume
    final = records[-1] if records else {}
    log_z = log_partition(
        model, experiment.ais_chains, experiment.ais_betas, generator, base, experiment.exact_up_to
    )
    test_nll = negative_log_likelihood(model, test, log_z)
    samples = model.sample(experiment.model_samples, generator, n_steps=experiment.gibbs_steps)
    data_obs = _observables(test, experiment.size)
    model_obs = _observables(samples, experiment.size)
    n_sites = n_visible
    summary: dict[str, Any] = {
        "dataset": experiment.dataset,
        "size": experiment.size,
        "temperature": experiment.temperature,
        "n_visible": n_visible,
        "n_hidden": experiment.hidden,
        "method": experiment.method,
        "cd_k": experiment.cd_k,
        "symmetric": experiment.symmetric,
        "augment": experiment.augment,
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
    lx, ly = lattice_shape(experiment.size)
    if lx == ly:
        exact = ising_thermodynamics(lx, experiment.temperature)
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
        edges = level_edges(both, steps[name], experiment.bins)
        comparison = compare_histograms(
            model_obs[name], data_obs[name], test_chains, edges, generator=generator
        )
        ising["histograms"][name] = {
            key: comparison[key]
            for key in ("tv", "tv_noise", "tv_noise_spread", "chi2", "chi2_bins", "chi2_p_value")
        }
        ising["histograms"][name]["_full"] = comparison
    ising["data"]["independent_chains"] = int(test_chains.unique().numel())
    ising["model"]["independent_chains"] = experiment.model_samples
    ising["model"]["gibbs_steps"] = experiment.gibbs_steps
    full = {name: ising["histograms"][name].pop("_full") for name in ising["histograms"]}
    summary["ising"] = ising
    summary["seconds"] = time.perf_counter() - start
    if run is not None:
        if plots:
            summary["plots"] = _plots(run.path, experiment, full, records)
        summary["out"] = str(run.path)
        run.write_summary(summary)
    return summary


def _plots(
    path: Path,
    experiment: EBMExperiment,
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
    figure.suptitle(f"{experiment.size} Ising, T = {experiment.temperature:g}")
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
