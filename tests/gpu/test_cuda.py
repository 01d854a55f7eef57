"""Every model family, both samplers, SR and tomography on CUDA against the CPU: the same
parameters and the same samples give the same numbers (to 1e-5 in float32). Skipped,
saying so, where no GPU is present."""

from __future__ import annotations

import copy

import pytest
import torch
from fixed_samples import FixedSampler

from qgen.lattice import Chain, Square
from qgen.models.registry import build_model
from qgen.operators.hamiltonians import heisenberg
from qgen.sampling import AutoregressiveSampler
from qgen.sampling.metropolis import MetropolisSampler
from qgen.vmc import SR, VMC

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device is present"),
]

FAMILIES = ["rnn", "rnn2d", "transformer", "made", "rbm"]


def _model(name: str) -> torch.nn.Module:
    lattice = Square(4, 4)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return build_model(name, lattice, hidden=16, magnetization=None, phase=name != "rbm")


def _step(model: torch.nn.Module, x: torch.Tensor, optimizer: str) -> tuple[torch.Tensor, float]:
    hamiltonian = heisenberg(Square(4, 4), sign_rule=True)
    preconditioner = SR(1e-2, method="parameters" if optimizer == "sr" else "samples")
    sgd = torch.optim.SGD(model.parameters(), lr=1.0)
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    driver = VMC(
        hamiltonian, model, FixedSampler(x), sgd, x.shape[0], preconditioner=preconditioner
    )
    record = driver.advance()
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    return (before - after).cpu(), record["energy"]


@pytest.mark.parametrize("optimizer", ["sr", "minsr"])
@pytest.mark.parametrize("name", FAMILIES)
def test_one_sr_step_on_cuda_is_that_on_the_cpu(name, optimizer):
    cpu = _model(name)
    gpu = copy.deepcopy(cpu).to("cuda")
    x = torch.randint(0, 2, (256, 16), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(gpu(x.cuda()).cpu(), cpu(x), rtol=1e-5, atol=1e-5)
    step_cpu, energy_cpu = _step(cpu, x, optimizer)
    step_gpu, energy_gpu = _step(gpu, x.cuda(), optimizer)
    assert abs(energy_gpu - energy_cpu) < 1e-5 * abs(energy_cpu)
    scale = float(step_cpu.abs().max())
    assert float((step_gpu - step_cpu).abs().max()) < 1e-4 * scale


def test_both_samplers_draw_on_cuda():
    """Autoregressive and Metropolis samples stay on the GPU and in the sector."""
    rnn = build_model("rnn", Chain(8), hidden=8, magnetization=0.0).to("cuda")
    generator = torch.Generator(device="cuda").manual_seed(0)
    x = AutoregressiveSampler(rnn).sample(512, generator)
    assert x.device.type == "cuda"
    assert bool((x.sum(1) == 4).all())
    rbm = build_model("rbm", Chain(8)).to("cuda")
    bonds = Chain(8).bonds(1)
    chains = MetropolisSampler(rbm, 8, rule="exchange", n_chains=64, bonds=bonds, magnetization=0.0)
    y = chains.sample(512, generator)
    assert y.device.type == "cuda"
    assert bool((y.sum(1) == 4).all())


def test_the_cli_runs_vmc_on_cuda(tmp_path):
    from qgen.cli.main import main

    assert main(["vmc", "--size", "8", "--iterations", "3", "--device", "cuda",
                 "--out", str(tmp_path / "run"), "--no-plots"]) == 0  # fmt: skip
    state = torch.load(tmp_path / "run" / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert state["steps"] == 3
    # and resumes on the CPU
    assert main(["vmc", "--resume", "--out", str(tmp_path / "run"), "--iterations", "5",
                 "--device", "cpu", "--no-plots"]) == 0  # fmt: skip
