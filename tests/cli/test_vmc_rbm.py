"""``qgen vmc --model rbm``: samplers, diagnostics in the JSON, and refused combinations."""

from __future__ import annotations

import json

import pytest

from qgen.cli.main import main

TINY = ["--size", "6", "--samples", "64", "--final-samples", "256", "--no-progress"]


def run_json(capsys, *argv: str) -> dict:
    assert main(["vmc", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return json.loads(out)


@pytest.mark.parametrize(
    ("argv", "sampler"),
    [
        ([], "exchange"),
        (["--sampler", "exact"], "exact"),
        (["--no-u1", "--sampler", "local", "--replicas", "2"], "local"),
        (["--model", "symmetric-rbm", "--alpha", "2", "--phase"], "exchange"),
    ],
    ids=["default-exchange", "exact", "local-tempering", "symmetric-complex"],
)
def test_rbm_runs_with_each_sampler(capsys, tmp_path, argv, sampler):
    model = ["--model", "rbm"] if "--model" not in argv else []
    result = run_json(
        capsys,
        *TINY,
        *model,
        *argv,
        "--iterations",
        "3",
        "--chains",
        "8",
        "--out",
        str(tmp_path / "run"),
    )
    assert result["sampler"] == sampler
    assert result["iterations"] == 3
    assert result["exact_energy"] == pytest.approx(-2.8027756377319946, abs=1e-9)
    if sampler == "exact":
        assert result["r_hat"] is None
    else:
        assert 0 < result["acceptance"] < 1
        assert result["r_hat"] is not None
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert len(log) == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "rbm", "--sampler", "local"], "local sampler leaves the S^z = 0 sector"),
        (["--model", "rbm", "--hamiltonian", "tfim", "--sampler", "exchange"], "conserves S^z"),
        (["--model", "rbm", "--sampler", "autoregressive"], "needs an autoregressive model"),
        (["--model", "rbm", "--chains", "0"], "--chains: expected an integer ≥ 1, got 0"),
        (["--model", "rbm", "--alpha", "0"], "--alpha: expected a finite number > 0"),
        (["--model", "rbm", "--alpha", "-1"], "--alpha: expected a finite number > 0"),
        (["--model", "symmetric-rbm", "--alpha", "1.5"], "integer number of filters"),
        (["--model", "rbm", "--replicas", "0"], "--replicas: expected an integer ≥ 1"),
    ],
)
def test_bad_rbm_runs_are_refused(capsys, tmp_path, argv, message):
    assert main(["vmc", *TINY, *argv, "--out", str(tmp_path / "run")]) == 2
    assert message in capsys.readouterr().err
