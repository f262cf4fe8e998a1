"""Length-grouped, seeded batches; ids computed once; the seeded dev split."""

from __future__ import annotations

import numpy as np
import pytest

from illm_nlp.document import Doc
from illm_nlp.errors import DataError
from illm_nlp.training.data import Examples, RaggedIds, batch_plan, eval_plan, make_dataset, steps_per_epoch
from illm_nlp.training.splits import dev_split


def _lengths(n=1000, seed=0):
    return np.random.default_rng(seed).integers(1, 80, size=n)


@pytest.mark.parametrize("batch_size", [1, 7, 32])
def test_train_data_plan_covers_every_example_once_in_fixed_steps(batch_size):
    lengths = _lengths(333)
    plan = batch_plan(lengths, batch_size, seed=3, epoch=2)
    flat = np.concatenate(plan)
    assert sorted(flat.tolist()) == list(range(333))
    assert len(plan) == steps_per_epoch(333, batch_size)


def test_train_data_plan_depends_only_on_seed_and_epoch():
    lengths = _lengths()
    a = batch_plan(lengths, 32, seed=5, epoch=1)
    b = batch_plan(lengths, 32, seed=5, epoch=1)
    c = batch_plan(lengths, 32, seed=5, epoch=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_train_data_grouping_by_length_cuts_padding():
    lengths = _lengths(2000)
    plan = batch_plan(lengths, 32, seed=1, epoch=0)
    grouped = sum(len(b) * lengths[b].max() for b in plan)
    padded_to_longest = len(lengths) * lengths.max()
    random_batches = sum(len(b) * lengths[b].max() for b in np.array_split(np.random.default_rng(1).permutation(2000), len(plan)))
    assert grouped < 0.7 * random_batches < padded_to_longest


def test_train_data_eval_plan_sorted():
    lengths = _lengths(100)
    plan = eval_plan(lengths, 10)
    flat = np.concatenate(plan)
    assert np.all(np.diff(lengths[flat]) >= 0) and sorted(flat.tolist()) == list(range(100))


def test_train_data_ragged_ids_truncate_with_a_count(caplog):
    ids = RaggedIds.from_lists([[1, 2, 3], [4], [5, 6, 7, 8, 9]], max_length=3, what="docs")
    assert ids.truncated == 1 and ids.lengths.tolist() == [3, 1, 3]
    assert ids.padded().tolist() == [[1, 2, 3], [4, 0, 0], [5, 6, 7]]
    assert "1 of 3 docs were longer than max_length=3" in caplog.text


def test_train_data_dataset_pads_each_batch_to_its_own_longest():
    ids = RaggedIds.from_lists([[1], [2, 3], [4, 5, 6, 7], [8]])
    ex = Examples({"tokens": ids}, np.array([0, 1, 0, 1], np.int32), np.array([1, 2, 3, 4], np.float32))
    batches = list(make_dataset(ex, [np.array([0, 3]), np.array([1, 2])]))
    x0, y0, w0 = (t.numpy() for t in batches[0])
    x1, _, _ = (t.numpy() for t in batches[1])
    assert x0.tolist() == [[1], [8]] and y0.tolist() == [0, 1] and w0.tolist() == [1, 4]
    assert x1.tolist() == [[2, 3, 0, 0], [4, 5, 6, 7]]


def _docs(labels):
    return [Doc(id=str(i), text="t", label=label) for i, label in enumerate(labels)]


def test_train_splits_dev_split_is_seeded_and_stratified():
    docs = _docs(["a"] * 90 + ["b"] * 10)
    train, dev = dev_split(docs, 0.2, seed=4)
    assert len(dev) == 20 and sum(d.label == "b" for d in dev) == 2
    assert [d.id for d in dev] == [d.id for d in dev_split(docs, 0.2, seed=4)[1]]
    assert [d.id for d in dev] != [d.id for d in dev_split(docs, 0.2, seed=5)[1]]
    assert {d.id for d in train} | {d.id for d in dev} == {d.id for d in docs}


def test_train_splits_too_few_documents():
    with pytest.raises(DataError, match="1 document"):
        dev_split(_docs(["a"]), 0.1, seed=1)
