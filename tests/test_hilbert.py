"""Bit encodings and magnetization sectors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from qgen.errors import HilbertError, MemoryLimitError
from qgen.hilbert import (
    MagnetizationSector,
    all_configs,
    as_sector,
    configs_to_indices,
    distinct_rows,
    indices_to_configs,
)


def test_site_zero_is_the_most_significant_bit():
    assert configs_to_indices(torch.tensor([[1, 0, 0], [0, 0, 1], [1, 1, 0]])).tolist() == [4, 1, 6]
    assert indices_to_configs(torch.tensor([4, 1]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 62), st.data())
def test_index_round_trip(n_sites, data):
    index = data.draw(st.lists(st.integers(0, 2**n_sites - 1), min_size=1, max_size=8))
    configs = indices_to_configs(torch.tensor(index), n_sites)
    assert configs.shape == (len(index), n_sites)
    assert configs_to_indices(configs).tolist() == index


def test_all_configs_enumerates_in_index_order():
    configs = all_configs(4)
    assert configs.shape == (16, 4)
    assert configs_to_indices(configs).tolist() == list(range(16))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: configs_to_indices(torch.tensor([[0, 2]])), "values in", id="value"),
        pytest.param(lambda: configs_to_indices(torch.tensor([[0.0, 1.0]])), "integer", id="float"),
        pytest.param(lambda: indices_to_configs(torch.tensor([8]), 3), "0..7", id="range"),
        pytest.param(
            lambda: configs_to_indices(torch.zeros(1, 63, dtype=torch.long)),
            "62",
            id="too-many-sites",
        ),
    ],
)
def test_bad_configurations_are_refused(call, match):
    with pytest.raises(HilbertError, match=match):
        call()


@pytest.mark.parametrize("n_sites", [1, 2, 5, 8, 11])
def test_sector_states_and_lookup_match_brute_force(n_sites):
    everything = np.arange(2**n_sites)
    down = np.array([bin(s).count("1") for s in everything])
    for n_down in range(n_sites + 1):
        sector = MagnetizationSector(n_sites, (n_sites - 2 * n_down) / 2)
        expected = everything[down == n_down]
        np.testing.assert_array_equal(sector.states, expected)
        assert sector.dimension == math.comb(n_sites, n_down) == len(expected)
        position = np.full(2**n_sites, -1)
        position[expected] = np.arange(len(expected))
        np.testing.assert_array_equal(sector.index(everything), position)


def test_sector_magnetization_counts_up_spins():
    sector = MagnetizationSector(6, 1)
    configs = sector.configs()
    assert torch.all((configs == 0).sum(1) - (configs == 1).sum(1) == 2)
    assert sector.contains(configs).all()
    assert not sector.contains(torch.zeros(1, 6, dtype=torch.long)).any()


def test_embed_places_the_vector_on_the_sector_states():
    sector = MagnetizationSector(4, 0)
    vector = np.arange(1, 7, dtype=float)
    full = sector.embed(vector)
    assert full.shape == (16,)
    np.testing.assert_array_equal(full[sector.states], vector)
    assert full.sum() == vector.sum()


@pytest.mark.parametrize(
    ("n_sites", "magnetization"),
    [(4, 0.5), (5, 0), (4, 3), (4, -2.5), (4, "up")],
)
def test_sectors_that_do_not_exist_are_refused(n_sites, magnetization):
    with pytest.raises(HilbertError):
        MagnetizationSector(n_sites, magnetization)


def test_as_sector():
    assert as_sector(None, 4) is None
    assert as_sector(0, 4).dimension == 6
    assert as_sector(0.5, 5).dimension == 10
    with pytest.raises(HilbertError, match="expected a sector of 6 sites"):
        as_sector(MagnetizationSector(4, 0), 6)


def test_huge_sectors_are_refused_before_allocating():
    sector = MagnetizationSector(60, 0)  # C(60, 30) ~ 1.2e17 states: fine to describe
    assert sector.dimension == math.comb(60, 30)
    with pytest.raises(MemoryLimitError, match="the basis of MagnetizationSector"):
        _ = sector.states


def test_float_indices_are_refused():
    with pytest.raises(HilbertError, match="integer basis indices"):
        indices_to_configs(np.array([1.7]), 2)


@pytest.mark.parametrize(("length", "base"), [(6, 2), (20, 4), (70, 2), (40, 3)])
def test_distinct_rows_finds_each_row_once(length, base):
    """Short rows are packed into one int64 key; 70 binary or 40 ternary digits are not
    (the lexicographic path)."""
    generator = torch.Generator().manual_seed(length)
    unique = torch.randint(0, base, (30, length), generator=generator)
    rows = unique[torch.randint(0, 30, (200,), generator=generator)]
    first, inverse = distinct_rows(rows, base)
    assert torch.equal(rows[first][inverse], rows)
    assert first.numel() == torch.unique(rows, dim=0).shape[0]
    # the first occurrence represents each distinct row
    for u, index in enumerate(first.tolist()):
        assert (inverse[:index] != u).all()
        assert inverse[index] == u


def test_distinct_rows_of_an_empty_batch_and_a_bad_shape():
    first, inverse = distinct_rows(torch.zeros(0, 5, dtype=torch.int64))
    assert first.numel() == 0
    assert inverse.numel() == 0
    with pytest.raises(HilbertError, match="batch, length"):
        distinct_rows(torch.zeros(5, dtype=torch.int64))


def test_a_sector_beyond_basis_indices_counts_and_tests_membership():
    """100 spins (a 10×10 Metropolis chain): membership and size work; basis indices,
    which would not fit 64 bits, are refused by name."""
    sector = MagnetizationSector(100, 0)
    assert sector.dimension == math.comb(100, 50)
    x = torch.zeros(3, 100, dtype=torch.long)
    x[:2, :50] = 1
    assert sector.contains(x).tolist() == [True, True, False]
    with pytest.raises(HilbertError, match="1 to 62 sites"):
        sector.states  # noqa: B018
