r"""Reference Hamiltonians built with QuTiP and NetKet, independently of qgen, for cross-checks.

Shared by ``tests/operators/test_crosscheck.py`` (small sizes, every run) and
``benchmarks/sparse_crosscheck.py`` (benchmark sizes, JSON lines). Each reference operator
is built from scratch with the other code's own tools, so that a shared mistake is
unlikely:

* QuTiP: tensor products of ``sigmax/sigmay/sigmaz/qeye`` on bonds found by a
  minimum-image distance search written in this file (not :meth:`Lattice.bonds`).
  QuTiP's ``tensor(op_0, op_1, …)`` puts site 0 on the most significant bit and
  ``basis(2, 0)`` is σᶻ = +1, exactly qgen's convention, so no permutation is needed.
* NetKet: ``Ising``, ``Heisenberg``, ``PauliStrings`` and ``LocalOperator`` on NetKet's
  own graphs. NetKet numbers the sites of a 2D lattice with the *last* coordinate
  running fastest while qgen runs the first one fastest, so NetKet's sites are mapped
  onto qgen's by matching real-space positions. For the basis we pass
  ``inverted_ordering=False``: the local states are then ``[+1, -1]`` (index 0 is
  σᶻ = +1) and site 0 is the most significant digit, so NetKet's full-space index
  equals qgen's; we nevertheless build the permutation from ``hilbert.all_states()``
  (:func:`netket_basis_indices`) rather than assume it. NetKet's ``total_sz`` basis
  lists its states in *decreasing* index order (NetKet 3.23), so sector comparisons map
  them through ``all_states`` as well.

Conventions of the models (see :mod:`qgen.operators.hamiltonians`): TFIM
:math:`H = -J \sum ZZ - h \sum X` with Pauli matrices; Heisenberg / XXZ / J1-J2 with
:math:`S = \sigma/2`. NetKet's ``Heisenberg`` uses Pauli matrices (so ``J/4``) and turns
the Marshall sign rule on by default on bipartite graphs (so ``sign_rule`` is always
passed); NetKet's ``Ising`` is :math:`-h \sum X + J \sum ZZ` (so ``J → -J``).

NetKet and QuTiP are optional: they are imported inside the functions that use them,
never when this module is imported, so callers can check for them first
(``pytest.importorskip`` in the tests).
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import scipy.sparse as sp

from qgen.lattice import Chain, Lattice, Square, Triangular
from qgen.operators import PauliSum, j1j2, transverse_field_ising, xxz

__all__ = [
    "PAULI_LETTERS",
    "Model",
    "bonds_by_distance",
    "cell_basis",
    "chain",
    "import_netket",
    "lattice_vectors",
    "max_difference",
    "netket_basis_indices",
    "netket_bonds",
    "netket_graph",
    "netket_hilbert",
    "netket_operator",
    "netket_pauli_sum",
    "netket_to_qgen_sites",
    "pauli_label",
    "qutip_hamiltonian",
    "qutip_pauli_sum",
    "qutip_site_operator",
    "random_pauli_sum",
    "site_positions",
    "square",
    "triangular",
]

PAULI_LETTERS = "IXYZ"

TRIANGULAR_BASIS = np.array([[1.0, 0.0], [0.5, math.sqrt(3) / 2]])

NEIGHBOUR_DISTANCE = {
    ("chain", 1): 1.0,
    ("chain", 2): 2.0,
    ("square", 1): 1.0,
    ("square", 2): math.sqrt(2),
    ("triangular", 1): 1.0,
    ("triangular", 2): math.sqrt(3),
}

Geometry = tuple[str, tuple[int, ...], tuple[bool, ...]]


# --- the models ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    r"""A Hamiltonian described independently of qgen: geometry, couplings, conventions.

    ``kind`` is ``"tfim"`` (:math:`-J\sum ZZ - h\sum X`) or ``"heisenberg"``
    (:math:`\sum_n J_n \sum_{\langle ij\rangle_n} S^x S^x + S^y S^y + \Delta S^z S^z`,
    S = σ/2, with ``J``, ``J2`` and ``delta`` in ``couplings``).
    """

    kind: str
    geometry: str  # "chain", "square" or "triangular"
    extent: tuple[int, ...]
    periodic: tuple[bool, ...]
    couplings: dict[str, float] = field(default_factory=dict)
    sign_rule: bool = False

    @property
    def n_sites(self) -> int:
        return math.prod(self.extent)

    @property
    def conserves_sz(self) -> bool:
        return self.kind == "heisenberg"

    def coupling(self, name: str, default: float) -> float:
        return self.couplings.get(name, default)

    def lattice(self) -> Lattice:
        if self.geometry == "chain":
            return Chain(self.extent[0], periodic=self.periodic[0])
        lattice_class = Square if self.geometry == "square" else Triangular
        return lattice_class(self.extent[0], self.extent[1], periodic=self.periodic)

    def qgen_operator(self) -> PauliSum:
        if self.kind == "tfim":
            return transverse_field_ising(
                self.lattice(), J=self.coupling("J", 1.0), h=self.coupling("h", 1.0)
            )
        J, J2 = self.coupling("J", 1.0), self.coupling("J2", 0.0)
        if J2 != 0.0:
            return j1j2(self.lattice(), J1=J, J2=J2, sign_rule=self.sign_rule)
        return xxz(self.lattice(), J=J, delta=self.coupling("delta", 1.0), sign_rule=self.sign_rule)


def chain(n: int, periodic: bool = True) -> Geometry:
    """``geometry, extent, periodic`` of a chain, to unpack into :class:`Model`."""
    return "chain", (n,), (periodic,)


def square(lx: int, ly: int, periodic: bool | tuple[bool, bool]) -> Geometry:
    """``geometry, extent, periodic`` of an ``lx × ly`` square lattice."""
    flags = periodic if isinstance(periodic, tuple) else (periodic, periodic)
    return "square", (lx, ly), flags


def triangular(lx: int, ly: int) -> Geometry:
    """``geometry, extent, periodic`` of a periodic ``lx × ly`` triangular lattice."""
    return "triangular", (lx, ly), (True, True)


def pauli_label(n_sites: int, letters: dict[int, str]) -> str:
    """Dense label with ``letters[i]`` on site ``i`` and the identity elsewhere."""
    return "".join(letters.get(i, "I") for i in range(n_sites))


def random_pauli_sum(
    rng: np.random.Generator, n_sites: int, n_terms: int, *, identity_and_repeat: bool = False
) -> tuple[list[str], np.ndarray]:
    """Dense labels and complex (standard normal) coefficients of a random Pauli sum.

    With ``identity_and_repeat`` the first term is replaced by the identity and a copy of
    the second is appended (a repeated string, which qgen merges).
    """
    labels = ["".join(rng.choice(list(PAULI_LETTERS), size=n_sites)) for _ in range(n_terms)]
    if identity_and_repeat:
        labels[0] = "I" * n_sites
        labels.append(labels[1])
    coefficients = rng.normal(size=len(labels)) + 1j * rng.normal(size=len(labels))
    return labels, coefficients


# --- geometry, written independently of qgen.lattice ------------------------------------------


def cell_basis(model: Model) -> np.ndarray:
    """Real-space lattice vectors, one row per direction."""
    if model.geometry == "chain":
        return np.eye(1)
    return np.eye(2) if model.geometry == "square" else TRIANGULAR_BASIS


def site_positions(model: Model) -> np.ndarray:
    """Real-space positions in qgen's site numbering (first coordinate running fastest)."""
    cells = itertools.product(*(range(length) for length in reversed(model.extent)))
    coordinates = np.array([cell[::-1] for cell in cells], dtype=float)
    return coordinates @ cell_basis(model)


def lattice_vectors(model: Model) -> np.ndarray:
    """One row per direction: the lattice vector times the extent (the periodic shift)."""
    return cell_basis(model) * np.array(model.extent, dtype=float)[:, None]


def bonds_by_distance(model: Model, order: int) -> list[tuple[int, int]]:
    """Pairs whose minimum-image distance is the ``order``-th neighbour distance."""
    distance = NEIGHBOUR_DISTANCE[model.geometry, order]
    positions = site_positions(model)
    vectors = lattice_vectors(model)
    ranges = [(-1, 0, 1) if periodic else (0,) for periodic in model.periodic]
    shifts = np.array([np.array(k) @ vectors for k in itertools.product(*ranges)])
    bonds = []
    for i, j in itertools.combinations(range(model.n_sites), 2):
        images = positions[j] + shifts - positions[i]
        nearest = np.min(np.linalg.norm(images, axis=1))
        if abs(nearest - distance) < 1e-9:
            bonds.append((i, j))
    return bonds


# --- QuTiP reference ----------------------------------------------------------------------------


def qutip_site_operator(n_sites: int, ops: dict[int, Any]) -> Any:
    """``⊗_i op_i`` (a QuTiP ``Qobj``) with the identity on sites not in ``ops``."""
    import qutip

    return qutip.tensor([ops.get(i, qutip.qeye(2)) for i in range(n_sites)])


def qutip_pauli_sum(labels: list[str], coefficients: Any) -> Any:
    """``Σ_k c_k ⊗_i σ^{label_k[i]}`` as a QuTiP ``Qobj``, term by term in the given order."""
    import qutip

    matrices = {"I": qutip.qeye(2), "X": qutip.sigmax(), "Y": qutip.sigmay(), "Z": qutip.sigmaz()}
    terms = [
        c * qutip.tensor([matrices[letter] for letter in label])
        for label, c in zip(labels, coefficients, strict=True)
    ]
    return sum(terms[1:], terms[0])


def qutip_hamiltonian(model: Model) -> Any:
    """``model`` built with QuTiP, as a ``Qobj`` (``.full()`` for the dense matrix)."""
    import qutip

    n = model.n_sites
    terms = []
    if model.kind == "tfim":
        J, h = model.coupling("J", 1.0), model.coupling("h", 1.0)
        z = qutip.sigmaz()
        for i, j in bonds_by_distance(model, 1):
            terms.append(-J * qutip_site_operator(n, {i: z, j: z}))
        for i in range(n):
            terms.append(-h * qutip_site_operator(n, {i: qutip.sigmax()}))
        return sum(terms[1:], terms[0])
    spin = (qutip.sigmax() / 2, qutip.sigmay() / 2, qutip.sigmaz() / 2)
    weights = (1.0, 1.0, model.coupling("delta", 1.0))
    for order, strength in ((1, model.coupling("J", 1.0)), (2, model.coupling("J2", 0.0))):
        if strength == 0.0:
            continue
        for i, j in bonds_by_distance(model, order):
            for s, weight in zip(spin, weights, strict=True):
                terms.append(strength * weight * qutip_site_operator(n, {i: s, j: s}))
    hamiltonian = sum(terms[1:], terms[0])
    if model.sign_rule:
        # U H U† with U = ⊗ σᶻ on one sublattice (odd sites of a chain).
        rotation = qutip_site_operator(n, {i: qutip.sigmaz() for i in range(1, n, 2)})
        hamiltonian = rotation * hamiltonian * rotation.dag()
    return hamiltonian


# --- NetKet reference ---------------------------------------------------------------------------


def import_netket() -> ModuleType:
    """``import netket``, silencing what jax and flax may warn while NetKet imports them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import netket

    return netket


def netket_graph(model: Model) -> Any:
    """NetKet's own graph of ``model``, with second neighbours when ``J2`` is set."""
    netket = import_netket()
    orders = 2 if model.coupling("J2", 0.0) else 1
    pbc = list(model.periodic)
    if model.geometry == "chain":
        return netket.graph.Chain(model.extent[0], pbc=pbc[0], max_neighbor_order=orders)
    if model.geometry == "square":
        return netket.graph.Grid(list(model.extent), pbc=pbc, max_neighbor_order=orders)
    return netket.graph.Triangular(list(model.extent), pbc=pbc, max_neighbor_order=orders)


def netket_to_qgen_sites(graph: Any, model: Model) -> np.ndarray:
    """``mapping[k]``: the qgen site at the position of NetKet node ``k``."""
    ours = np.round(site_positions(model), 9)
    theirs = np.round(np.asarray(graph.positions, dtype=float).reshape(len(ours), -1), 9)
    lookup = {tuple(p): i for i, p in enumerate(ours.tolist())}
    return np.array([lookup[tuple(p)] for p in theirs.tolist()])


def netket_bonds(model: Model) -> dict[int, list[tuple[int, int]]]:
    """NetKet's bonds of each order (colour + 1), relabelled to qgen's site numbers."""
    graph = netket_graph(model)
    mapping = netket_to_qgen_sites(graph, model)
    bonds: dict[int, list[tuple[int, int]]] = {}
    for colour in sorted(set(graph.edge_colors)):
        pairs = [(int(mapping[a]), int(mapping[b])) for a, b in graph.edges(filter_color=colour)]
        bonds[colour + 1] = sorted((min(p), max(p)) for p in pairs)
    return bonds


def netket_hilbert(n_sites: int, total_sz: float | None = None) -> Any:
    """NetKet's spin-½ space with local states ``[+1, -1]`` (``inverted_ordering=False``)."""
    netket = import_netket()
    return netket.hilbert.Spin(0.5, n_sites, total_sz=total_sz, inverted_ordering=False)


def netket_pauli_sum(hilbert: Any, labels: list[str], coefficients: Any) -> Any:
    """``Σ_k c_k label_k`` as NetKet's ``PauliStrings`` on ``hilbert``."""
    netket = import_netket()
    return netket.operator.PauliStrings(hilbert, labels, coefficients)


def netket_operator(model: Model, hilbert: Any) -> Any:
    """``model`` built with NetKet's own operator classes, on NetKet's own graph."""
    netket = import_netket()
    bonds = netket_bonds(model)
    J = model.coupling("J", 1.0)
    if model.kind == "tfim":
        # NetKet: -h Σ X + J Σ ZZ.
        return netket.operator.Ising(hilbert, np.array(bonds[1]), h=model.coupling("h", 1.0), J=-J)
    delta, J2 = model.coupling("delta", 1.0), model.coupling("J2", 0.0)
    if delta != 1.0:
        # XXZ as Pauli strings: (J/4) (XX + YY + Δ ZZ) on every bond.
        labels, weights = [], []
        for i, j in bonds[1]:
            for letter, weight in (("X", 1.0), ("Y", 1.0), ("Z", delta)):
                labels.append(pauli_label(model.n_sites, {i: letter, j: letter}))
                weights.append(J * weight / 4)
        return netket_pauli_sum(hilbert, labels, weights)
    # Heisenberg in Pauli units: J Σ σ·σ, so J/4 for S = σ/2; colour 1 = next-nearest.
    edges = [[i, j, order - 1] for order, pairs in bonds.items() for i, j in pairs]
    graph = netket.graph.Graph(edges=edges)
    if J2:
        return netket.operator.Heisenberg(
            hilbert, graph, J=[J / 4, J2 / 4], sign_rule=[model.sign_rule] * 2
        )
    return netket.operator.Heisenberg(hilbert, graph, J=J / 4, sign_rule=model.sign_rule)


def netket_basis_indices(hilbert: Any) -> np.ndarray:
    """qgen basis index of each of NetKet's basis states, in NetKet's order.

    Local value +1 is spin up (bit 0) and −1 spin down (bit 1); site 0 is the most
    significant bit. Independent of NetKet's own ordering conventions.
    """
    states = np.asarray(hilbert.all_states())
    bits = (states < 0).astype(np.int64)
    return bits @ (1 << np.arange(states.shape[1] - 1, -1, -1))


# --- comparison ----------------------------------------------------------------------------------


def max_difference(a: np.ndarray | sp.spmatrix, b: np.ndarray | sp.spmatrix) -> float:
    """Largest elementwise ``|a - b|``; sparse when both are sparse, dense otherwise."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if sp.issparse(a) and sp.issparse(b):
        difference = sp.csr_matrix(a - b)
        return float(np.abs(difference.data).max()) if difference.nnz else 0.0
    a = a.toarray() if sp.issparse(a) else np.asarray(a)
    b = b.toarray() if sp.issparse(b) else np.asarray(b)
    return float(np.max(np.abs(a - b))) if a.size else 0.0
