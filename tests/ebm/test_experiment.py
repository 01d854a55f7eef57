"""The experiment behind ``qgen ebm``: a complete run directory, exact NLL for small
models, and resume."""

from __future__ import annotations

import json

import pytest

from qgen.ebm import EBMOptions, ising_data, run_ebm
from qgen.errors import ConfigError, RunDirectoryError

QUICK = {
    "size": "4x4",
    "temperature": 3.0,
    "samples": 300,
    "test_samples": 100,
    "hidden": 6,
    "epochs": 3,
    "batch_size": 50,
    "nll_every": 1,
    "ais_chains": 10,
    "ais_betas": 20,
    "model_samples": 200,
    "gibbs_steps": 20,
    "bins": 10,
}


def test_run_directory_and_summary(tmp_path):
    out = tmp_path / "run"
    summary = run_ebm(EBMOptions(**QUICK), out)
    names = {path.name for path in out.iterdir()}
    assert {"config.toml", "log.jsonl", "checkpoint.pt", "summary.json"} <= names
    assert {"histograms.png", "nll.png"} <= names
    assert json.loads((out / "summary.json").read_text())["epochs_run"] == 3
    assert summary["log_partition"]["method"] == "exact"  # 6 hidden units: enumerated
    assert summary["test_nll"]["kind"] == "exact log Z"
    # A 16-site model's NLL lies between the data's exact entropy (Kaufman; up to the
    # test set's sampling error, 3 error bars) and 16 log 2 nats.
    nll = summary["test_nll"]
    assert nll["value"] < 16 * 0.6932
    assert nll["kl_to_model"] == pytest.approx(nll["value"] - summary["exact_entropy"]["value"])
    assert nll["kl_to_model"] > -3 * nll["error"]
    histograms = summary["ising"]["histograms"]
    assert set(histograms) == {"energy_per_site", "magnetization", "abs_magnetization"}
    assert 0 <= histograms["energy_per_site"]["tv"] <= 1
    assert summary["ising"]["data"]["independent_chains"] == 100
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [record["epoch"] for record in log] == [1, 2, 3]
    assert all("nll" in record for record in log)


def test_ais_for_larger_models_and_resume(tmp_path):
    out = tmp_path / "run"
    options = {**QUICK, "hidden": 24, "exact_up_to": 4, "epochs": 2}
    run_ebm(EBMOptions(**options), out, plots=False)
    with pytest.raises(RunDirectoryError, match="already holds a run"):
        run_ebm(EBMOptions(**options), out)
    summary = run_ebm(EBMOptions(**{**options, "epochs": 3}), out, resume=True, plots=False)
    assert summary["epochs_run"] == 3
    assert summary["log_partition"]["method"] == "ais"
    assert summary["log_partition"]["error"] > 0
    assert len((out / "log.jsonl").read_text().splitlines()) == 3


def test_data_are_binary_with_chain_labels():
    train, test, chains = ising_data(EBMOptions(**QUICK))
    assert train.shape == (300, 16)
    assert test.shape == (100, 16)
    assert set(train.unique().tolist()) <= {0.0, 1.0}
    assert chains.tolist() == [(300 + i) % 400 for i in range(100)]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        pytest.param({"hidden": 0}, r"--hidden \(ebm.hidden\): expected an integer ≥ 1", id="h0"),
        pytest.param({"cd_k": 0}, r"--cd-k \(ebm.cd_k\): expected an integer ≥ 1", id="k0"),
        pytest.param({"dataset": "mnist"}, "expected one of ising, got 'mnist'", id="dataset"),
        pytest.param({"temperature": -1.0}, "temperature\\): expected a finite", id="t"),
        pytest.param({"size": "2x2"}, "lengths ≥ 3", id="size"),
        pytest.param({"ais_chains": 1}, "chains\\): expected an integer ≥ 2", id="ais"),
    ],
)
def test_bad_settings(options, match):
    with pytest.raises(ConfigError, match=match):
        EBMOptions(**{**QUICK, **options})
