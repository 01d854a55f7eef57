"""The ``qgen tomo`` command: one JSON object, run directory, resume, plots and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qgen.cli.main import main
from qgen.exact import ground_state, renyi_entropy, sample_measurements
from qgen.lattice import Chain
from qgen.operators.hamiltonians import transverse_field_ising
from qgen.runs import RunDirectory
from qgen.tomography.files import save_measurements
from qgen.tomography.measurements import MeasurementData

FAST = ["--no-progress", "--estimate-samples", "2000", "--batch-size", "200"]


@pytest.fixture(scope="module")
def tfim_data(tmp_path_factory) -> tuple[str, np.ndarray]:
    """TFIM chain N=4 (open, h=1): 3000 z samples in an .npz archive with ψ."""
    psi = ground_state(transverse_field_ising(Chain(4, periodic=False), J=1.0, h=1.0))[1]
    data = MeasurementData.from_samples(sample_measurements(psi, "ZZZZ", 3000, seed=5), psi)
    path = tmp_path_factory.mktemp("data") / "tfim4.npz"
    save_measurements(data, path)
    return str(path), psi


def run_json(capsys, *argv: str) -> dict:
    assert main(["tomo", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "exactly one JSON object on stdout"
    return json.loads(out)


def error_of(capsys, *argv: str) -> str:
    assert main(["tomo", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("qgen tomo: error: ")
    return err[-1]


def test_json_summary_run_directory_and_estimates(capsys, tmp_path, tfim_data) -> None:
    path, psi = tfim_data
    out = tmp_path / "run"
    result = run_json(
        capsys, "--data", path, "--model", "rnn", "--epochs", "6", "--out", str(out), *FAST
    )
    assert set(result["observables"]) >= {"sx", "sy"}
    for entry in (*result["observables"].values(), *result["renyi2"].values()):
        assert set(entry) == {"value", "error"}
    assert list(result["renyi2"]) == ["1", "2"]
    # 3000 z samples of a 16-outcome positive state: infidelity ~ 15/(4 · 2700) < 0.002.
    assert result["fidelity"]["value"] >= 0.98
    assert result["nll"] > 0
    exact = result["exact"]
    assert exact["renyi2"]["2"] == pytest.approx(renyi_entropy(psi, [0, 1], alpha=2))
    # A positive model gives <σy> = 0 exactly (real ψ, imaginary local values only).
    assert result["observables"]["sy"]["value"] == pytest.approx(0.0, abs=1e-6)
    # <σx> within 5 error bars plus the model's own error (bounded by the infidelity).
    sx = result["observables"]["sx"]
    bound = 5 * sx["error"] + 2 * np.sqrt(1 - result["fidelity"]["value"])
    assert abs(sx["value"] - exact["sx"]) < bound
    names = {p.name for p in out.iterdir()}
    assert {"config.toml", "log.jsonl", "checkpoint.pt", "summary.json"} <= names
    assert {"nll.png", "fidelity.png", "renyi2.png"} <= names
    assert len(RunDirectory(out, resume=True).read_log()) == result["epochs"]


def test_without_target_fidelity_is_null(capsys, tmp_path, tfim_data) -> None:
    path, _ = tfim_data
    data = np.load(path)
    plain = tmp_path / "plain.npz"
    np.savez(plain, outcomes=data["outcomes"], bases=data["bases"])
    result = run_json(
        capsys,
        "--data",
        str(plain),
        "--model",
        "amplitude-phase-rbm",
        "--epochs",
        "2",
        "--out",
        str(tmp_path / "r"),
        "--no-plots",
        *FAST,
    )
    assert result["fidelity"] is None
    assert result["exact"] is None
    assert result["method"] == "exact"


def test_resume_continues_to_the_asked_epochs(capsys, tmp_path, tfim_data) -> None:
    path, _ = tfim_data
    out = str(tmp_path / "run")
    common = [
        "--data",
        path,
        "--model",
        "amplitude-phase-rbm",
        "--out",
        out,
        "--no-early-stopping",
        "--no-plots",
        *FAST,
    ]
    first = run_json(capsys, *common, "--epochs", "2")
    assert first["epochs"] == 2
    second = run_json(capsys, *common, "--epochs", "4", "--resume")
    assert second["epochs"] == 4
    assert second["steps_this_session"] == 2
    epochs = [r["epoch"] for r in RunDirectory(out, resume=True).read_log()]
    assert epochs == [1, 2, 3, 4]
    message = error_of(capsys, *common[: -len(FAST)], "--epochs", "4", "--resume", "--model", "rnn")
    assert "config differs" in message
    assert "model" in message


def test_bad_input(capsys, tmp_path, tfim_data) -> None:
    missing = tmp_path / "nothing.txt"
    assert str(missing) in error_of(capsys, "--data", str(missing), "--format", "qucumber")
    samples = tmp_path / "samples.txt"
    samples.write_text("0 1\n1 1\n0 0\n")
    bases = tmp_path / "bases.txt"
    bases.write_text("Z Z\nX Z\n")
    message = error_of(
        capsys, "--data", str(samples), "--bases", str(bases), "--format", "qucumber"
    )
    assert "3 lines" in message
    assert "has 2" in message
    assert "--resume needs --out" in error_of(capsys, "--data", str(samples), "--resume")
    path, _ = tfim_data
    message = error_of(
        capsys, "--data", path, "--model", "rnn", "--method", "cd", "--out", str(tmp_path / "x")
    )
    assert "contrastive divergence trains RBMs" in message
    message = error_of(capsys, "--data", path, "--model", "rbm")
    assert "--model: expected one of rnn, transformer, made, amplitude-phase-rbm" in message


def test_magnetization_projects_onto_the_sector(capsys, tmp_path) -> None:
    """``--magnetization N/2 - 1``: a W state's one-excitation sector, exactly."""
    from qgen.exact.named_states import w_state_with_phases
    from qgen.tomography.bases import pairwise_bases

    psi = w_state_with_phases(4, seed=3)
    data = MeasurementData.from_samples(
        sample_measurements(psi, pairwise_bases(4, "XY"), 100, seed=3), psi
    )
    path = tmp_path / "w4.npz"
    save_measurements(data, path)
    result = run_json(
        capsys,
        "--data",
        str(path),
        "--model",
        "rnn",
        "--magnetization",
        "1",
        "--epochs",
        "2",
        "--anneal-depolarization",
        "0.5",
        "--anneal-epochs",
        "1",
        "--out",
        str(tmp_path / "run"),
        "--no-plots",
        *FAST,
    )
    assert result["config"]["tomo"]["magnetization"] == 1.0
    assert result["config"]["tomo"]["anneal_depolarization"] == 0.5
    log = RunDirectory(tmp_path / "run", resume=True).read_log()
    assert [record["depolarization"] for record in log] == [0.5, 0.0]
    # Every model sample has one down spin of four: <σz> = (3 - 1)/4, without spread.
    assert result["observables"]["sz"]["value"] == pytest.approx(0.5)
    assert result["observables"]["sz"]["error"] == pytest.approx(0.0, abs=1e-12)
    assert 0 < result["fidelity"]["value"] <= 1
    message = error_of(
        capsys,
        "--data",
        str(path),
        "--model",
        "amplitude-phase-rbm",
        "--magnetization",
        "1",
        "--out",
        str(tmp_path / "x"),
    )
    assert "magnetization" in message
    assert "projects autoregressive models" in message
    message = error_of(
        capsys, "--data", str(path), "--magnetization", "5", "--out", str(tmp_path / "y")
    )
    assert "magnetization" in message
    message = error_of(
        capsys,
        "--data",
        str(path),
        "--anneal-depolarization",
        "0.5",
        "--anneal-epochs",
        "0",
        "--out",
        str(tmp_path / "z"),
    )
    assert "needs --anneal-epochs > 0" in message
    message = error_of(
        capsys, "--data", str(path), "--anneal-depolarization", "1", "--out", str(tmp_path / "w")
    )
    assert "--anneal-depolarization: expected a finite number in [0, 1) or none, got 1.0" in message


def test_fidelity_beyond_enumeration_is_a_monte_carlo_estimate(
    capsys, tmp_path, tfim_data, monkeypatch
) -> None:
    """With the enumeration limit lowered below N, the fidelity comes from samples of the
    model and of the target, with an error bar, and agrees with the exact one."""
    import qgen.tomography.training as training
    import qgen.tomography.workflow as workflow

    path, _ = tfim_data
    exact = run_json(
        capsys,
        "--data",
        path,
        "--model",
        "rnn",
        "--epochs",
        "4",
        "--out",
        str(tmp_path / "a"),
        *FAST,
    )
    monkeypatch.setattr(workflow, "MAX_EXACT_SITES", 3)
    monkeypatch.setattr(training, "MAX_EXACT_SITES", 3)
    estimated = run_json(
        capsys,
        "--data",
        path,
        "--model",
        "rnn",
        "--epochs",
        "4",
        "--out",
        str(tmp_path / "b"),
        *FAST,
    )
    exact, estimated = exact["fidelity"], estimated["fidelity"]  # {value, error}
    assert exact["error"] == 0.0
    assert estimated["error"] > 0
    assert abs(estimated["value"] - exact["value"]) < 5 * estimated["error"] + 1e-3


def test_annealing_defaults_follow_the_data(tfim_data) -> None:
    """X/Y data: ε₀ = 0.9 over half the epochs unless set; z-only data: off."""
    from qgen.exact.named_states import w_state_with_phases
    from qgen.tomography.bases import pairwise_bases
    from qgen.tomography.workflow import TomographyOptions, annealing

    psi = w_state_with_phases(4, seed=0)
    rotated = MeasurementData.from_samples(sample_measurements(psi, pairwise_bases(4), 10), psi)
    z_only = MeasurementData.from_samples(sample_measurements(psi, "ZZZZ", 10), psi)
    assert annealing(TomographyOptions(epochs=30), rotated) == {
        "anneal_depolarization": 0.9,
        "anneal_epochs": 15,
    }
    assert annealing(TomographyOptions(epochs=1), rotated)["anneal_epochs"] == 1
    off = {"anneal_depolarization": 0.0, "anneal_epochs": 0}
    assert annealing(TomographyOptions(epochs=30), z_only) == off
    assert annealing(TomographyOptions(anneal_depolarization=0.0), rotated) == off
    assert annealing(TomographyOptions(anneal_depolarization=0.5, anneal_epochs=3), z_only) == {
        "anneal_depolarization": 0.5,
        "anneal_epochs": 3,
    }
