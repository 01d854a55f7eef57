"""The ``qgen generative`` command: one JSON object, a complete run directory, resume,
and one-line errors."""

from __future__ import annotations

import json

import pytest

from qgen.cli.main import main

QUICK = ["--samples", "400", "--epochs", "2", "--hidden", "16", "--batch-size", "100"]


def run_json(capsys, *argv: str) -> dict:
    assert main(["generative", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "exactly one JSON object on stdout"
    return json.loads(out)


@pytest.mark.parametrize(
    ("model", "dataset", "plots"),
    [
        pytest.param("flow", "ring", {"density.png", "samples.png"}, id="flow-ring"),
        pytest.param("gan", "gaussians", {"discriminator.png", "samples.png"}, id="gan-gaussians"),
        pytest.param("vae", "moons", {"latent.png", "samples.png"}, id="vae-moons"),
        pytest.param("ae", "ising", {"latent.png", "ising_histograms.png"}, id="ae-ising"),
    ],
)
def test_models_and_datasets(tmp_path, capsys, model, dataset, plots):
    out = tmp_path / "run"
    extra = ["--size", "4x4", "--temperature", "2.0"] if dataset == "ising" else []
    result = run_json(capsys, model, "--dataset", dataset, *QUICK, *extra, "--out", str(out))
    assert result["model"] == model
    assert result["dataset"] == dataset
    assert result["epochs_run"] == 2
    assert set(result["energy_distance"]) == {"value", "halves_baseline", "halves_baseline_std"}
    assert {"config.toml", "log.jsonl", "checkpoint.pt", "summary.json", "loss.png"} | plots <= {
        path.name for path in out.iterdir()
    }
    assert json.loads((out / "summary.json").read_text())["epochs_run"] == 2
    if model == "flow":
        assert result["test_nll"]["kind"] == "exact"
        assert result["test_nll"]["value"] >= result["true_entropy"]["value"] - 0.1
    if model == "vae":
        assert result["test_nll"]["kind"].startswith("negative ELBO")
    if model == "gan":
        assert len(result["mode_coverage"]["mode_fractions"]) == 8
    if model in ("vae", "ae"):
        assert "reconstruction_loss" not in result
        assert set(result["reconstruction_error"]) == {"value", "error", "kind", "units"}
    if dataset == "ising":
        assert set(result["ising"]) >= {"data", "model"}
        assert result["ising"]["data"]["independent_chains"] == 512


def test_seed_reproduces_and_resume_extends(tmp_path, capsys):
    first = run_json(capsys, "flow", "--dataset", "ring", *QUICK, "--out", str(tmp_path / "a"))
    again = run_json(capsys, "flow", "--dataset", "ring", *QUICK, "--out", str(tmp_path / "b"))
    assert first["test_nll"] == again["test_nll"]
    longer = [*QUICK[:2], "--epochs", "3", *QUICK[4:]]
    resumed = run_json(
        capsys, "flow", "--dataset", "ring", *longer, "--out", str(tmp_path / "a"), "--resume"
    )
    assert resumed["epochs_run"] == 3
    log = (tmp_path / "a" / "log.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in log] == [1, 2, 3]


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        pytest.param(
            ["flow", "--dataset", "spiral"],
            "--dataset: expected one of ring, rings, moons, gaussians, ising, got 'spiral'",
            id="dataset",
        ),
        pytest.param(["flow", "--dataset", "ising"], "flow needs continuous data", id="flow-ising"),
        pytest.param(["vae", "--epochs", "0"], "epochs: expected an integer ≥ 1", id="epochs"),
        pytest.param(
            ["vae", "--samples", "3"], "--samples: expected an integer ≥ 10, got 3", id="samples"
        ),
        pytest.param(["vae", "--dataset", "ising", "--size", "3x4x5"], "16x16", id="size"),
        pytest.param(["vae", "--dataset", "ising", "--temperature", "-1"], "temperature", id="T"),
        pytest.param(["vae", "--resume"], "--resume needs --out", id="resume"),
    ],
)
def test_errors_are_one_line(tmp_path, capsys, argv, match):
    assert main(["generative", *argv, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert lines[-1].startswith("qgen generative: error:")
    assert match in lines[-1]


def test_existing_run_is_not_overwritten(tmp_path, capsys):
    out = str(tmp_path / "run")
    run_json(capsys, "ae", "--dataset", "ring", *QUICK, "--out", out)
    assert main(["generative", "ae", "--dataset", "ring", *QUICK, "--out", out]) == 2
    assert "already holds a run" in capsys.readouterr().err
