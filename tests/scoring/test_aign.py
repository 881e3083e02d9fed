"""AIGNScorer: recorded norms against per-sample autograd, modes, seeding, errors."""

import pickle

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.base import clone

from torch.utils.data import DataLoader

from sk_easycore.data import LabeledDataset
from sk_easycore.scoring import AIGNScorer, InputGradientRecorder
from tests.conftest import assert_norms_close, make_cnn


def per_sample_norms(module, criterion, X, y):
    """||d loss(x_i, y_i) / d x_i|| one sample at a time, module in its current mode."""
    norms = []
    for xi, yi in zip(torch.as_tensor(X), torch.as_tensor(y)):
        xi = xi.unsqueeze(0).clone().requires_grad_(True)
        loss = criterion(module(xi), yi.unsqueeze(0))
        (grad,) = torch.autograd.grad(loss, xi)
        norms.append(grad.norm().item())
    return np.array(norms)


class ReferenceNorms(Callback):
    """Before each training batch, record the autograd norms of its samples at the current weights."""

    def on_train_begin(self, net, X=None, **kwargs):
        self.reference_ = np.full((net.max_epochs, len(X)), np.nan)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        X, y = batch
        index = dict(net.callbacks_)["aign_recorder"].batch_index_.numpy()
        criterion = torch.nn.CrossEntropyLoss(reduction="sum")  # one sample: sum == mean
        epoch = len(net.history) - 1
        self.reference_[epoch, index] = per_sample_norms(net.module_, criterion,
                                                         X.detach(), y)


def test_train_mode_matches_per_sample_autograd(digits_small):
    X, y = digits_small
    net = make_cnn(callbacks=[("reference", ReferenceNorms())], max_epochs=3, lr=0.2)
    scorer = AIGNScorer(net, random_state=0).fit(X, y)
    reference = dict(scorer.net_.callbacks_)["reference"].reference_
    assert not np.isnan(reference).any()
    for epoch in range(3):  # batch against one sample at a time: rare kinks move (conftest)
        assert_norms_close(scorer.aign_history_[epoch], reference[epoch])
    assert_norms_close(scorer.scores_, reference.mean(axis=0))
    # the epochs differ: weights moved, so the recorded values are not one epoch repeated
    assert not np.allclose(scorer.aign_history_[0], scorer.aign_history_[-1])


def test_eval_mode_matches_autograd_at_final_weights(digits_small):
    X, y = digits_small
    scorer = AIGNScorer(make_cnn(max_epochs=2), mode="eval", random_state=0).fit(X, y)
    module = scorer.net_.module_.eval()
    reference = per_sample_norms(module, torch.nn.CrossEntropyLoss(), X, y)
    assert_norms_close(scorer.aign_history_[-1], reference)


@pytest.mark.parametrize("criterion_params", [
    {"criterion__reduction": "sum"},
    {"criterion__weight": torch.linspace(0.5, 2.0, 10)},
])
def test_loss_reduction_is_undone(digits_small, criterion_params):
    # lr=0 keeps the weights fixed, so train and eval mode see the same model
    X, y = digits_small
    net = make_cnn(lr=0.0, max_epochs=1, **criterion_params)
    train = AIGNScorer(net, random_state=0).fit(X, y)
    criterion = torch.nn.CrossEntropyLoss(reduction="sum")
    reference = per_sample_norms(train.net_.module_, criterion, X, y)
    weight = criterion_params.get("criterion__weight")
    if weight is not None:
        reference = reference * weight.numpy()[y]
    assert_norms_close(train.scores_, reference)
    evaluated = AIGNScorer(net, mode="eval", random_state=0).fit(X, y)
    assert_norms_close(evaluated.scores_, train.scores_)


def test_every_and_keep_history(digits_small):
    X, y = digits_small
    full = AIGNScorer(make_cnn(max_epochs=4), random_state=0).fit(X, y)
    sparse = AIGNScorer(make_cnn(max_epochs=4), every=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(full.recorded_epochs_, [1, 2, 3, 4])
    np.testing.assert_array_equal(sparse.recorded_epochs_, [2, 4])
    np.testing.assert_allclose(sparse.aign_history_, full.aign_history_[[1, 3]], rtol=1e-6)
    no_history = AIGNScorer(make_cnn(max_epochs=4), keep_history=False, random_state=0).fit(X, y)
    assert no_history.aign_history_ is None
    np.testing.assert_allclose(no_history.scores_, full.scores_, rtol=1e-6)
    np.testing.assert_allclose(full.scores_, full.aign_history_.mean(axis=0), rtol=1e-5)


def test_every_beyond_max_epochs_is_an_error(digits_small):
    with pytest.raises(ValueError, match="every=5 exceeds the net's max_epochs=2"):
        AIGNScorer(make_cnn(max_epochs=2), every=5).fit(*digits_small)


def test_same_random_state_same_scores_bit_for_bit(digits_small):
    X, y = digits_small
    first = AIGNScorer(make_cnn(), random_state=3).fit(X, y).scores_
    second = AIGNScorer(make_cnn(), random_state=3).fit(X, y).scores_
    other = AIGNScorer(make_cnn(), random_state=4).fit(X, y).scores_
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_seeding_leaves_global_torch_state_alone(digits_small):
    state = torch.random.get_rng_state()
    AIGNScorer(make_cnn(max_epochs=1), random_state=0).fit(*digits_small)
    assert torch.equal(state, torch.random.get_rng_state())


def test_user_net_is_not_modified(digits_small):
    net = make_cnn(max_epochs=1, train_split=lambda X, y: (X, None))
    AIGNScorer(net, random_state=0).fit(*digits_small)
    assert not hasattr(net, "module_")
    assert net.train_split is not None


class FailOnSecondBatch(Callback):
    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        self.n_ = getattr(self, "n_", 0) + 1
        if self.n_ == 2:
            raise RuntimeError("failed on the second batch")


def test_recording_detaches_from_the_net_even_on_error(digits_small):
    X, y = digits_small
    net = make_cnn(max_epochs=1, callbacks=[("fail", FailOnSecondBatch())]).initialize()
    recorder = InputGradientRecorder(len(X))
    n_callbacks = len(net.callbacks_)
    with pytest.raises(RuntimeError, match="second batch"):
        with recorder.recording(net):
            assert net.callbacks_[0] == ("aign_recorder", recorder)
            assert net.iterator_train is not DataLoader
            net.partial_fit(LabeledDataset(X, y, with_index=True), y)
    assert (~torch.isnan(recorder._norms)).sum() == net.batch_size  # the first batch was recorded
    assert len(net.callbacks_) == n_callbacks
    assert all(cb is not recorder for _, cb in net.callbacks_)
    assert net.iterator_train is DataLoader


def test_default_nets_for_images_and_tables(digits_small, rng):
    X, y = digits_small
    scorer = AIGNScorer(random_state=0).fit(X[:100], y[:100])
    assert type(scorer.net_.module_).__name__ == "SmallCNN"
    tabular = rng.rand(60, 3).astype(np.float32)
    labels = (tabular[:, 0] > 0.5).astype(int)
    scorer = AIGNScorer(random_state=0).fit(tabular, labels)
    assert type(scorer.net_.module_).__name__ == "ResidualMLP"
    assert scorer.scores_.shape == (60,) and np.all(scorer.scores_ > 0)
    signals = rng.rand(60, 2, 16).astype(np.float32)  # (n, channels, length)
    scorer = AIGNScorer(random_state=0).fit(signals, labels)
    assert type(scorer.net_.module_).__name__ == "SmallCNN1d"
    assert scorer.scores_.shape == (60,) and np.all(scorer.scores_ > 0)
    with pytest.raises(ValueError, match="No default network for X of shape"):
        AIGNScorer().fit(np.zeros((6, 1, 2, 3, 4)), [0, 1] * 3)


def test_string_labels_and_fitted_attributes(digits_small):
    X, y = digits_small
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                      "eight", "nine"])[y]
    scorer = AIGNScorer(make_cnn(max_epochs=1), random_state=0).fit(X, names)
    assert sorted(scorer.classes_) == sorted(set(names))
    assert scorer.n_features_in_ == 1
    assert scorer.aign_history_.dtype == np.float32


@pytest.mark.parametrize("make_bad, message", [
    (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), y),
     "Input X contains NaN"),
    (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 7, np.inf, X), y),
     "Input X contains infinity"),
    (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
    (lambda X, y: (X[:, 0, 0, 0], y), "Expected 2D array, got 1D array"),
])
def test_bad_input_is_a_clear_error(digits_small, make_bad, message):
    X, y = make_bad(*digits_small)
    with pytest.raises(ValueError, match=message):
        AIGNScorer(make_cnn(max_epochs=1)).fit(X, y)


def test_flat_images_for_a_conv_net_is_a_clear_error(digits_small):
    X, y = digits_small
    with pytest.raises(ValueError, match=r"SmallCNN expects X of shape"):
        AIGNScorer(make_cnn(max_epochs=1)).fit(X.reshape(len(X), -1), y)


def test_dropped_batches_are_reported(digits_small):
    net = make_cnn(max_epochs=1, iterator_train__drop_last=True, batch_size=64)
    with pytest.raises(RuntimeError, match="never reached a recorded training step"):
        AIGNScorer(net, random_state=0).fit(*digits_small)


def test_pickle_and_clone(digits_small):
    X, y = digits_small
    scorer = AIGNScorer(make_cnn(max_epochs=1), mode="eval", random_state=0)
    fitted = clone(scorer).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.scores_, fitted.scores_)
    np.testing.assert_array_equal(restored.net_.predict(X[:20]), fitted.net_.predict(X[:20]))
    assert clone(scorer).get_params()["mode"] == "eval"
    assert not hasattr(clone(fitted), "scores_")


def test_invalid_parameters(digits_small):
    with pytest.raises(ValueError, match="'mode' parameter of AIGNScorer must be a str among"):
        AIGNScorer(mode="test").fit(*digits_small)
    with pytest.raises(ValueError, match="'every' parameter of AIGNScorer must be an int"):
        AIGNScorer(every=0).fit(*digits_small)


def test_continuous_targets_are_refused(digits_small):
    X, _ = digits_small
    with pytest.raises(ValueError, match="Unknown label type"):
        AIGNScorer(make_cnn(max_epochs=1)).fit(X, np.linspace(0, 1, len(X)))


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_a_dataset_is_scored_as_its_array_is(digits_small, mode):
    X, y = digits_small
    dataset = torch.utils.data.TensorDataset(torch.as_tensor(X), torch.as_tensor(y))
    from_array = AIGNScorer(make_cnn(max_epochs=3), mode=mode, random_state=0).fit(X, y)
    from_dataset = AIGNScorer(make_cnn(max_epochs=3), mode=mode, random_state=0).fit(dataset)
    # the same training (an eval pass between epochs draws nothing from torch's generators)
    np.testing.assert_array_equal(from_dataset.aign_history_, from_array.aign_history_)
    np.testing.assert_array_equal(from_dataset.classes_, from_array.classes_)
    assert not hasattr(from_dataset, "n_features_in_")


def test_pandas_and_float64_inputs_are_converted_up_front(digits_small):
    pd = pytest.importorskip("pandas")
    X, y = digits_small
    flat = X.reshape(len(X), -1)
    frame = pd.DataFrame(flat.astype(np.float64), columns=[f"pixel {i}" for i in range(64)])
    from_frame = AIGNScorer(random_state=0).fit(frame, y)
    from_array = AIGNScorer(random_state=0).fit(flat, y)
    np.testing.assert_array_equal(from_frame.scores_, from_array.scores_)
