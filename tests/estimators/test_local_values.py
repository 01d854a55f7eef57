"""Local energies against (Hψ)(x)/ψ(x) from the sparse matrix, for every model kind."""

from __future__ import annotations

import pytest
import torch
from model_zoo import N_SITES, ZOO, make

from qgen.estimators import local_values
from qgen.hilbert import all_configs, configs_to_indices
from qgen.lattice import Chain, Square
from qgen.operators import observables
from qgen.operators.hamiltonians import heisenberg, j1j2, transverse_field_ising

ALL = all_configs(N_SITES)

OPERATORS = {
    "tfim-chain": lambda: transverse_field_ising(Chain(8), J=1.0, h=0.7),
    "heisenberg-square-sign": lambda: heisenberg(
        Square(4, 2, periodic=(True, False)), sign_rule=True
    ),
    "j1j2-chain": lambda: j1j2(Chain(8), J2=0.4),
    "sy-correlation": lambda: observables.correlation(0, 3, 8, "YY"),
}


@pytest.mark.parametrize("operator_name", list(OPERATORS))
@pytest.mark.parametrize(
    ("model_name", "variant"),
    [
        ("rnn", "phase"),
        ("rnn", "sign"),
        ("rnn-2layers-snake", "u1-sz1-phase"),
        ("transformer", "u1-sz0"),
        ("rnn2d", "sign"),
        ("made", "positive"),
    ],
)
def test_local_values_match_the_sparse_matrix(operator_name, model_name, variant):
    operator = OPERATORS[operator_name]()
    model = make(model_name, variant)
    with torch.no_grad():
        log_psi = model.log_psi(ALL).to(torch.complex128)
    psi = torch.exp(log_psi).numpy()
    h_psi = operator.to_sparse() @ psi
    x = ALL[psi != 0][::7]  # configurations in the support
    index = configs_to_indices(x).numpy()
    expected = h_psi[index] / psi[index]
    values = local_values(operator, model, x)
    torch.testing.assert_close(
        values.to(torch.complex128), torch.as_tensor(expected), rtol=1e-9, atol=1e-9
    )


@pytest.mark.parametrize("chunk_size", [5, 20, 100])
@pytest.mark.parametrize("name", ["rnn", "rnn2d", "transformer", "made"])
def test_chunking_does_not_change_the_values(name, chunk_size):
    """Parents are split so that their connected configurations fit a chunk (8 flips
    each here: 1, 2 and 12 parents per chunk), with and without log ψ(x) given."""
    operator = OPERATORS["tfim-chain"]()
    model = make(name, "phase")
    x = ALL[::3]
    whole = local_values(operator, model, x)
    chunked = local_values(operator, model, x, chunk_size=chunk_size)
    torch.testing.assert_close(whole, chunked, rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        given = local_values(operator, model, x, model(x), chunk_size=chunk_size)
    torch.testing.assert_close(whole, given, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("rnn-2layers-snake", "u1-sz0"),
        ("rnn", "phase"),
        ("rnn2d", "u1-sz1-phase"),
        ("rnn2d", "sign"),
        ("transformer", "phase"),
        ("transformer-2d-patches", "u1-sz0"),
        ("made", "u1-sz0"),
    ],
)
def test_shared_prefixes_equal_a_fresh_evaluation(name, variant):
    """log_psi_shared_prefixes on samples and their neighbours (rows that repeat and
    share prefixes) against log_psi row by row."""
    model = make(name, variant)
    x = model.sample(50, torch.Generator().manual_seed(0))
    x_conn, mels = OPERATORS["heisenberg-square-sign"]().connected(x)
    rows, groups = torch.nonzero(mels[:, 1:], as_tuple=True)
    batch = torch.cat([x, x_conn[:, 1:][rows, groups]])
    with torch.no_grad():
        fresh = model.log_psi(batch)
    shared = model.log_psi_shared_prefixes(batch)
    torch.testing.assert_close(shared, fresh, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["rnn", "rnn2d", "transformer", "made"])
def test_repeated_samples_and_shared_neighbours_are_evaluated_once(name):
    """A batch of a few distinct configurations, each repeated and shuffled: the local
    values equal (Hψ)(x)/ψ(x) row by row, as for distinct samples."""
    operator = OPERATORS["heisenberg-square-sign"]()
    model = make(name, "u1-sz0")
    with torch.no_grad():
        psi = torch.exp(model.log_psi(ALL).to(torch.complex128)).numpy()
    h_psi = operator.to_sparse() @ psi
    support = ALL[psi != 0]
    generator = torch.Generator().manual_seed(1)
    x = support[torch.randint(0, 6, (40,), generator=generator)]
    index = configs_to_indices(x).numpy()
    values = local_values(operator, model, x).to(torch.complex128)
    torch.testing.assert_close(
        values, torch.as_tensor(h_psi[index] / psi[index]), rtol=1e-9, atol=1e-9
    )


@pytest.mark.parametrize("magnetization", [4, 3, 2])
@pytest.mark.parametrize("name", ["rnn", "rnn2d", "transformer"])
def test_prefixes_that_fix_the_rest_skip_the_model_and_keep_the_values(name, magnetization):
    """In a sector with few down spins most prefixes fix every later token (S^z = 4: all
    of them, from the start); their subtrees are not evaluated and add log 1."""
    torch.manual_seed(0)
    model = ZOO[name](magnetization=magnetization)
    x = model.sample(30, torch.Generator().manual_seed(4))
    with torch.no_grad():
        fresh = model.log_psi(x)
    torch.testing.assert_close(model.log_psi_shared_prefixes(x), fresh, rtol=1e-12, atol=1e-12)
    if magnetization == 4:
        assert torch.equal(fresh, torch.zeros_like(fresh))


def test_prefix_tree_has_one_node_per_distinct_prefix():
    model = make("rnn", "u1-sz0")
    generator = torch.Generator().manual_seed(3)
    tokens = model.tokenize(model.sample(40, generator))
    tree = model._prefix_tree(tokens)
    for k in range(model.n_tokens):
        prefixes = tokens[:, :k]
        n_nodes = 1 if k == 0 else torch.unique(prefixes, dim=0).shape[0]
        assert tree.parent[k].numel() == n_nodes
        # rows through the same node have the same prefix, and the node's first row is one
        representative = tokens[tree.first_row[k]][tree.row_node[k]]
        assert torch.equal(representative[:, :k], prefixes)
        if k > 0:
            assert torch.equal(tree.parent[k][tree.row_node[k]], tree.row_node[k - 1])


def test_real_model_and_real_operator_give_float64():
    values = local_values(OPERATORS["tfim-chain"](), make("rnn", "positive"), ALL[:4])
    assert values.dtype == torch.float64
