"""``qgen data`` for mixed states and ``qgen tomo --mixed``: one JSON object, the physical
rho on disk, baselines, device counts, and the refusals."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from qgen.cli.main import main
from qgen.exact import quantum_fidelity
from qgen.exact.povm import pauli_string_expectation

FAST = ["--no-progress", "--estimate-samples", "2000", "--epochs", "15", "--batch-size", "200"]


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "exactly one JSON object on stdout"
    return json.loads(out)


def error_of(capsys, *argv: str) -> str:
    assert main(list(argv)) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) >= 1
    return lines[-1]


@pytest.fixture(scope="module")
def ghz3(tmp_path_factory) -> str:
    """Noisy GHZ on 3 qubits (depolarizing 0.05), all 27 settings x 200 shots."""
    out = tmp_path_factory.mktemp("data") / "ghz3"
    argv = ["data", "--state", "ghz", "--size", "3", "--noise", "depolarizing:0.05"]
    argv += ["--bases", "all", "--samples", "200", "--out", str(out)]
    assert main(argv) == 0
    return str(out)


def test_data_writes_the_noisy_state_and_its_exact_observables(tmp_path, capsys):
    result = run_json(
        capsys, "data", "--state", "ghz", "--size", "3", "--noise", "depolarizing:0.1",
        "--bases", "all", "--samples", "10", "--out", str(tmp_path / "g"),
    )  # fmt: skip
    assert result["n_samples"] == 270
    rho = np.load(result["files"]["rho"])
    assert np.trace(rho).real == pytest.approx(1.0)
    assert result["exact_observables"]["XXX"] == pytest.approx(0.9**3)
    assert result["exact_observables"]["ZIZ"] == pytest.approx(0.9**2)
    assert pauli_string_expectation(rho, "XXX") == pytest.approx(0.9**3)


def test_data_samples_ghz_exactly_beyond_dense_sizes(tmp_path, capsys):
    result = run_json(
        capsys, "data", "--state", "ghz", "--size", "30", "--noise", "depolarizing:0.05",
        "--povm", "pauli4", "--samples", "50", "--out", str(tmp_path / "g30"),
    )  # fmt: skip
    assert (result["n_samples"], result["n_sites"], result["povm"]) == (50, 30, "pauli4")
    assert "rho" not in result["files"]
    assert result["exact_observables"]["X" * 30] == pytest.approx(0.95**30)


def test_baselines_agree_and_give_a_state(ghz3, tmp_path, capsys):
    mle = run_json(capsys, "tomo", "--mixed", "--data", ghz3, "--baseline", "mle",
                   "--out", str(tmp_path / "mle"))  # fmt: skip
    linear = run_json(capsys, "tomo", "--mixed", "--data", ghz3, "--baseline", "linear",
                      "--out", str(tmp_path / "li"))  # fmt: skip
    for summary in (mle, linear):
        rho = np.load(summary["rho"])
        assert np.linalg.eigvalsh(rho).min() > -1e-12, "the saved rho is a state"
        assert summary["fidelity"] > 0.85
        assert 0 <= summary["trace_distance"] <= 1
    assert mle["min_eigenvalue_before_projection"] > -1e-12
    assert linear["min_eigenvalue_before_projection"] < 0, "5,400 shots: LI is not a state"
    assert linear["log_likelihood"] is None or mle["log_likelihood"] >= linear["log_likelihood"]
    import qgen

    assert mle["qgen_version"] == qgen.__version__
    assert mle["provenance"]["qgen"] == qgen.__version__
    assert {"torch", "python", "host", "date", "torch_threads", "git_commit"} <= set(
        mle["provenance"]
    )
    true = np.load(f"{ghz3}/rho.npy")
    assert quantum_fidelity(np.load(mle["rho"]), true) == pytest.approx(mle["fidelity"])


def test_model_run_reports_both_states_and_the_plots(ghz3, tmp_path, capsys):
    out = tmp_path / "model"
    summary = run_json(capsys, "tomo", "--mixed", "--data", ghz3, "--model", "rnn", *FAST,
                       "--out", str(out))  # fmt: skip
    for key in ("fidelity", "classical_fidelity", "min_eigenvalue_before_projection",
                "purity", "trace_distance", "rho"):  # fmt: skip
        assert summary[key] is not None, key
    assert summary["fidelity"] > 0.5
    assert 0 < summary["classical_fidelity"]["value"] <= 1 + 1e-12
    rho = np.load(summary["rho"])
    assert np.linalg.eigvalsh(rho).min() > -1e-12
    raw = np.load(out / "rho_unprojected.npy")
    assert np.linalg.eigvalsh(raw).min() == pytest.approx(
        summary["min_eigenvalue_before_projection"]
    )
    for name in ("nll.png", "fidelity.png", "rho.png", "summary.json", "config.toml"):
        assert (out / name).exists(), name
    # The observables of the model agree with its own rho (the projection aside: the
    # unprojected rho is what the model's distribution stands for), within 5 errors.
    for pauli, entry in summary["observables"].items():
        exact_of_model = pauli_string_expectation(raw, pauli)
        assert abs(entry["value"] - exact_of_model) < 5 * entry["error"] + 1e-9, pauli


def test_likelihood_projection_and_resume(ghz3, tmp_path, capsys):
    out = str(tmp_path / "run")
    first = run_json(capsys, "tomo", "--mixed", "--data", ghz3, "--model", "made", *FAST,
                     "--projection", "likelihood", "--out", out)  # fmt: skip
    assert first["projection"] == "likelihood"
    again = run_json(capsys, "tomo", "--out", out, "--resume")
    assert again["fidelity"] == pytest.approx(first["fidelity"], abs=1e-12)


def test_counts_files_are_read_with_their_bit_order(tmp_path, capsys):
    """|0>|1> (qubit 0 up, qubit 1 down) measured in all 9 settings, written in Qiskit's
    order: qubit 0 the rightmost letter and bit. Read in the wrong order, the state would
    be |1>|0>, of fidelity 0 with the target."""
    counts: dict[str, dict[str, int]] = {}
    for setting in ("".join(p) for p in itertools.product("XYZ", repeat=2)):
        per_setting = {}
        for bits in ("".join(p) for p in itertools.product("01", repeat=2)):
            weight = 1.0
            for letter, bit, z_bit in zip(setting, bits, "10", strict=True):  # qubit 1, 0
                weight *= (bit == z_bit) if letter == "Z" else 0.5
            if weight:
                per_setting[bits] = int(100 * weight)
        counts[setting] = per_setting
    path = tmp_path / "counts.json"
    path.write_text(json.dumps({"bit_order": "little", "counts": counts}))
    rho = np.zeros((4, 4), dtype=complex)
    rho[1, 1] = 1  # site 0 the most significant bit: |0>|1>
    np.save(tmp_path / "rho.npy", rho)
    argv = ["tomo", "--mixed", "--data", str(path), "--baseline", "mle"]
    argv += ["--target-rho", str(tmp_path / "rho.npy"), "--observables", "ZI,IZ"]
    summary = run_json(capsys, *argv, "--out", str(tmp_path / "r"))
    assert summary["fidelity"] > 0.97
    assert summary["observables"]["ZI"]["value"] == pytest.approx(1.0, abs=0.05)
    assert summary["observables"]["IZ"]["value"] == pytest.approx(-1.0, abs=0.05)
    line = error_of(capsys, *argv, "--bit-order", "big", "--out", str(tmp_path / "r2"))
    assert "states bit_order 'little', but 'big' was asked for" in line


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "amplitude-phase-rbm"], "--mixed trains an outcome model"),
        (["--povm", "tetra"], "expected tetra outcomes, got pauli6 outcomes"),
        (["--baseline", "mle", "--phase"], "--phase is an option of pure-state tomography"),
        (["--observables", "XXQ"], "--observables: expected Pauli strings of 3 letters"),
        (["--povm", "sic"], "--povm: expected one of tetra, pauli4, pauli6"),
        (["--target-psi", "psi.txt"], "give --target-rho, not --target-psi"),
    ],
)
def test_mixed_refusals(ghz3, tmp_path, capsys, extra, message):
    line = error_of(capsys, "tomo", "--mixed", "--data", ghz3, *extra, "--out",
                    str(tmp_path / "r"))  # fmt: skip
    assert message in line


def test_mixed_options_need_mixed(ghz3, capsys):
    assert "add --mixed" in error_of(capsys, "tomo", "--data", ghz3, "--baseline", "mle")


def test_baselines_refuse_large_systems(tmp_path, capsys):
    argv = ["data", "--state", "ghz", "--size", "8", "--povm", "pauli4", "--samples", "20"]
    assert main([*argv, "--out", str(tmp_path / "g8")]) == 0
    capsys.readouterr()
    line = error_of(capsys, "tomo", "--mixed", "--data", str(tmp_path / "g8"), "--baseline",
                    "mle", "--out", str(tmp_path / "r"))  # fmt: skip
    assert "expected N <= 7, got N = 8" in line


def test_data_refusals(tmp_path, capsys):
    base = ["data", "--state", "ghz", "--size", "3", "--samples", "10", "--out", str(tmp_path)]
    assert "expected CHANNEL:PROBABILITY" in error_of(capsys, *base, "--noise", "flip:0.1")
    line = error_of(capsys, *base, "--povm", "tetra", "--readout-error", "0.1")
    assert "flips the bits of Pauli measurements" in line
    assert "choose one of" in error_of(capsys, *base, "--povm", "tetra", "--bases", "X")


def test_beyond_eight_qubits_the_classical_fidelity_is_a_monte_carlo_estimate(tmp_path, capsys):
    """N = 9: no rho is built (4^9 outcomes are not enumerated), and the classical
    fidelity comes with its error bar; the estimator itself is checked against the exact
    value in tests/tomography/test_mixed_files.py."""
    argv = ["data", "--state", "ghz", "--size", "9", "--noise", "depolarizing:0.1"]
    argv += ["--povm", "tetra", "--samples", "400", "--out", str(tmp_path / "g9")]
    assert main(argv) == 0
    capsys.readouterr()
    summary = run_json(capsys, "tomo", "--mixed", "--data", str(tmp_path / "g9"),
                       "--model", "made", "--epochs", "3", "--estimate-samples", "3000",
                       "--no-progress", "--out", str(tmp_path / "r"))  # fmt: skip
    assert summary["rho"] is None
    assert summary["fidelity"] is None
    assert 0 < summary["classical_fidelity"]["value"] <= 1.05
    assert 0 < summary["classical_fidelity"]["error"] < 0.05
