"""Two processes under torchrun (gloo on 127.0.0.1) against one: the collectives, and
one VMC step on fixed samples, whose update must be that of one process to 1e-10 in
float64 (the issue's figure)."""

from __future__ import annotations

import json
from pathlib import Path

from torchrun_helpers import WORKER, torchrun


def run_scenario(name: str, tmp_path: Path) -> list[dict]:
    done = torchrun([str(WORKER), name, str(tmp_path)], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in range(2)]


def test_collectives_of_two_ranks(tmp_path):
    first, second = run_scenario("collectives", tmp_path)
    for result in (first, second):
        assert result["gathered"] == [0.0, 10.0, 11.0]  # rank order, unequal row counts
        assert result["complex_sum"] == [2.0, 6.0]
        assert "rank 1 differs from rank 0" in result["refused"]
        assert "samples: 100 on rank 0, 101 there" in result["refused"]
        assert result["failed_on_main"] == "only rank 0 saw this"
        assert result["broadcast"] == "from rank 0"
        assert result["refused_driver"].startswith("OneProcess runs as one process, not as 2")


def test_one_step_on_fixed_samples_is_that_of_one_process(tmp_path):
    """Plain gradient, SR in parameter space (all-reduced S and F) and MinSR (gathered
    rows), RNN and RBM: each rank holds half the samples."""
    for result in run_scenario("fixed_samples", tmp_path):
        assert set(result) == {f"{m}-{o}" for m in ("rnn", "rbm") for o in ("sgd", "sr", "minsr")}
        for case, figures in result.items():
            assert figures["difference"] < 1e-10, case
            assert figures["energy_difference"] < 1e-12, case
            assert figures["error_difference"] < 1e-12, case


def test_a_tomography_epoch_of_two_ranks_is_that_of_one(tmp_path):
    """Data-parallel NLL training: each rank its shard of every batch (and a batch
    smaller than the ranks taken whole at a share of 1/P), gradients summed."""
    for result in run_scenario("tomography_epoch", tmp_path):
        for case, figures in result.items():
            assert figures["difference"] < 1e-10, case
            assert figures["nll_difference"] < 1e-12, case
