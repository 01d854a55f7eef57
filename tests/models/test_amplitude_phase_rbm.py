"""RBM wave functions against their definition and exact enumeration."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.errors import ModelError
from qgen.hilbert import all_configs, configs_to_indices
from qgen.models.amplitude_phase_rbm import AmplitudePhaseRBM


def test_log_psi_is_half_the_free_energies() -> None:
    torch.manual_seed(0)
    model = AmplitudePhaseRBM(5, 3, phase=True, n_hidden_phase=4, dtype=torch.float64)
    x = all_configs(5)
    log_psi = model(x)
    assert log_psi.dtype == torch.complex128
    torch.testing.assert_close(log_psi.real, -0.5 * model.amplitude.free_energy(x))
    torch.testing.assert_close(log_psi.imag, -0.5 * model.phase.free_energy(x))
    positive = AmplitudePhaseRBM(5, 3, dtype=torch.float64)
    assert positive(x).dtype == torch.float64
    assert not positive.is_complex


def test_partition_and_normalized_probabilities() -> None:
    torch.manual_seed(1)
    model = AmplitudePhaseRBM(6, 4, phase=True, dtype=torch.float64)
    x = all_configs(6)
    norm = torch.logsumexp(2 * model(x).real, 0)
    torch.testing.assert_close(model.exact_log_partition(), norm)
    assert float(model.log_prob(x).detach().exp().sum()) == pytest.approx(1.0, abs=1e-12)


def test_gibbs_samples_follow_the_born_distribution() -> None:
    """Empirical frequencies within 5 standard errors of the exact |ψ|²/Z."""
    model = AmplitudePhaseRBM(
        3, 3, dtype=torch.float64, weight_std=1.0, generator=torch.Generator().manual_seed(2)
    )
    n = 20000
    samples = model.sample(n, torch.Generator().manual_seed(3), n_steps=30)
    assert samples.dtype == torch.int64
    counts = torch.bincount(configs_to_indices(samples), minlength=8).double() / n
    exact = model.log_prob(all_configs(3)).exp()
    error = torch.sqrt(exact * (1 - exact) / n)
    assert bool((counts - exact).abs().le(5 * error).all())


def test_chains_continue_from_their_state() -> None:
    model = AmplitudePhaseRBM(4, 2)
    start = torch.ones(7, 4, dtype=torch.long)
    same = model.sample_chains(start, 0)
    assert torch.equal(same, start)
    moved = model.sample_chains(start, 3, torch.Generator().manual_seed(0))
    assert moved.shape == (7, 4)
    assert moved.dtype == torch.int64


def test_bad_input() -> None:
    model = AmplitudePhaseRBM(4, 2)
    with pytest.raises(ModelError, match=r"shape \(batch, 4\), got \(2, 3\)"):
        model(torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ModelError, match="binary visible units"):
        model(torch.full((2, 4), 2))
    with pytest.raises(ModelError, match="number of sites: expected an integer ≥ 1"):
        AmplitudePhaseRBM(0, 2)
    assert math.isfinite(float(model(torch.zeros(1, 4, dtype=torch.long)).detach()))
