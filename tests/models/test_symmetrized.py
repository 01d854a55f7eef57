"""Autoregressive models averaged over lattice symmetries: normalization, invariance,
exact sampling, derivatives, local energies and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from model_zoo import N_SITES, ZOO, assert_samples_follow_the_model, make

from qgen.errors import ModelError
from qgen.estimators import local_values
from qgen.exact import diagonalize
from qgen.hilbert import all_configs, configs_to_indices
from qgen.lattice import Chain, Square
from qgen.models import SymmetrizedModel, build_model, symmetrized
from qgen.models.layer_jacobian import layerwise_log_derivatives
from qgen.operators.hamiltonians import j1j2
from qgen.sampling import AutoregressiveSampler
from qgen.vmc import SR, VMC
from qgen.vmc.sr import vmapped_log_derivatives

ALL = all_configs(N_SITES)
# The dihedral group of an 8-site ring (16 elements) and the 4 reflections of an open 4×2
# rectangle: groups of site permutations for the 8-site zoo models.
GROUPS = {
    "ring": Chain(N_SITES).space_group(),
    "rectangle": Square(4, 2, periodic=False).point_group(),
}
VARIANTS = ["positive", "phase", "u1-sz0", "u1-sz1-phase", "sign"]


def _symmetrized(name: str, variant: str, group: str = "ring") -> SymmetrizedModel:
    if group == "rectangle-flip":
        return SymmetrizedModel(make(name, variant), GROUPS["rectangle"], spin_flip=True)
    return SymmetrizedModel(make(name, variant), GROUPS[group])


def _operations(group: str) -> list[tuple[np.ndarray, int]]:
    """(permutation, flip) pairs of a test group."""
    perms = GROUPS[group.removesuffix("-flip")]
    flips = (0, 1) if group.endswith("-flip") else (0,)
    return [(perm, flip) for perm in perms for flip in flips]


FLIP_VARIANTS = ["positive", "phase", "u1-sz0", "sign"]  # S^z = 1 has no flipped partner


def _params(group_names=("ring",)):
    return [
        pytest.param(name, variant, group, id=f"{name}-{variant}-{group}")
        for name in ZOO
        for group in group_names
        for variant in (FLIP_VARIANTS if group.endswith("-flip") else VARIANTS)
    ]


@pytest.mark.parametrize(
    ("name", "variant", "group"), _params(("ring", "rectangle", "rectangle-flip"))
)
def test_probabilities_sum_to_one_and_are_invariant(name, variant, group):
    model = _symmetrized(name, variant, group)
    with torch.no_grad():
        log_psi = model.log_psi(ALL)
    total = torch.exp(2.0 * log_psi.real).sum()
    assert abs(float(total) - 1.0) < 1e-12
    for perm, flip in _operations(group):
        with torch.no_grad():
            moved = model.log_psi(ALL[:, torch.as_tensor(perm)] ^ flip)
        torch.testing.assert_close(moved, log_psi, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("name", "variant", "group"), _params(("ring", "rectangle-flip")))
def test_samples_follow_the_averaged_distribution(name, variant, group):
    model = _symmetrized(name, variant, group)
    assert_samples_follow_the_model(model, model.sample(4000, torch.Generator().manual_seed(3)))


@pytest.mark.parametrize(("name", "variant", "group"), _params(("ring", "rectangle-flip")))
def test_log_derivatives_equal_torch_func(name, variant, group):
    """The model's own derivatives, combined over the orbit, against vmap(jacrev) of ψ_G
    (the layerwise models combine inside the backward pass, the RNN afterwards)."""
    model = _symmetrized(name, variant, group)
    with torch.no_grad():
        inside = torch.isfinite(model.log_psi(ALL).real)
    x = ALL[inside][::9]
    torch.testing.assert_close(
        model.log_psi_jacobian(x), vmapped_log_derivatives(model, x), rtol=1e-9, atol=1e-10
    )


@pytest.mark.parametrize("orbit_rows", [50, 1 << 16])
@pytest.mark.parametrize("name", list(ZOO))
def test_shared_prefix_evaluation_equals_log_psi(name, orbit_rows, monkeypatch):
    """In one prefix tree, and in chunks of 3 samples' orbits (50 // 16)."""
    monkeypatch.setattr(symmetrized, "_ORBIT_ROWS", orbit_rows)
    model = _symmetrized(name, "u1-sz1-phase")
    x = model.sample(300, torch.Generator().manual_seed(4))
    with torch.no_grad():
        torch.testing.assert_close(model.log_psi_shared_prefixes(x), model.log_psi(x))


@pytest.mark.parametrize(("name", "variant"), [("rnn", "phase"), ("rnn2d", "u1-sz0")])
def test_local_values_match_the_sparse_matrix(name, variant):
    operator = j1j2(Chain(N_SITES), J2=0.4)
    model = _symmetrized(name, variant)
    with torch.no_grad():
        psi = torch.exp(model.log_psi(ALL).to(torch.complex128)).numpy()
    h_psi = operator.to_sparse() @ psi
    x = ALL[psi != 0][::5]
    index = configs_to_indices(x).numpy()
    values = local_values(operator, model, x).to(torch.complex128)
    torch.testing.assert_close(values, torch.as_tensor(h_psi[index] / psi[index]))


def test_vmc_with_a_symmetrized_model_converges_to_ed():
    """J1-J2 ring of 8 at J2 = 0.5 with its dihedral group: SR within 1e-3 of ED."""
    lattice = Chain(N_SITES)
    hamiltonian = j1j2(lattice, J2=0.5, sign_rule=True)
    exact = float(diagonalize(hamiltonian, 1, sector=0).energies[0])
    torch.manual_seed(0)
    model = build_model(
        "rnn", lattice, hidden=8, magnetization=0, phase=True, dtype=torch.float64,
        symmetry="space",
    )  # fmt: skip
    assert isinstance(model, SymmetrizedModel)
    assert model.n_operations == 16
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    driver = VMC(
        hamiltonian, model, AutoregressiveSampler(model), optimizer, 256,
        preconditioner=SR(1e-3), exact_energy=exact,
    )  # fmt: skip
    driver.run(80, progress=False)
    final = driver.estimate(4000)
    assert abs(final.mean - exact) / abs(exact) < 1e-3


def test_registry_builds_each_group_on_the_square_lattice():
    lattice = Square(4, 4)
    sizes = {"point": 8, "translations": 16, "space": 128}
    for symmetry, size in sizes.items():
        model = build_model("rnn2d", lattice, hidden=4, magnetization=0, symmetry=symmetry)
        assert isinstance(model, SymmetrizedModel)
        assert model.n_operations == size


def test_bad_groups_and_models_are_refused():
    model = make("rnn", "positive")
    with pytest.raises(ModelError, match=r"shape \(n_operations, 8\)"):
        SymmetrizedModel(model, np.arange(6)[None])
    with pytest.raises(ModelError, match="permutation of the 8 sites"):
        SymmetrizedModel(model, np.zeros((1, 8), dtype=int))
    shift = np.roll(np.arange(8), 1)
    with pytest.raises(ModelError, match="expected distinct permutations, got 1 repeated"):
        SymmetrizedModel(model, np.stack([np.arange(8), np.arange(8)]))
    with pytest.raises(ModelError, match="not closed under composition"):
        SymmetrizedModel(model, np.stack([np.arange(8), shift]))
    with pytest.raises(ModelError, match="autoregressive model"):
        SymmetrizedModel(torch.nn.Linear(8, 1), GROUPS["ring"])  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="symmetric-rbm"):
        build_model("rbm", Chain(8), symmetry="translations")
    with pytest.raises(ModelError, match="symmetry: expected one of none, point"):
        build_model("rnn", Chain(8), symmetry="rotations")
    with pytest.raises(ModelError, match="S\\^z to -S\\^z"):
        SymmetrizedModel(make("rnn", "u1-sz1-phase"), GROUPS["ring"], spin_flip=True)
    with pytest.raises(ModelError, match=r"shape \(batch, 8\)"):
        SymmetrizedModel(model, GROUPS["ring"]).log_psi(torch.zeros(3, 6, dtype=torch.long))


def test_group_weights_of_the_wrong_shape_are_refused():
    model = make("rnn2d", "phase")

    def weights(log_psi):  # 6 rows cannot be 4 groups of 2
        return torch.ones(4, 2), torch.ones(4, 2, dtype=torch.complex128)

    with pytest.raises(ModelError, match=r"group weights of shape \(B, G\) with B·G = 6"):
        layerwise_log_derivatives(model, ALL[:6], weights)


@pytest.mark.parametrize("sign_rule", [False, True])
def test_the_j1j2_ground_state_on_4x4_is_in_the_trivial_sector(sign_rule):
    """What ``--symmetry space --spin-flip`` assumes on the 4×4 J1-J2 model at J2 = 0.5:
    ED's ground state is invariant under all 128 lattice symmetries and the spin
    inversion, with or without the Marshall rotation (overlaps 1 to 1e-9)."""
    lattice = Square(4, 4)
    hamiltonian = j1j2(lattice, J2=0.5, sign_rule=sign_rule)
    spectrum = diagonalize(hamiltonian, 1, sector=0)
    psi = spectrum.vectors[:, 0]
    sector = spectrum.sector
    configs = sector.configs()
    for perm in lattice.space_group():
        for flip in (0, 1):
            moved = configs[:, torch.as_tensor(perm)] ^ flip
            index = sector.index(configs_to_indices(moved).numpy())
            assert abs(float(psi[index] @ psi) - 1.0) < 1e-9
