"""TrainingDynamics: every recorded score against an independent computation."""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from torch import nn

from sk_easycore.scoring import AIGNScorer, TrainingDynamics
from sk_easycore.selection import GraNdSelector
from tests.conftest import make_cnn


class ReferenceDynamics(Callback):
    """Before each training batch, the loss, EL2N, GraNd and correctness of its rows, by hand."""

    def on_train_begin(self, net, X=None, **kwargs):
        shape = (net.max_epochs, len(X))
        self.reference_ = {name: np.full(shape, np.nan) for name in ("loss", "el2n", "grand",
                                                                     "correct")}

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        X, y = batch
        index = dict(net.callbacks_)["aign_recorder"].batch_index_.numpy()
        epoch = len(net.history) - 1
        module = net.module_
        with torch.no_grad():
            h = module.embed(X).numpy().astype(np.float64)
            logits = module.classifier(torch.as_tensor(h, dtype=torch.float32)).numpy()
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        onehot = np.eye(p.shape[1])[y.numpy()]
        el2n = np.linalg.norm(p - onehot, axis=1)
        values = {
            "loss": -np.log(p[np.arange(len(y)), y.numpy()]),
            "el2n": el2n,
            "grand": el2n * np.sqrt((h ** 2).sum(1) + 1.0),
            "correct": (logits.argmax(1) == y.numpy()).astype(float),
        }
        for name, value in values.items():
            self.reference_[name][epoch, index] = value


def per_sample_last_layer_grad_norms(module, X, y):
    """||d CE / d (W, b)|| of the output layer, one sample at a time (eval mode)."""
    module.eval()
    layer = module.classifier
    norms = []
    for xi, yi in zip(torch.as_tensor(X), torch.as_tensor(y)):
        loss = nn.functional.cross_entropy(module(xi[None]), yi[None])
        grad_w, grad_b = torch.autograd.grad(loss, [layer.weight, layer.bias])
        norms.append(torch.sqrt(grad_w.pow(2).sum() + grad_b.pow(2).sum()).item())
    return np.array(norms)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_aign_equals_aign_scorer_bit_for_bit(digits_small, mode):
    X, y = digits_small
    dynamics = TrainingDynamics(make_cnn(max_epochs=2), mode=mode, random_state=0).fit(X, y)
    aign = AIGNScorer(make_cnn(max_epochs=2), mode=mode, random_state=0).fit(X, y)
    assert np.array_equal(dynamics.scores_, aign.scores_)


def test_final_outputs_match_an_independent_pass(digits_small):
    X, y = digits_small
    proxy = TrainingDynamics(make_cnn(max_epochs=3, lr=0.3), random_state=0).fit(X, y)
    module = proxy.net_.module_.eval()
    with torch.no_grad():
        logits = module(torch.as_tensor(X)).double()
        embeddings = module.embed(torch.as_tensor(X)).numpy()
    probas = torch.softmax(logits, 1).numpy()
    np.testing.assert_allclose(proxy.probas_, probas, atol=1e-6)
    np.testing.assert_allclose(proxy.embeddings_, embeddings, atol=1e-6)
    el2n = np.sqrt(((probas - np.eye(10)[y]) ** 2).sum(axis=1))
    np.testing.assert_allclose(proxy.el2n_, el2n, rtol=1e-5, atol=1e-7)
    grand = per_sample_last_layer_grad_norms(module, X, y)
    np.testing.assert_allclose(proxy.grand_, grand, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(proxy.predict_outputs(X[:7])[0], proxy.probas_[:7], atol=1e-7)


def test_train_mode_statistics_match_each_step(digits_small):
    X, y = digits_small
    net = make_cnn(max_epochs=3, lr=0.3, callbacks=[("reference", ReferenceDynamics())])
    proxy = TrainingDynamics(net, keep_history=True, random_state=0).fit(X, y)
    reference = dict(proxy.net_.callbacks_)["reference"].reference_
    for name in ("loss", "el2n", "grand"):
        np.testing.assert_allclose(proxy.history_[name], reference[name], rtol=2e-4, atol=1e-6)
    np.testing.assert_array_equal(proxy.history_["correct"], reference["correct"])
    np.testing.assert_allclose(proxy.loss_, reference["loss"].mean(axis=0), rtol=2e-4)


def test_forgetting_events_and_never_learned_rows(digits_small):
    X, y = digits_small
    proxy = TrainingDynamics(make_cnn(max_epochs=6, lr=0.5), keep_history=True,
                             random_state=0).fit(X, y)
    correct = proxy.history_["correct"].astype(bool)
    events = (correct[:-1] & ~correct[1:]).sum(axis=0)
    learned = correct.any(axis=0)
    expected = np.where(learned, events, len(correct) + 1)
    np.testing.assert_array_equal(proxy.forgetting_, expected)
    assert events.max() >= 1 and (~learned).sum() >= 1  # both cases occur in this run
    assert proxy.forgetting_[~learned].min() > proxy.forgetting_[learned].max()


def test_memory_options(digits_small):
    X, y = digits_small
    lean = TrainingDynamics(make_cnn(max_epochs=2), keep_outputs=False, random_state=0).fit(X, y)
    full = TrainingDynamics(make_cnn(max_epochs=2), keep_history=True, random_state=0).fit(X, y)
    assert lean.probas_ is None and lean.embeddings_ is None and lean.history_ is None
    assert lean.aign_history_ is None
    np.testing.assert_array_equal(lean.el2n_, full.el2n_)
    assert full.history_["el2n"].shape == (2, len(X)) and full.history_["el2n"].dtype == np.float32
    short = TrainingDynamics(make_cnn(max_epochs=5), max_epochs=1, random_state=0).fit(X, y)
    assert len(short.net_.history) == 1


def _mlp_net(module, **params):
    return NeuralNetClassifier(module, max_epochs=2, lr=0.1, batch_size=32, train_split=None,
                               verbose=0, **params)


def test_module_without_embed_uses_the_output_layer_input(digits_small):
    X, y = digits_small
    X = X.reshape(len(X), -1)
    body = nn.Sequential(nn.Linear(64, 16), nn.ReLU())
    module = nn.Sequential(body, nn.Linear(16, 10))
    proxy = TrainingDynamics(_mlp_net(module, criterion=nn.CrossEntropyLoss),
                             random_state=0).fit(X, y)
    fitted = proxy.net_.module_.eval()
    with torch.no_grad():
        hidden = fitted[0](torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(proxy.embeddings_, hidden, atol=1e-6)
    assert proxy.grand_ is not None


class _Scaled(nn.Module):
    """Logits that are not the output of a Linear layer: no closed-form GraNd."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(64, 10)

    def forward(self, X):
        return 2.0 * self.linear(X)


def test_output_not_from_a_linear_layer(digits_small):
    X, y = digits_small
    X = X.reshape(len(X), -1)
    proxy = TrainingDynamics(_mlp_net(_Scaled, criterion=nn.CrossEntropyLoss),
                             random_state=0).fit(X, y)
    assert proxy.grand_ is None and proxy.embeddings_ is None
    assert np.isfinite(proxy.el2n_).all() and np.isfinite(proxy.scores_).all()
    with pytest.raises(ValueError, match="GraNdSelector needs the proxy's grand_.*not the output"):
        GraNdSelector(proxy, random_state=0).fit(X, y)


class _SoftmaxMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(64, 10)

    def forward(self, X):
        return torch.softmax(self.linear(X), dim=1)


def test_probability_outputs_with_nllloss(digits_small):
    X, y = digits_small
    X = X.reshape(len(X), -1)
    proxy = TrainingDynamics(_mlp_net(_SoftmaxMLP), random_state=0).fit(X, y)  # skorch's NLLLoss
    with torch.no_grad():
        probas = proxy.net_.module_.eval()(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(proxy.probas_, probas, atol=1e-5)
    np.testing.assert_allclose(proxy.el2n_, np.linalg.norm(probas - np.eye(10)[y], axis=1),
                               atol=1e-5)


def test_other_criteria_are_refused(digits_small):
    with pytest.raises(ValueError, match="criterion is 'MSELoss'"):
        TrainingDynamics(make_cnn(criterion=nn.MSELoss)).fit(*digits_small)
