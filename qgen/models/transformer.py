r"""Decoder-only Transformer wave function with a key/value cache for sampling.

Token ``k`` reads the embedding of token ``k-1`` (a start symbol for ``k = 0``) plus a
positional encoding, and ``L`` pre-norm blocks of causal self-attention and an MLP map it
to the features of the conditional ``p(t_k | t_<k)``:

.. math::  a = h + \mathrm{MHA}(\mathrm{LN}(h)),\qquad h' = a + \mathrm{MLP}(\mathrm{LN}(a)),

with the attention of position ``k`` restricted to positions ``<= k`` (Vaswani et al.,
NeurIPS 2017). As a wave function: Zhang & Di Ventra, Phys. Rev. B 107, 075147 (2023);
Sprague & Czischek, Commun. Phys. 7, 90 (2024); patches of several sites per token as in
Viteritti, Rende, Becca, Phys. Rev. Lett. 130, 236401 (2023).

Positional encodings are learned: one vector per token in 1D, or the sum of a row and a
column vector on a 2D lattice (``shape=(lx, ly)``, tokens as patches along rows).
Sampling keeps each layer's keys and values, so step ``k`` costs one query against ``k``
cached keys instead of a full pass over ``k`` tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from qgen.errors import ModelError
from qgen.models.autoregressive import AutoregressiveModel
from qgen.models.layer_jacobian import LayerwiseJacobian
from qgen.validation import require_int

__all__ = ["Transformer"]


class _Block(nn.Module):
    def __init__(self, width: int, heads: int, dtype: torch.dtype) -> None:
        super().__init__()
        self.heads = heads
        self.norm_attention = nn.LayerNorm(width, dtype=dtype)
        self.qkv = nn.Linear(width, 3 * width, dtype=dtype)
        self.out = nn.Linear(width, width, dtype=dtype)
        self.norm_mlp = nn.LayerNorm(width, dtype=dtype)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width, dtype=dtype),
            nn.GELU(),
            nn.Linear(4 * width, width, dtype=dtype),
        )

    def _split(self, t: torch.Tensor) -> torch.Tensor:
        batch, length, width = t.shape
        return t.view(batch, length, self.heads, width // self.heads).transpose(1, 2)

    def _attend(
        self, h: torch.Tensor, cache: tuple[torch.Tensor, torch.Tensor] | None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        q, k, v = (self._split(t) for t in self.qkv(self.norm_attention(h)).chunk(3, dim=-1))
        if cache is not None:  # one new query attends to every cached position and itself
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        # Written out rather than F.scaled_dot_product_attention, which has no vmap batching
        # rule on the CPU (SR takes per-sample gradients with torch.func.vmap).
        scores = (q @ k.transpose(-2, -1)) * (q.shape[-1] ** -0.5)
        if cache is None:
            length = q.shape[2]
            future = torch.ones(length, length, dtype=torch.bool, device=q.device).triu(1)
            scores = scores.masked_fill(future, -math.inf)
        attended = torch.softmax(scores, dim=-1) @ v
        batch, _, length, _ = attended.shape
        merged = attended.transpose(1, 2).reshape(batch, length, -1)
        return h + self.out(merged), (k, v)

    def forward(
        self, h: torch.Tensor, cache: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        a, new_cache = self._attend(h, cache)
        return a + self.mlp(self.norm_mlp(a)), new_cache


def _position_table(length: int, width: int, dtype: torch.dtype) -> nn.Embedding:
    table = nn.Embedding(length, width, dtype=dtype)
    nn.init.normal_(table.weight, std=0.02)
    return table


class Transformer(LayerwiseJacobian, AutoregressiveModel):
    """Causal Transformer wave function.

    Args:
        n_sites: number of sites.
        width: embedding width (divisible by ``heads``).
        layers: Transformer blocks.
        heads: attention heads.
        patch_size: sites per token (divides ``n_sites``; on 2D, divides ``lx``).
        shape: ``(lx, ly)`` for 2D positional encodings (sites in row-major order);
            None for 1D.
        order: reading order of the sites (default: site order).
        **options: ``magnetization``, ``phase``, ``sign_sites``, ``dtype``, ``local_dim``.

    Example:
        >>> import torch
        >>> model = Transformer(8, width=16, layers=1, heads=2, patch_size=2)
        >>> model.sample(3, torch.Generator().manual_seed(0)).shape
        torch.Size([3, 8])
    """

    token_column: torch.Tensor
    token_row: torch.Tensor
    token_index: torch.Tensor

    def __init__(
        self,
        n_sites: int,
        width: int = 32,
        layers: int = 2,
        heads: int = 4,
        patch_size: int = 1,
        shape: tuple[int, int] | None = None,
        order: Sequence[int] | None = None,
        **options: Any,
    ) -> None:
        for name, value in (("width", width), ("layers", layers), ("heads", heads)):
            require_int(value, name, minimum=1, error=ModelError)
        if width % heads:
            raise ModelError(f"expected a width divisible by heads={heads}, got {width}")
        if shape is not None:
            lx, ly = shape
            if lx * ly != n_sites:
                raise ModelError(f"shape {shape} does not hold {n_sites} sites")
            if lx % patch_size:
                raise ModelError(f"on a 2D lattice patches lie along rows: {patch_size} ∤ lx={lx}")
        super().__init__(n_sites, width, patch_size=patch_size, order=order, **options)
        dtype = self.dtype
        self.width = width
        self.embedding = nn.Embedding(self.vocabulary + 1, width, dtype=dtype)
        # Learned positions as embedding tables read with one index per sample and token,
        # so that per-sample derivatives come from the layers (qgen.models.layer_jacobian).
        k = torch.arange(self.n_tokens)
        self.position: nn.Embedding | None = None
        if shape is None:
            self.position = _position_table(self.n_tokens, width, dtype)
        else:
            lx, ly = shape
            per_row = lx // patch_size
            self.columns = _position_table(per_row, width, dtype)
            self.rows = _position_table(ly, width, dtype)
            self.register_buffer("token_column", k % per_row, persistent=False)
            self.register_buffer("token_row", k // per_row, persistent=False)
        self.register_buffer("token_index", k, persistent=False)
        self.shape = shape
        blocks = [_Block(width, heads, dtype) for _ in range(layers)]
        self.blocks = nn.ModuleList(blocks)
        self._blocks = blocks  # a typed view of the same modules
        self.norm = nn.LayerNorm(width, dtype=dtype)

    def _positions(self) -> torch.Tensor:
        """The positional encodings ``(T, W)``."""
        if self.position is not None:
            return self.position.weight
        return self.columns.weight[self.token_column] + self.rows.weight[self.token_row]

    def _batch_positions(self, batch: int) -> torch.Tensor:
        """The positional encodings ``(B, T, W)``, read through the tables' forward."""
        if self.position is not None:
            return self.position(self.token_index.expand(batch, -1))
        return self.columns(self.token_column.expand(batch, -1)) + self.rows(
            self.token_row.expand(batch, -1)
        )

    def _features(self, tokens: torch.Tensor) -> torch.Tensor:
        start = torch.full_like(tokens[:, :1], self.vocabulary)
        shifted = torch.cat([start, tokens[:, :-1]], dim=1)
        h = self.embedding(shifted) + self._batch_positions(tokens.shape[0])
        for block in self.blocks:
            h, _ = block(h)
        return self.norm(h)

    def _initial_state(self, batch: int, device: torch.device) -> list[Any]:
        return [None] * len(self.blocks)

    def _step(
        self, state: list[Any], tokens: torch.Tensor, k: int
    ) -> tuple[torch.Tensor, list[Any]]:
        previous = tokens[:, k - 1] if k > 0 else torch.full_like(tokens[:, 0], self.vocabulary)
        h = (self.embedding(previous) + self._positions()[k]).unsqueeze(1)
        new_state = []
        for block, cache in zip(self.blocks, state, strict=True):
            h, cache = block(h, cache)
            new_state.append(cache)
        return self.norm(h[:, 0]), new_state
