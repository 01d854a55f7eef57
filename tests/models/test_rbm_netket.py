"""qgen's RBM against NetKet's ``nk.models.RBM`` with the same parameters, to 1e-12."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from crosscheck_references import import_netket

from qgen.hilbert import all_configs
from qgen.models import RBM


@pytest.mark.parametrize("is_complex", [False, True], ids=["real", "complex"])
def test_log_psi_equals_netket_rbm(is_complex):
    pytest.importorskip("netket")
    netket = import_netket()
    import jax.numpy as jnp

    torch.manual_seed(0)
    model = RBM(6, alpha=2, phase=is_complex, init_std=0.3, dtype=torch.float64)

    def as_numpy(parameter: torch.Tensor) -> np.ndarray:
        value = parameter.detach()
        return (torch.view_as_complex(value) if is_complex else value).numpy()

    # NetKet's kernel is (visible, hidden); its spins are σ = ±1 with σ = 1 − 2x here.
    parameters = {
        "params": {
            "visible_bias": jnp.asarray(as_numpy(model.visible_bias)),
            "Dense": {
                "kernel": jnp.asarray(as_numpy(model.weights).T),
                "bias": jnp.asarray(as_numpy(model.hidden_bias)),
            },
        }
    }
    reference = netket.models.RBM(
        alpha=2, param_dtype=jnp.complex128 if is_complex else jnp.float64
    )
    x = all_configs(6)
    sigma = jnp.asarray((1 - 2 * x).numpy().astype(np.float64))
    expected = np.asarray(reference.apply(parameters, sigma))
    got = model(x).detach().numpy()
    np.testing.assert_allclose(np.exp(got), np.exp(expected), rtol=1e-12, atol=1e-12)
