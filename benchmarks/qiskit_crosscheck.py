r"""Cross-check qgen's density-matrix baselines against Qiskit Experiments' StateTomography
fitters on the same counts.

The data are those of ``mixed_tomography.py --case ghz3``: GHZ on ``--sites`` qubits with
local depolarizing noise ``--noise`` per qubit, every one of the ``3^N`` Pauli settings
measured ``--shots`` times, one data set per seed (``sample_settings`` with that seed). The
shots go to qgen's ``linear_inversion`` and ``maximum_likelihood`` and, written as a Qiskit
counts file by ``qgen.tomography.counts.save_counts`` (little-endian: the rightmost
letter of a setting and the rightmost bit of a bitstring are qubit 0), to the analysis of
``StateTomography(QuantumCircuit(N))``: every circuit of the experiment gets the counts
of its setting, read off its ``m_idx`` metadata, through ``ExperimentData.add_data``.

Qiskit's fitters and what their output is (``fitter=...`` of the analysis):

- ``linear_inversion``: the dual-basis estimate :math:`\sum p\,D`; reported raw
  (``rescale_positive=False``; its trace is 1 already) and as Qiskit returns it by
  default (``rescale_positive=True``: the eigenvalue projection of Smolin, Gambetta,
  Smith, PRL 108, 070502 (2012), the algorithm of qgen's ``closest_physical``). qgen's
  linear inversion is compared raw with raw and after ``closest_physical`` with rescaled.
- ``cvxpy_linear_lstsq``: :math:`\min\|A\rho - p\|_2` over PSD :math:`\rho` of unit trace
  (SCS); ``cvxpy_gaussian_lstsq``: the same with the residuals weighted by
  :math:`1/\sigma`, the posterior standard deviation of each outcome probability under a
  Dirichlet prior 0.5. Qiskit's default post-processing stays on (``rescale_positive``,
  ``rescale_trace``): it changes the fit only by the solver's tolerance, and
  ``*_raw_min_eigenvalue``, ``*_raw_trace`` and ``*_rescaled_psd`` say by how much.
  ``--scs-eps`` sets SCS's ``eps_abs`` and ``eps_rel`` (0: Qiskit's SCS defaults, whose
  fits miss PSD by ~1e-5). Both are compared with qgen's maximum likelihood, a different
  estimator (Poisson likelihood of the outcomes, not least squares): they agree to the
  statistical error only, so the record puts beside the distance between the two their
  own distances to the true state.

Conventions, checked by the ``conventions`` record before any fit (exit status 1 when a
check fails): the basis letter of each ``m_idx`` value is read from the experiment's
circuits (the ``PauliMeasZ/X/Y`` instruction on each qubit; Qiskit's order is Z, X, Y),
and every circuit, simulated by ``qiskit.quantum_info.DensityMatrix`` on a random
complex density matrix, gives the outcome probabilities that qgen's Pauli-6 probabilities
give for that counts-file setting and bitstring (bit order, basis order and the sign of
the X and Y outcomes: 0 is the +1 eigenvalue in both). qgen's matrices put site 0 in the
most significant bit, Qiskit's qubit 0 in the least: Qiskit's are compared after the
reversal of the qubit order (:func:`to_little_endian`, its own inverse).

Per seed: the Frobenius norm and the trace distance between (qgen linear inversion,
Qiskit ``linear_inversion``), raw and projected, and between (qgen MLE, each cvxpy
fitter); every estimate's trace distance to the true rho and fidelity with it (raw
linear inversion: trace distance only), Qiskit's own ``state_fidelity`` against the
true state minus qgen's fidelity of the converted matrix, and times. Summary: maxima
and means of the differences, means and sample standard deviations of the fidelities,
and on how many seeds the MLE and each cvxpy fit are closer to each other than the
farther of the two is from the true state. Exit status 1 also when the linear
inversions differ by more than ``--tolerance``.

    python benchmarks/qiskit_crosscheck.py
    python benchmarks/qiskit_crosscheck.py --sites 2 --shots 1000 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _generative_common import emit, meta
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix
from qiskit_experiments.framework import ExperimentData
from qiskit_experiments.library import StateTomography

from qgen.exact import (
    POVMS,
    apply_local_channel,
    closest_physical,
    density_matrix,
    outcome_probabilities,
    quantum_fidelity,
    sample_settings,
    trace_distance,
)
from qgen.exact.density import depolarizing, min_eigenvalue
from qgen.exact.named_states import ghz_state
from qgen.tomography.baselines import linear_inversion, maximum_likelihood
from qgen.tomography.counts import save_counts
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.povm_data import POVMData

CVXPY_FITTERS = ("cvxpy_linear_lstsq", "cvxpy_gaussian_lstsq")
"""Qiskit Experiments 0.14's constrained fitters (PSD, unit trace); it has no
``cvxpy_maximum_likelihood``."""


def to_little_endian(rho: np.ndarray) -> np.ndarray:
    """The matrix with the qubit order reversed: qgen's (site 0 most significant) to
    Qiskit's (qubit 0 least significant), and back."""
    n = rho.shape[0].bit_length() - 1
    axes = [*range(n - 1, -1, -1), *range(2 * n - 1, n - 1, -1)]
    return rho.reshape((2,) * (2 * n)).transpose(axes).reshape(rho.shape)


def circuit_letters(circuit: QuantumCircuit) -> dict[int, str]:
    """Qubit index → the Pauli letter its ``PauliMeas*`` instruction measures; also
    checks that qubit ``k`` is read into clbit ``k``."""
    letters: dict[int, str] = {}
    for instruction in circuit.data:
        name = instruction.operation.name
        qubit = circuit.find_bit(instruction.qubits[0]).index
        if name.startswith("PauliMeas"):
            letters[qubit] = name.removeprefix("PauliMeas")
        elif name == "measure":
            clbit = circuit.find_bit(instruction.clbits[0]).index
            if clbit != qubit:
                raise AssertionError(f"{circuit.name}: qubit {qubit} is read into clbit {clbit}")
    return letters


def basis_letters(experiment: StateTomography) -> str:
    """The letter of each measurement-basis index, read from the experiment's circuits."""
    found: dict[int, str] = {}
    for circuit in experiment.circuits():
        letters = circuit_letters(circuit)
        for qubit, index in enumerate(circuit.metadata["m_idx"]):
            if found.setdefault(index, letters[qubit]) != letters[qubit]:
                raise AssertionError(f"basis index {index} measures two letters")
    return "".join(found[i] for i in range(len(found)))


def setting_label(m_idx: list[int], letters: str) -> str:
    """The counts-file setting (little-endian: qubit 0 rightmost) of a circuit's m_idx."""
    return "".join(letters[i] for i in reversed(m_idx))


def convention_check(experiment: StateTomography, letters: str, seed: int) -> float:
    """Largest difference between Qiskit's simulated outcome probabilities of each circuit
    (on a random complex density matrix, bitstrings as Qiskit writes them) and qgen's
    Pauli-6 probabilities of the same counts-file setting and bitstring."""
    n = experiment.num_qubits
    dimension = 1 << n
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(dimension, dimension)) + 1j * rng.normal(size=(dimension, dimension))
    rho = a @ a.conj().T
    rho /= np.trace(rho).real
    pauli6 = outcome_probabilities(rho, POVMS["pauli6"])  # site 0 the most significant
    state = DensityMatrix(to_little_endian(rho))
    worst = 0.0
    for circuit in experiment.circuits():
        setting = setting_label(circuit.metadata["m_idx"], letters)
        rotation = circuit.remove_final_measurements(inplace=False)
        probabilities = state.evolve(rotation).probabilities_dict()
        if abs(sum(probabilities.values()) - 1) > 1e-12:
            raise AssertionError("probabilities do not sum to 1")
        for bitstring, probability in probabilities.items():
            # the counts file's reading: the rightmost letter and bit are qubit 0 = site 0
            sites = zip(setting[::-1], bitstring[::-1], strict=True)
            index = 0
            for letter, bit in sites:
                index = 6 * index + 2 * "XYZ".index(letter) + int(bit)
            worst = max(worst, abs(probability - 3**n * pauli6[index]))
    return worst


def experiment_data(
    experiment: StateTomography, counts: dict[str, dict[str, int]], letters: str
) -> ExperimentData:
    """The experiment's data: each circuit's metadata with the counts of its setting."""
    data = ExperimentData(experiment=experiment)
    rows = []
    for circuit in experiment.circuits():
        setting_counts = counts[setting_label(circuit.metadata["m_idx"], letters)]
        rows.append(
            {
                "counts": dict(setting_counts),
                "metadata": dict(circuit.metadata),
                "shots": sum(setting_counts.values()),
            }
        )
    data.add_data(rows)
    return data


def qiskit_fit(
    experiment: StateTomography,
    data: ExperimentData,
    fitter: str,
    *,
    rescale_positive: bool = True,
    fitter_options: dict[str, Any] | None = None,
    target: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Qiskit's fit as a qgen (big-endian) matrix, and its result's fields: raw
    eigenvalues, whether it was rescaled, and ``state_fidelity`` when a target is given."""
    analysis = experiment.analysis.copy()
    analysis.set_options(
        fitter=fitter,
        fitter_options=dict(fitter_options or {}),
        rescale_positive=rescale_positive,
        target=None if target is None else DensityMatrix(to_little_endian(target)),
    )
    start = time.perf_counter()
    done = analysis.run(data, replace_results=True).block_for_results()
    seconds = time.perf_counter() - start
    status = done.analysis_status().name
    if status != "DONE":
        raise RuntimeError(f"Qiskit's {fitter} analysis ended {status}: {done.errors()}")
    results = done.analysis_results(dataframe=True)
    state = results[results["name"] == "state"].iloc[0]
    fields: dict[str, Any] = {
        "raw_eigenvalues": np.asarray(state["raw_eigvals"], dtype=float),
        "rescaled_psd": bool(state["rescaled_psd"]),
        "fitter_metadata": state["fitter_metadata"],
        "seconds": seconds,
    }
    if target is not None:
        fields["state_fidelity"] = float(
            results[results["name"] == "state_fidelity"].iloc[0]["value"]
        )
    return to_little_endian(np.asarray(state["value"].data)), fields


def noisy_ghz_data(n_sites: int, noise: float, shots: int, seed: int) -> POVMData:
    """All ``3^N`` settings x ``shots`` exact outcomes of the depolarized GHZ state (the
    draws of ``measure_mixed`` with the same arguments)."""
    rho = apply_local_channel(density_matrix(ghz_state(n_sites)), depolarizing(noise))
    settings = ["".join(s) for s in itertools.product("XYZ", repeat=n_sites)]
    letters = np.repeat(np.array([list(s) for s in settings]), shots, axis=0)
    record = MeasurementData(sample_settings(rho, letters, seed=seed), letters)
    return POVMData.from_measurements(record, rho)


def counts_of(data: POVMData) -> dict[str, dict[str, int]]:
    """The data as the counts file qgen writes for Qiskit (little-endian)."""
    with tempfile.TemporaryDirectory() as folder:
        path = save_counts(data.to_measurements(), Path(folder) / "counts.json", "little")
        document = json.loads(path.read_text())
    assert document["bit_order"] == "little"
    return document["counts"]


def frobenius(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def crosscheck_seed(
    experiment: StateTomography, letters: str, args: argparse.Namespace, seed: int
) -> dict[str, Any]:
    data = noisy_ghz_data(args.sites, args.noise, args.shots, seed)
    rho = data.rho
    assert rho is not None
    counts = counts_of(data)
    qiskit_data = experiment_data(experiment, counts, letters)
    row: dict[str, Any] = {"record": f"ghz{args.sites}", "seed": seed, "n_samples": data.n_samples}

    linear = linear_inversion(data).rho
    linear_projected = closest_physical(linear)
    start = time.perf_counter()
    mle = maximum_likelihood(data)
    row["seconds_qgen_mle"] = time.perf_counter() - start
    row["mle_iterations"], row["mle_converged"] = mle.iterations, mle.converged

    q_linear, _ = qiskit_fit(experiment, qiskit_data, "linear_inversion", rescale_positive=False)
    q_projected, q_projected_fields = qiskit_fit(
        experiment, qiskit_data, "linear_inversion", target=rho
    )
    row["linear_frobenius_raw"] = frobenius(linear, q_linear)
    row["linear_trace_distance_raw"] = trace_distance(linear, q_linear)
    row["linear_frobenius_projected"] = frobenius(linear_projected, q_projected)
    row["linear_trace_distance_projected"] = trace_distance(linear_projected, q_projected)
    row["qiskit_linear_inversion_rescaled_psd"] = q_projected_fields["rescaled_psd"]
    estimates = {
        "qgen_linear_raw": linear,
        "qiskit_linear_inversion_raw": q_linear,
        "qgen_linear_projected": linear_projected,
        "qiskit_linear_inversion_rescaled": q_projected,
        "qgen_mle": mle.rho,
    }
    qiskit_fidelities = {"qiskit_linear_inversion_rescaled": q_projected_fields["state_fidelity"]}

    options = {"eps_abs": args.scs_eps, "eps_rel": args.scs_eps} if args.scs_eps > 0 else {}
    for fitter in CVXPY_FITTERS:
        fit, fields = qiskit_fit(
            experiment, qiskit_data, fitter, fitter_options=options, target=rho
        )
        name = f"qiskit_{fitter}"
        estimates[name] = fit
        qiskit_fidelities[name] = fields["state_fidelity"]
        row[f"mle_vs_{fitter}_frobenius"] = frobenius(mle.rho, fit)
        row[f"mle_vs_{fitter}_trace_distance"] = trace_distance(mle.rho, fit)
        row[f"{name}_raw_min_eigenvalue"] = float(fields["raw_eigenvalues"].min())
        row[f"{name}_raw_trace"] = float(fields["raw_eigenvalues"].sum())
        row[f"{name}_rescaled_psd"] = fields["rescaled_psd"]
        row[f"{name}_solver"] = fields["fitter_metadata"].get("cvxpy_solver")
        row[f"{name}_status"] = fields["fitter_metadata"].get("cvxpy_status")
        row[f"seconds_{name}"] = fields["seconds"]
    row["min_eigenvalue_qgen_linear_raw"] = min_eigenvalue(linear)
    row["min_eigenvalue_qgen_mle"] = min_eigenvalue(mle.rho)
    for name, estimate in estimates.items():
        row[f"trace_distance_to_true_{name}"] = trace_distance(estimate, rho)
    for name, estimate in estimates.items():
        if not name.endswith("_raw"):
            row[f"fidelity_{name}"] = quantum_fidelity(estimate, rho)
    row["qiskit_minus_qgen_fidelity_max"] = max(
        abs(value - row[f"fidelity_{name}"]) for name, value in qiskit_fidelities.items()
    )
    for fitter in CVXPY_FITTERS:
        farther = max(
            row["trace_distance_to_true_qgen_mle"], row[f"trace_distance_to_true_qiskit_{fitter}"]
        )
        row[f"mle_vs_{fitter}_within_statistics"] = row[f"mle_vs_{fitter}_trace_distance"] < farther
    return row


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"record": "summary", "seeds": len(rows)}
    for key, value in rows[0].items():
        values = np.array([r[key] for r in rows])
        if key.startswith(("linear_", "mle_vs_")) and not isinstance(value, bool):
            summary[key] = {"max": float(values.max()), "mean": float(values.mean())}
        elif key.startswith(("fidelity_", "trace_distance_to_true_")):
            summary[key] = {
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)) if len(values) > 1 else None,
            }
        elif key.endswith(("_within_statistics", "_rescaled_psd")):
            summary[key] = f"{int(values.sum())}/{len(values)}"
        elif key.endswith("_raw_min_eigenvalue"):
            summary[key] = {"min": float(values.min())}
        elif key == "qiskit_minus_qgen_fidelity_max":
            summary[key] = float(values.max())
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--noise", type=float, default=0.05, help="depolarizing p per qubit")
    parser.add_argument("--shots", type=int, default=100, help="shots per Pauli setting")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--scs-eps", type=float, default=1e-10, help="SCS eps_abs = eps_rel (0: defaults)"
    )
    parser.add_argument(
        "--tolerance", type=float, default=1e-10, help="largest linear-inversion difference"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("qiskit_crosscheck.py", vars(args)))
    import cvxpy
    import qiskit
    import qiskit_experiments

    experiment = StateTomography(QuantumCircuit(args.sites))
    letters = basis_letters(experiment)
    probability_difference = convention_check(experiment, letters, seed=12345)
    conventions_ok = letters == "ZXY" and probability_difference < 1e-12
    emit(
        {
            "record": "conventions",
            "qiskit": qiskit.__version__,
            "qiskit_experiments": qiskit_experiments.__version__,
            "cvxpy": cvxpy.__version__,
            "basis_letters_by_m_idx": letters,
            "max_probability_difference": probability_difference,
            "ok": conventions_ok,
        }
    )
    rows = []
    for seed in args.seeds:
        row = crosscheck_seed(experiment, letters, args, seed)
        rows.append(row)
        emit(row)
    summary = summarize(rows)
    worst = max(max(r["linear_frobenius_raw"], r["linear_frobenius_projected"]) for r in rows)
    summary["linear_within_tolerance"] = worst <= args.tolerance
    emit(summary)
    if not (conventions_ok and summary["linear_within_tolerance"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
