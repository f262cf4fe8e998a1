"""Greedy and beam search on small hand-made models whose best outputs are known."""

from __future__ import annotations

import numpy as np
import pytest

from illm_nlp.decoding import beam_search, decode, greedy_search, iter_greedy, length_penalty

PAD, BOS, EOS, A, B = 0, 1, 2, 3, 4


class TableModel:
    """A Markov chain over tokens: next-token log-probabilities from a table indexed by (step, previous token).

    Attention points at source position ``step % source_length``, so the
    attended positions of an output are known exactly.
    """

    def __init__(self, table: np.ndarray) -> None:
        self.table = table  # [steps, vocab, vocab] probabilities
        self.calls = 0

    def start(self, source_ids: np.ndarray) -> list[np.ndarray]:
        n = source_ids.shape[0]
        return [np.full(n, BOS, np.int64), np.zeros(n, np.int64), source_ids.astype(np.int64)]

    def step(self, tokens: np.ndarray, state: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        self.calls += 1
        _, steps, src = state
        t = np.minimum(steps, self.table.shape[0] - 1)
        with np.errstate(divide="ignore"):
            logp = np.log(self.table[t, tokens])
        attn = np.zeros(src.shape, np.float32)
        attn[np.arange(len(tokens)), steps % src.shape[1]] = 1.0
        return logp, attn, [tokens.astype(np.int64), steps + 1, src]


def trap_model() -> TableModel:
    """Greedy takes A (0.5) and then never finds a good ending; B then </s> has probability 0.38."""
    row_bos = [0, 0, 0.1, 0.5, 0.4]
    row_a = [0, 0, 0.3, 0.36, 0.34]
    row_b = [0, 0, 0.95, 0.03, 0.02]
    table = np.zeros((1, 5, 5))
    table[0, BOS] = row_bos
    table[0, A] = row_a
    table[0, B] = row_b
    table[0, EOS] = [0, 0, 1.0, 0, 0]
    table[0, PAD] = [0, 0, 1.0, 0, 0]
    return TableModel(table)


def random_model(seed: int, vocab: int = 7, steps: int = 6) -> TableModel:
    rng = np.random.default_rng(seed)
    table = rng.dirichlet(np.ones(vocab) * 0.7, size=(steps, vocab))
    table[:, :, PAD] = 0.0
    table[:, :, BOS] = 0.0
    table /= table.sum(-1, keepdims=True)
    return TableModel(table)


SOURCE = np.array([[5, 6, 7, 0], [5, 6, 7, 8]], np.int32)


def test_decoding_greedy_follows_the_most_likely_token() -> None:
    out = greedy_search(trap_model(), SOURCE, bos=BOS, eos=EOS, max_length=4)
    assert [o.ids for o in out] == [[A, A, A, A], [A, A, A, A]]
    # attention positions are those the model attended to at each step
    assert out[0].attention == [0, 1, 2, 3]
    assert out[0].score == pytest.approx(np.log(0.5) + 3 * np.log(0.36))


def test_decoding_beam_finds_the_better_sequence_greedy_misses() -> None:
    out = beam_search(trap_model(), SOURCE, beam=2, bos=BOS, eos=EOS, max_length=4, alpha=0.0)
    assert [o.ids for o in out] == [[B], [B]]
    assert out[0].score == pytest.approx(np.log(0.4 * 0.95))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("max_length", [1, 3, 8])
def test_decoding_beam_one_equals_greedy(seed: int, max_length: int) -> None:
    src = np.array([[5, 6, 0], [7, 8, 9], [5, 0, 0]], np.int32)
    greedy = greedy_search(random_model(seed), src, bos=BOS, eos=EOS, max_length=max_length)
    beam = beam_search(random_model(seed), src, beam=1, bos=BOS, eos=EOS, max_length=max_length, alpha=0.6)
    assert [g.ids for g in greedy] == [b.ids for b in beam]
    assert [g.attention for g in greedy] == [b.attention for b in beam]


@pytest.mark.parametrize("beam", [2, 4])
def test_decoding_beam_is_deterministic_and_batch_independent(beam: int) -> None:
    src = np.array([[5, 6, 0], [7, 8, 9], [5, 0, 0]], np.int32)
    first = beam_search(random_model(11), src, beam=beam, bos=BOS, eos=EOS, max_length=6)
    again = beam_search(random_model(11), src, beam=beam, bos=BOS, eos=EOS, max_length=6)
    alone = [beam_search(random_model(11), src[i : i + 1], beam=beam, bos=BOS, eos=EOS, max_length=6)[0] for i in range(3)]
    assert [(o.ids, o.score) for o in first] == [(o.ids, o.score) for o in again]
    assert [o.ids for o in first] == [o.ids for o in alone]


def test_decoding_length_penalty_prefers_longer_outputs() -> None:
    # short: </s> at once (p=0.3); long: A A </s> (0.7 * 0.65 * 0.6 = 0.273): raw log-prob prefers short
    table = np.zeros((3, 5, 5))
    table[0, BOS] = [0, 0, 0.3, 0.7, 0]
    table[1, A] = [0, 0, 0.35, 0.65, 0]
    table[2, A] = [0, 0, 0.6, 0.4, 0]
    table[:, EOS] = [0, 0, 1, 0, 0]
    table[:, PAD] = [0, 0, 1, 0, 0]
    for t in range(3):
        for tok in (BOS, A, B):
            if table[t, tok].sum() == 0:
                table[t, tok] = [0, 0, 1, 0, 0]
    src = np.array([[5]], np.int32)
    raw = beam_search(TableModel(table), src, beam=3, bos=BOS, eos=EOS, max_length=5, alpha=0.0)[0]
    long = beam_search(TableModel(table), src, beam=3, bos=BOS, eos=EOS, max_length=5, alpha=2.0)[0]
    assert raw.ids == []
    assert long.ids == [A, A]
    assert length_penalty(1, 0.0) == 1.0
    assert length_penalty(7, 1.0) == pytest.approx(2.0)


@pytest.mark.parametrize("beam", [1, 3])
def test_decoding_min_length_bars_an_early_end(beam: int) -> None:
    table = np.zeros((1, 5, 5))
    table[0, :] = [0, 0, 0.9, 0.06, 0.04]  # </s> is always the most likely next token
    model = TableModel(table)
    assert decode(model, SOURCE[:1], beam=beam, bos=BOS, eos=EOS, max_length=5)[0].ids == []
    assert decode(model, SOURCE[:1], beam=beam, bos=BOS, eos=EOS, max_length=5, min_length=2)[0].ids == [A, A]


def test_decoding_max_length_caps_the_output() -> None:
    out = decode(trap_model(), SOURCE, beam=3, bos=BOS, eos=EOS, max_length=1, alpha=0.0)
    assert all(len(o.ids) <= 1 for o in out)


def test_decoding_iter_greedy_yields_the_greedy_tokens() -> None:
    src = np.array([[5, 6, 7]], np.int32)
    streamed = list(iter_greedy(random_model(3), src, bos=BOS, eos=EOS, max_length=6))
    batch = greedy_search(random_model(3), src, bos=BOS, eos=EOS, max_length=6)[0]
    assert [t for t, _ in streamed] == batch.ids
    assert [p for _, p in streamed] == batch.attention


def test_decoding_banned_tokens_are_never_produced() -> None:
    out = greedy_search(trap_model(), SOURCE, bos=BOS, eos=EOS, max_length=3, banned=(PAD, A))
    assert out[0].ids == [B]


def test_decoding_rejects_a_beam_below_one() -> None:
    with pytest.raises(ValueError, match="beam"):
        beam_search(trap_model(), SOURCE, beam=0, bos=BOS, eos=EOS, max_length=3)
