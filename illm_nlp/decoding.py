"""Turning a trained encoder–decoder into output tokens: greedy search and batched beam search.

Both work on any model with the small :class:`StepModel` interface (start from
source ids, then one step at a time), on NumPy arrays, a whole batch of
sentences at once. They are deterministic: the same model, input and settings
give the same output (ties go to the lower token id / beam index).

Beam search keeps ``beam`` live hypotheses per sentence; a hypothesis ends
when it produces ``</s>`` among the best ``beam`` candidates of a step, and a
sentence is done once ``beam`` hypotheses have ended (or ``max_length`` is
reached). Finished hypotheses are compared by log-probability divided by the
GNMT length penalty ``((5 + length) / 6) ** length_penalty``, so longer
outputs are not unfairly punished (0 = raw log-probability). With ``beam=1``
this is exactly greedy search.

Each output token carries the source position it attended to most, which the
heads use to replace ``<unk>`` by the attended source word.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

__all__ = ["Decoded", "StepModel", "beam_search", "decode", "greedy_search", "iter_greedy", "length_penalty"]


class StepModel(Protocol):
    """What decoding needs from a model.

    The state is a list of arrays whose first axis is the batch (encoder
    outputs, masks, RNN states...); decoding reorders and repeats rows of
    every array alike, so a model can carry whatever it needs.
    """

    def start(self, source_ids: np.ndarray) -> list[np.ndarray]:
        """Encode a batch of source id rows ``[B, S]`` (0 = padding) into the initial state."""
        ...

    def step(self, tokens: np.ndarray, state: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """Feed one token per row → (log-probabilities ``[N, V]``, attention ``[N, S]``, new state)."""
        ...


@dataclass
class Decoded:
    """One output: token ids (without ``<s>``/``</s>``), the attended source position of each, and its score."""

    ids: list[int]
    attention: list[int] = field(default_factory=list)
    score: float = 0.0


def length_penalty(length: int | np.ndarray, alpha: float) -> float | np.ndarray:
    """GNMT's length normaliser ``((5 + length) / 6) ** alpha`` (Wu et al. 2016)."""
    return ((5.0 + length) / 6.0) ** alpha


def _ban(logp: np.ndarray, banned: Sequence[int]) -> np.ndarray:
    if banned:
        logp = logp.copy()
        logp[:, list(banned)] = -np.inf
    return logp


def greedy_search(
    model: StepModel,
    source_ids: np.ndarray,
    *,
    bos: int,
    eos: int,
    max_length: int,
    banned: Sequence[int] = (0,),
    min_length: int = 0,
) -> list[Decoded]:
    """Pick the most likely token at each step, for a whole batch, until ``</s>`` or ``max_length``."""
    batch = source_ids.shape[0]
    state = model.start(source_ids)
    tokens = np.full(batch, bos, dtype=np.int32)
    out = [Decoded([], [], 0.0) for _ in range(batch)]
    done = np.zeros(batch, dtype=bool)
    for t in range(max_length):
        logp, attn, state = model.step(tokens, state)
        logp = _ban(logp, [*banned, eos] if t < min_length else banned)
        tokens = np.argmax(logp, axis=-1).astype(np.int32)
        where = np.argmax(attn, axis=-1)
        for b in np.flatnonzero(~done):
            out[b].score += float(logp[b, tokens[b]])
            if tokens[b] == eos:
                done[b] = True
            else:
                out[b].ids.append(int(tokens[b]))
                out[b].attention.append(int(where[b]))
        if done.all():
            break
    return out


def iter_greedy(
    model: StepModel,
    source_ids: np.ndarray,
    *,
    bos: int,
    eos: int,
    max_length: int,
    banned: Sequence[int] = (0,),
    min_length: int = 0,
) -> Iterator[tuple[int, int]]:
    """Greedy search for one source row, yielding (token id, attended position) as each is chosen."""
    state = model.start(source_ids[:1])
    token = np.full(1, bos, dtype=np.int32)
    for t in range(max_length):
        logp, attn, state = model.step(token, state)
        token = np.argmax(_ban(logp, [*banned, eos] if t < min_length else banned), axis=-1).astype(np.int32)
        if int(token[0]) == eos:
            return
        yield int(token[0]), int(np.argmax(attn[0]))


def beam_search(
    model: StepModel,
    source_ids: np.ndarray,
    *,
    beam: int,
    bos: int,
    eos: int,
    max_length: int,
    alpha: float = 0.6,
    banned: Sequence[int] = (0,),
    min_length: int = 0,
) -> list[Decoded]:
    """Batched beam search with a length penalty; returns the best finished hypothesis per source row."""
    if beam < 1:
        raise ValueError(f"beam must be at least 1, got {beam}")
    batch = source_ids.shape[0]
    k = beam
    state = [np.repeat(a, k, axis=0) for a in model.start(source_ids)]
    tokens = np.full(batch * k, bos, dtype=np.int32)
    # Only the first beam of each sentence is live at the start (the others are copies).
    scores = np.full((batch, k), -np.inf)
    scores[:, 0] = 0.0
    seqs = np.zeros((batch, k, 0), dtype=np.int32)
    where = np.zeros((batch, k, 0), dtype=np.int32)
    finished: list[list[Decoded]] = [[] for _ in range(batch)]
    done = np.zeros(batch, dtype=bool)
    for t in range(max_length):
        logp, attn, state = model.step(tokens, state)
        logp = _ban(logp, [*banned, eos] if t < min_length else banned)
        vocab = logp.shape[-1]
        cand = (scores[:, :, None] + logp.reshape(batch, k, vocab)).reshape(batch, k * vocab)
        n_top = min(2 * k, k * vocab)
        # Top 2k candidates per sentence, best first; equal scores keep the lower (beam, token) index.
        part = np.argpartition(-cand, n_top - 1, axis=1)[:, :n_top]
        part_scores = np.take_along_axis(cand, part, axis=1)
        order = np.lexsort((part, -part_scores), axis=1)
        top = np.take_along_axis(part, order, axis=1)
        att_pos = np.argmax(attn, axis=-1).reshape(batch, k)
        new_rows = np.zeros((batch, k), dtype=np.int64)
        new_tokens = np.full((batch, k), eos, dtype=np.int32)
        new_scores = np.full((batch, k), -np.inf)
        for b in range(batch):
            if done[b]:
                new_rows[b] = b * k
                continue
            alive = 0
            for rank, c in enumerate(top[b]):
                s = float(cand[b, c])
                if s == -np.inf:
                    break
                src_beam, tok = divmod(int(c), vocab)
                if tok == eos:
                    # an ending counts only if it is among this step's best k candidates
                    if rank < k:
                        finished[b].append(
                            Decoded(
                                seqs[b, src_beam].tolist(),
                                where[b, src_beam].tolist(),
                                s / float(length_penalty(t + 1, alpha)),
                            )
                        )
                    continue
                new_rows[b, alive] = b * k + src_beam
                new_tokens[b, alive] = tok
                new_scores[b, alive] = s
                alive += 1
                if alive == k:
                    break
            # rows of beams that did not fill just repeat the first (their score is -inf)
            new_rows[b, alive:] = new_rows[b, 0]
            if len(finished[b]) >= k or alive == 0:
                done[b] = True
        rows = new_rows.reshape(-1)
        b_idx, k_idx = np.divmod(rows, k)
        seqs = np.concatenate([seqs[b_idx, k_idx].reshape(batch, k, -1), new_tokens[:, :, None]], axis=2)
        where = np.concatenate(
            [where[b_idx, k_idx].reshape(batch, k, -1), att_pos.reshape(-1)[rows].reshape(batch, k, 1)], axis=2
        )
        scores = new_scores
        tokens = new_tokens.reshape(-1)
        state = [a[rows] for a in state]
        if done.all():
            break
    results = []
    for b in range(batch):
        pool = list(finished[b])
        if not done[b]:  # ran out of length: the live hypotheses compete too
            for j in range(k):
                if scores[b, j] > -np.inf:
                    n = seqs.shape[2]
                    pool.append(Decoded(seqs[b, j].tolist(), where[b, j].tolist(), float(scores[b, j] / length_penalty(n, alpha))))
        best = max(pool, key=lambda d: d.score) if pool else Decoded([], [], float("-inf"))
        results.append(best)
    return results


def decode(
    model: StepModel,
    source_ids: np.ndarray,
    *,
    beam: int = 1,
    bos: int,
    eos: int,
    max_length: int,
    alpha: float = 0.6,
    banned: Sequence[int] = (0,),
    min_length: int = 0,
) -> list[Decoded]:
    """Greedy search for ``beam <= 1``, beam search otherwise; ``</s>`` is barred before ``min_length`` tokens."""
    if beam <= 1:
        return greedy_search(model, source_ids, bos=bos, eos=eos, max_length=max_length, banned=banned, min_length=min_length)
    return beam_search(
        model, source_ids, beam=beam, bos=bos, eos=eos, max_length=max_length, alpha=alpha, banned=banned, min_length=min_length
    )
