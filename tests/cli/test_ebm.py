"""The ``qgen ebm`` command: one JSON object, a complete run directory, resume, and
one-line errors."""

from __future__ import annotations

import json

import pytest

from qgen.cli.main import main

QUICK = [
    "--size", "4x4", "--temperature", "3", "--samples", "200", "--test-samples", "100",
    "--hidden", "5", "--epochs", "2", "--batch-size", "50", "--nll-every", "1",
    "--model-samples", "100", "--gibbs-steps", "10", "--bins", "8",
]  # fmt: skip


def run_json(capsys, *argv: str) -> dict:
    assert main(["ebm", *argv, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1, "exactly one JSON object on stdout"
    assert "qgen ebm:" in captured.err
    return json.loads(captured.out)


def test_json_run_directory_and_resume(tmp_path, capsys):
    out = tmp_path / "run"
    result = run_json(capsys, *QUICK, "--cd-k", "2", "--out", str(out))
    assert result["method"] == "cd"
    assert result["cd_k"] == 2
    assert result["epochs_run"] == 2
    assert result["test_nll"]["kind"] == "exact log Z"
    assert set(result["ising"]["histograms"]["energy_per_site"]) >= {"tv", "tv_noise", "chi2"}
    assert {"config.toml", "log.jsonl", "checkpoint.pt", "summary.json", "histograms.png"} <= {
        path.name for path in out.iterdir()
    }
    resumed = run_json(capsys, *QUICK, "--cd-k", "2", "--out", str(out), "--resume")
    assert resumed["epochs_run"] == 2
    # The stored settings are read back: no flag needs repeating.
    bare = run_json(capsys, "--out", str(out), "--resume")
    assert (bare["epochs_run"], bare["cd_k"], bare["test_nll"]) == (2, 2, resumed["test_nll"])
    changed = main(["ebm", *QUICK, "--cd-k", "3", "--out", str(out), "--resume", "--json"])
    assert changed == 2
    assert "cd_k: stored 2, asked 3" in capsys.readouterr().err


def test_default_method_and_pcd(capsys):
    result = run_json(capsys, *QUICK)
    assert (result["method"], result["cd_k"], result["symmetric"]) == ("cd", 10, True)
    result = run_json(capsys, *QUICK, "--pcd", "--no-symmetric")
    assert (result["method"], result["cd_k"], result["symmetric"]) == ("pcd", 1, False)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        pytest.param(["--hidden", "0"], "--hidden: expected an integer ≥ 1, got 0", id="h0"),
        pytest.param(["--hidden", "-4"], "--hidden: expected an integer ≥ 1, got -4", id="h-"),
        pytest.param(["--cd-k", "0"], "--cd-k: expected an integer ≥ 1 or none, got 0", id="k0"),
        pytest.param(["--pcd", "--pcd-k", "0"], "--cd-k: expected an integer ≥ 1", id="pcd-k0"),
        pytest.param(["--epochs", "0"], "--epochs: expected an integer ≥ 1, got 0", id="epochs"),
        pytest.param(["--dataset", "moons"], "--dataset: expected one of ising", id="dataset"),
        pytest.param(["--temperature", "0"], "--temperature: expected a finite number > 0", id="t"),
        pytest.param(["--learning-rate", "-1"], "--lr: expected a finite number > 0", id="lr"),
        pytest.param(["--resume"], "--resume needs --out", id="resume-without-out"),
    ],
)
def test_bad_input_is_one_line(capsys, flags, message):
    assert main(["ebm", *QUICK, *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qgen ebm: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_pcd_takes_its_own_steps(capsys):
    result = run_json(capsys, *QUICK, "--pcd", "--pcd-k", "3")
    assert (result["method"], result["cd_k"]) == ("pcd", 3)
