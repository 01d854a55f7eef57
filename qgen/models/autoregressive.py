r"""The autoregressive wave-function interface that every RNN, Transformer and MADE shares.

An autoregressive model factorizes the Born distribution of a configuration ``x`` of ``N``
sites, read in a fixed order and grouped into ``T = N / p`` tokens of ``p`` sites,

.. math::  p(x) = \prod_{k=1}^{T} p(t_k \mid t_{<k}),

with each conditional a softmax over the ``d^p`` values of a token. It is normalized by
construction and can be sampled exactly, token by token. The wave function is

.. math::  \log\psi(x) = \tfrac12 \log p(x) + i\,\phi(x), \qquad
           \phi(x) = \sum_k \pi\,\mathrm{softsign}\big(w_{t_k}\cdot h_k + c_{t_k}\big),

as in Hibat-Allah, Ganahl, Hayward, Melko, Carrasquilla, Phys. Rev. Research 2, 023358
(2020); without a phase head the wave function is positive (``log_psi`` real).

**U(1) projection.** With a target magnetization the conditionals are masked so that no
token can make the target unreachable: with ``m`` ones (down spins) so far and ``r`` sites
left after the token, a value with ``c`` ones is allowed iff ``m + c <= n_ones`` and
``n_ones - m - c <= r``. The same mask acts in sampling and in :meth:`log_prob`, so the
masked model is a normalized distribution on the sector (the "U(1)-symmetric RNN" of the
paper above), and configurations outside the sector get ``log_psi = -inf``.

**Marshall sign.** ``sign_sites`` multiplies ψ by ``(-1)^{Σ_{i∈B} x_i}`` (``x_i = 1`` is a
down spin), the Marshall sign of a bipartite antiferromagnet; alternatively rotate the
Hamiltonian (``sign_rule`` in :class:`~qgen.system.System`), which is the same unitary.

Subclasses implement :meth:`_features` (all tokens at once, teacher forcing: the features
of token ``k`` may depend on tokens ``< k`` only) and :meth:`_step` (one token, with a
state carried between calls: an RNN's hidden state, a Transformer's key/value cache), so
that sampling costs one incremental pass, not a full pass per token.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from qgen.errors import ModelError
from qgen.validation import require_int

__all__ = ["AutoregressiveModel", "ones_for_magnetization"]


_MASKED_LOGIT = -1.0e4


@dataclass
class _PrefixTree:
    """The distinct prefixes ``t_<k`` of a batch of token rows ``(M, T)``, level by level.

    Level ``k`` has one node per distinct prefix of length ``k`` (level 0: the empty
    prefix, one node). ``row_node[k]`` is each row's node at level ``k``; for the nodes of
    level ``k``, ``parent[k]`` is their node at level ``k − 1`` and ``first_row[k]`` a row
    through them.
    """

    row_node: list[torch.Tensor]
    parent: list[torch.Tensor]
    key: list[torch.Tensor]  # parent · V + last token, the node's place among its parent's
    first_row: list[torch.Tensor]
    ones: list[torch.Tensor]  # ones (down spins) in each node's prefix, for the U(1) mask


def ones_for_magnetization(n_sites: int, magnetization: float) -> int:
    """The number of down spins (ones) with total :math:`S^z` = ``magnetization``.

    :math:`S^z = (n_\\uparrow - n_\\downarrow)/2`, so ``n_ones = N/2 - S^z``.

    Raises:
        ModelError: no configuration of ``n_sites`` spins has that magnetization.
    """
    n_ones = n_sites / 2 - magnetization
    if not math.isfinite(n_ones) or n_ones != round(n_ones) or not 0 <= n_ones <= n_sites:
        raise ModelError(
            f"no configuration of {n_sites} spins has total S^z = {magnetization:g}; "
            f"expected one of {', '.join(f'{n_sites / 2 - k:g}' for k in range(n_sites + 1))}"
        )
    return round(n_ones)


class AutoregressiveModel(nn.Module):
    """Base class: tokens, U(1) masks, heads, ``log_prob``, ``log_psi`` and ``sample``.

    Args:
        n_sites: number of sites ``N``.
        features: width of the per-token features that the subclass computes.
        local_dim: values per site ``d`` (2 for spins).
        patch_size: sites per token ``p`` (must divide ``N``).
        magnetization: total :math:`S^z` to project onto (spins only), or None.
        phase: add a phase head (complex ψ); without it ψ > 0.
        order: the autoregressive order of the sites (a permutation of ``range(N)``);
            default: site index order.
        sign_sites: sites ``B`` of the Marshall sign ``(-1)^{Σ_{i∈B} x_i}``, or None.
        dtype: floating dtype of the parameters (float32 by default: 2–4× faster on CPUs
            than float64, and accurate to ~1e-7 in log ψ; statistics and SR use float64).
    """

    jacobian_combines: ClassVar[bool] = False
    """Whether ``log_psi_jacobian(x, combine=...)`` sums weighted groups of rows inside the
    layers (:func:`~qgen.models.layer_jacobian.layerwise_log_derivatives`)."""

    order: torch.Tensor
    inverse_order: torch.Tensor
    digit_weights: torch.Tensor
    token_digits: torch.Tensor
    token_ones: torch.Tensor
    sign_mask: torch.Tensor

    def __init__(
        self,
        n_sites: int,
        features: int,
        *,
        local_dim: int = 2,
        patch_size: int = 1,
        magnetization: float | None = None,
        phase: bool = False,
        order: Sequence[int] | None = None,
        sign_sites: Sequence[int] | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        require_int(n_sites, "number of sites", minimum=1, error=ModelError)
        require_int(local_dim, "local_dim", minimum=2, error=ModelError)
        if not isinstance(patch_size, int) or patch_size < 1 or n_sites % patch_size:
            raise ModelError(
                f"expected a patch size that divides the {n_sites} sites, got {patch_size!r}"
            )
        if features < 1:
            raise ModelError(f"expected a positive feature width, got {features}")
        self.n_sites = n_sites
        self.local_dim = local_dim
        self.patch_size = patch_size
        self.n_tokens = n_sites // patch_size
        self.vocabulary = local_dim**patch_size
        self.has_phase = phase
        self.magnetization = magnetization
        if magnetization is not None and local_dim != 2:
            raise ModelError(f"a magnetization sector needs spins (local_dim 2), got {local_dim}")
        self.n_ones = (
            None if magnetization is None else ones_for_magnetization(n_sites, magnetization)
        )

        order_list = list(range(n_sites)) if order is None else [int(i) for i in order]
        if sorted(order_list) != list(range(n_sites)):
            raise ModelError(f"expected the order to be a permutation of range({n_sites})")
        self.register_buffer("order", torch.tensor(order_list), persistent=False)
        self.register_buffer("inverse_order", torch.argsort(self.order), persistent=False)
        self.register_buffer(
            "digit_weights",
            local_dim ** torch.arange(patch_size - 1, -1, -1),
            persistent=False,
        )
        # ones(v): number of sites of token value v that equal 1 (down spins), for U(1).
        digits = (torch.arange(self.vocabulary)[:, None] // self.digit_weights) % local_dim
        self.register_buffer("token_digits", digits, persistent=False)
        self.register_buffer("token_ones", (digits == 1).sum(-1), persistent=False)
        sign_mask = torch.zeros(n_sites, dtype=torch.bool)
        if sign_sites is not None:
            sites = [int(i) for i in sign_sites]
            if any(not 0 <= i < n_sites for i in sites):
                raise ModelError(f"sign sites must lie in range({n_sites}), got {sites}")
            sign_mask[sites] = True
        self.has_sign = sign_sites is not None
        self.register_buffer("sign_mask", sign_mask, persistent=False)

        self.amplitude_head = nn.Linear(features, self.vocabulary, dtype=dtype)
        self.phase_head = nn.Linear(features, self.vocabulary, dtype=dtype) if phase else None

    # --- to be implemented by subclasses ----------------------------------------------------

    def _features(self, tokens: torch.Tensor) -> torch.Tensor:
        """Features ``(B, T, F)`` of every token; those of token k see tokens ``< k`` only."""
        raise NotImplementedError

    def _initial_state(self, batch: int, device: torch.device) -> Any:
        """The state before the first token (default: none)."""
        return None

    def _step(self, state: Any, tokens: torch.Tensor, k: int) -> tuple[torch.Tensor, Any]:
        """Features ``(B, F)`` of token ``k`` given ``tokens[:, :k]``, and the new state.

        The default recomputes the full pass (models without an incremental form).
        """
        return self._features(tokens)[:, k], state

    # --- tokens -----------------------------------------------------------------------------

    @property
    def dtype(self) -> torch.dtype:
        return self.amplitude_head.weight.dtype

    @property
    def is_complex(self) -> bool:
        """Whether ``log_psi`` returns complex values (phase head or sign)."""
        return self.has_phase or self.has_sign

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 2 or x.shape[1] != self.n_sites:
            raise ModelError(
                f"expected configurations of shape (batch, {self.n_sites}), got {tuple(x.shape)}"
            )
        if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
            raise ModelError(f"expected an integer configuration tensor, got dtype {x.dtype}")

    def tokenize(self, x: torch.Tensor) -> torch.Tensor:
        """Configurations ``(B, N)`` → tokens ``(B, T)`` in the autoregressive order."""
        ordered = x[:, self.order].long()
        return (ordered.view(-1, self.n_tokens, self.patch_size) * self.digit_weights).sum(-1)

    def detokenize(self, tokens: torch.Tensor) -> torch.Tensor:
        """Tokens ``(B, T)`` → configurations ``(B, N)`` in site order."""
        ordered = self.token_digits[tokens].reshape(tokens.shape[0], self.n_sites)
        return ordered[:, self.inverse_order]

    def _allowed(self, ones_before: torch.Tensor, k: torch.Tensor | int) -> torch.Tensor:
        """Mask ``(..., V)`` of token values that keep the U(1) target reachable."""
        n_ones = self.n_ones if self.n_ones is not None else self.n_sites
        remaining = self.n_sites - (torch.as_tensor(k, device=ones_before.device) + 1) * (
            self.patch_size
        )
        total = ones_before.unsqueeze(-1) + self.token_ones
        return (total <= n_ones) & (n_ones - total <= remaining.unsqueeze(-1))

    def _masked_logits(self, logits: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Apply the U(1) mask to teacher-forced logits ``(B, T, V)``."""
        if self.n_ones is None:
            return logits
        ones = self.token_ones[tokens]
        ones_before = torch.cumsum(ones, dim=1) - ones
        positions = torch.arange(self.n_tokens, device=tokens.device)
        allowed = self._allowed(ones_before, positions)
        # A finite fill: outside the sector every value of a later token can be masked, and
        # a softmax over all -inf is NaN. exp(-1e4) is exactly 0 in float32 and float64;
        # configurations outside the sector get -inf from _log_prob_and_phase instead.
        return logits.masked_fill(~allowed, _MASKED_LOGIT)

    # --- public interface --------------------------------------------------------------------

    def log_conditionals(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(t_k = v | t_<k)`` for every token k and value v: shape ``(B, T, V)``."""
        self._check(x)
        tokens = self.tokenize(x)
        logits = self.amplitude_head(self._features(tokens))
        return torch.log_softmax(self._masked_logits(logits, tokens), dim=-1)

    def _log_prob_and_phase(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        self._check(x)
        tokens = self.tokenize(x)
        features = self._features(tokens)
        logits = self._masked_logits(self.amplitude_head(features), tokens)
        log_cond = torch.log_softmax(logits, dim=-1)
        index = tokens.unsqueeze(-1)
        log_prob = log_cond.gather(-1, index).squeeze(-1).sum(-1)
        phase = None
        if self.phase_head is not None:
            phases = math.pi * nn.functional.softsign(self.phase_head(features))
            phase = phases.gather(-1, index).squeeze(-1).sum(-1)
        return self._finish(x, log_prob, phase)

    def _finish(
        self, x: torch.Tensor, log_prob: torch.Tensor, phase: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Set ``-inf`` outside the U(1) sector and add the Marshall sign to the phase."""
        if self.n_ones is not None:
            in_sector = (x.long() == 1).sum(-1) == self.n_ones
            log_prob = torch.where(in_sector, log_prob, -math.inf)
        if self.has_sign:
            signs = math.pi * (x.long() * self.sign_mask).sum(-1).to(log_prob.dtype)
            phase = signs if phase is None else phase + signs
        return log_prob, phase

    def _combine(self, log_prob: torch.Tensor, phase: torch.Tensor | None) -> torch.Tensor:
        if phase is None:
            return 0.5 * log_prob
        return torch.complex(0.5 * log_prob, phase)

    def _prefix_tree(self, tokens: torch.Tensor) -> _PrefixTree:
        """The prefix tree of ``tokens``: level ``k``'s nodes are the distinct pairs (node
        at level ``k − 1``, token ``k − 1``) of the rows."""
        rows = tokens.shape[0]
        node = tokens.new_zeros(rows)
        origin = tokens.new_zeros(1)
        tree = _PrefixTree([node], [origin], [origin], [origin], [origin])
        positions = torch.arange(rows, device=tokens.device)
        for k in range(1, self.n_tokens):
            node, distinct, first = self._next_level(
                node, tokens[:, k - 1], tree.parent[-1].numel(), positions
            )
            parent = distinct // self.vocabulary
            tree.row_node.append(node)
            tree.parent.append(parent)
            tree.key.append(distinct)
            tree.first_row.append(first)
            tree.ones.append(tree.ones[-1][parent] + self.token_ones[distinct % self.vocabulary])
        return tree

    def _next_level(
        self, node: torch.Tensor, token: torch.Tensor, n_nodes: int, positions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The next level of a prefix tree: rows at nodes ``node`` (of ``n_nodes``) read
        ``token``. Returns each row's new node, the new nodes' keys ``parent · V + token``
        in increasing order, and a row through each new node (the first).

        Keys lie in ``0 … n_nodes·V − 1``: the ones present are marked and numbered in
        order, a counting pass instead of ``torch.unique``'s sort."""
        keys = node * self.vocabulary + token
        present = torch.zeros(n_nodes * self.vocabulary, dtype=torch.bool, device=node.device)
        present[keys] = True
        distinct = present.nonzero().squeeze(1)
        new_node = (torch.cumsum(present, 0) - 1)[keys]
        first = torch.full_like(distinct, node.numel()).scatter_reduce(
            0, new_node, positions, reduce="amin"
        )
        return new_node, distinct, first

    def _select_state(self, state: Any, index: torch.Tensor) -> Any:
        """Rows ``index`` of a state: nested lists and tuples of batch-first tensors."""
        if isinstance(state, torch.Tensor):
            return state.index_select(0, index)
        if isinstance(state, list | tuple):
            return type(state)(self._select_state(part, index) for part in state)
        return state

    @torch.no_grad()
    def log_psi_shared_prefixes(self, x: torch.Tensor) -> torch.Tensor:
        """``log ψ`` of a batch whose rows share prefixes, each distinct prefix computed once.

        The connected configurations of a local operator share the prefix before their
        first changed site with their parent and with each other, and samples of a peaked
        ``|ψ|²`` share long prefixes. The rows' distinct prefixes ``t_<k`` form a tree; the
        model steps through its levels as in sampling (:meth:`_step`), each node starting
        from its parent's state, so the work is the number of nodes, not rows × tokens.
        Without gradients (for local values). Models without an incremental step (MADE)
        evaluate the batch afresh.
        """
        if type(self)._step is AutoregressiveModel._step:
            return self.log_psi(x)
        self._check(x)
        tokens = self.tokenize(x)
        tree = self._prefix_tree(tokens)
        # Terms summed per node: the log-probability (and phase) of each prefix t_<k.
        prefix_log_prob = torch.zeros(1, dtype=self.dtype, device=x.device)
        prefix_phase = torch.zeros_like(prefix_log_prob) if self.phase_head is not None else None
        log_cond = phases = prefix_log_prob  # set at level 0, read from level 1 on
        # Under the U(1) mask a prefix that allows one value only fixes every later token:
        # without a phase head its subtree adds log 1 = 0 and needs no model steps. The
        # state is kept for the other ("open") nodes only; slot[i] is node i's row in it.
        skip_fixed = self.n_ones is not None and self.phase_head is None
        slot = torch.zeros(1, dtype=torch.long, device=x.device)
        state = self._initial_state(1, x.device)
        for k in range(self.n_tokens):
            n_nodes = tree.parent[k].numel()
            if k > 0:
                parent = tree.parent[k]
                prefix_log_prob = prefix_log_prob[parent] + log_cond.take(tree.key[k])
                if prefix_phase is not None:
                    prefix_phase = prefix_phase[parent] + phases.take(tree.key[k])
            allowed = self._allowed(tree.ones[k], k) if self.n_ones is not None else None
            nodes = torch.arange(n_nodes, device=x.device)
            if skip_fixed and allowed is not None:
                nodes = (allowed.sum(-1) > 1).nonzero().squeeze(1)
                if nodes.numel() == 0:  # every later level is fixed too
                    log_cond = log_cond.new_zeros(n_nodes, self.vocabulary)
                    continue
            if k > 0:
                state = self._select_state(state, slot[tree.parent[k][nodes]])
            # _step reads tokens before k only: the node's prefix, from one row through it
            prefix = tokens[:, : max(k, 1)].index_select(0, tree.first_row[k][nodes])
            features, state = self._step(state, prefix, k)
            logits = self.amplitude_head(features)
            if allowed is not None:
                logits = logits.masked_fill(~allowed[nodes], _MASKED_LOGIT)
            log_cond = torch.log_softmax(logits, dim=-1)
            if nodes.numel() < n_nodes:  # fixed nodes: log p = 0 for their one value
                log_cond = log_cond.new_zeros(n_nodes, self.vocabulary).index_copy_(
                    0, nodes, log_cond
                )
                slot = torch.full((n_nodes,), -1, dtype=torch.long, device=x.device)
                slot[nodes] = torch.arange(nodes.numel(), device=x.device)
            else:
                slot = nodes
            if self.phase_head is not None:
                phases = nn.functional.softsign(self.phase_head(features))
        # The last token: per row.
        node = tree.row_node[-1]
        last = node * self.vocabulary + tokens[:, -1]
        log_prob = prefix_log_prob[node] + log_cond.take(last)
        phase = None
        if prefix_phase is not None:
            phase = math.pi * (prefix_phase[node] + phases.take(last))
        return self._combine(*self._finish(x, log_prob, phase))

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(x) = 2 Re log ψ(x)`` (``-inf`` outside the U(1) sector)."""
        return self._log_prob_and_phase(x)[0]

    def log_psi(self, x: torch.Tensor) -> torch.Tensor:
        """``log ψ(x) = ½ log p(x) + i φ(x)``: real without phase head and sign, else complex."""
        return self._combine(*self._log_prob_and_phase(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`log_psi`."""
        return self.log_psi(x)

    @torch.no_grad()
    def sample(
        self,
        n_samples: int,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        incremental: bool = True,
    ) -> torch.Tensor:
        """Exact samples ``(n_samples, N)`` from ``p(x)``, token by token.

        Args:
            n_samples: number of independent samples (> 0).
            generator: source of randomness.
            device: where to sample; default the parameters' device.
            incremental: carry the model's state between tokens (hidden state, key/value
                cache); ``False`` recomputes the full pass for every token (a reference
                for tests and benchmarks; same distribution, more work).
        """
        require_int(n_samples, "number of samples", minimum=1, error=ModelError)
        device = torch.device(device) if device is not None else self.amplitude_head.weight.device
        tokens = torch.zeros(n_samples, self.n_tokens, dtype=torch.long, device=device)
        if incremental and type(self)._step is not AutoregressiveModel._step:
            return self.detokenize(self._sample_tree(tokens, generator))
        ones_before = torch.zeros(n_samples, dtype=torch.long, device=device)
        state = self._initial_state(n_samples, device)
        for k in range(self.n_tokens):
            features, state = AutoregressiveModel._step(self, state, tokens, k)
            choice = self._draw(features, ones_before, k, generator)
            tokens[:, k] = choice
            if self.n_ones is not None:
                ones_before = ones_before + self.token_ones[choice]
        return self.detokenize(tokens)

    def _draw(
        self,
        features: torch.Tensor,
        ones_before: torch.Tensor,
        k: int,
        generator: torch.Generator | None,
        rows: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Token ``k`` drawn from the conditionals of ``features`` (of the rows ``rows``
        of them, if given)."""
        logits = self.amplitude_head(features)
        if self.n_ones is not None:
            logits = logits.masked_fill(~self._allowed(ones_before, k), -math.inf)
        probabilities = torch.softmax(logits, dim=-1)
        if rows is not None:
            probabilities = probabilities.index_select(0, rows)
        return torch.multinomial(probabilities, 1, generator=generator).squeeze(-1)

    def _sample_tree(self, tokens: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Incremental sampling that steps each distinct prefix once: samples of a peaked
        distribution share their first tokens, so level ``k`` of their prefix tree has far
        fewer nodes than samples. Each sample draws its token from its node's
        conditionals; the draws are those of a pass over every sample."""
        n_samples = tokens.shape[0]
        device = tokens.device
        node = tokens.new_zeros(n_samples)
        first_row = tokens.new_zeros(1)
        ones = tokens.new_zeros(1)
        positions = torch.arange(n_samples, device=device)
        state = self._initial_state(1, device)
        for k in range(self.n_tokens):
            prefix = tokens[:, : max(k, 1)].index_select(0, first_row)
            features, state = self._step(state, prefix, k)
            choice = self._draw(features, ones, k, generator, node)
            tokens[:, k] = choice
            if k + 1 == self.n_tokens:
                break
            node, distinct, first_row = self._next_level(node, choice, ones.numel(), positions)
            parent = distinct // self.vocabulary
            state = self._select_state(state, parent)
            ones = ones[parent] + self.token_ones[distinct % self.vocabulary]
        return tokens

    def n_parameters(self) -> int:
        """Number of real parameters."""
        return sum(p.numel() for p in self.parameters())
