"""to_art_classifier: nets, pipelines, transformers, unfitted models, losses, import cost."""

import copy
import subprocess
import sys

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import FunctionTransformer
from skorch import NeuralNetClassifier
from torch import nn

from sk_easycore.robustness import adversarial_accuracy, to_art_classifier
from sk_easycore.selection import EasyCoreSelector, RandomSelector
from sk_easycore.utils import torch_seed
from tests.conftest import make_cnn


def test_wraps_the_trained_module_without_copying(trained_net, digits_split):
    _, _, X_test, _ = digits_split
    clf = to_art_classifier(trained_net, input_shape=X_test.shape[1:])
    assert clf.model is trained_net.module_
    assert clf.nb_classes == 10 and clf.input_shape == (1, 8, 8)
    assert clf.clip_values.tolist() == [0.0, 1.0]
    assert clf.optimizer is trained_net.optimizer_
    assert isinstance(clf.loss, nn.CrossEntropyLoss)
    np.testing.assert_array_equal(
        clf.predict(X_test).argmax(1), trained_net.predict(X_test)
    )


def test_shape_unknown_for_a_bare_net_still_gives_the_classes(trained_net):
    clf = to_art_classifier(trained_net, clip_values=None)
    assert clf.input_shape is None and clf.nb_classes == 10 and clf.clip_values is None


def test_pipeline_with_a_selector_uses_the_final_net(digits_small):
    X, y = digits_small
    pipe = Pipeline([("select", RandomSelector(frac=0.5, random_state=0)),
                     ("net", make_cnn(max_epochs=1))]).fit(X, y)
    clf = to_art_classifier(pipe, input_shape=X.shape[1:])
    assert clf.model is pipe.named_steps["net"].module_
    assert adversarial_accuracy(pipe, X[:50], y[:50], "fgsm", eps=0.1) <= 1.0


def test_input_shape_from_n_features_in_for_tables(rng):
    X = rng.rand(60, 5).astype(np.float32)
    y = rng.randint(0, 3, 60)
    from sk_easycore.models import make_default_net

    net = make_default_net(X.shape, 3, max_epochs=1)
    pipe = Pipeline([("select", RandomSelector(frac=0.5, random_state=0)), ("net", net)])
    clf = to_art_classifier(pipe.fit(X, y))
    assert clf.input_shape == (5,) and clf.nb_classes == 3


def test_a_transformer_step_is_refused(digits_small):
    X, y = digits_small
    pipe = Pipeline([("scale", FunctionTransformer(lambda X: X * 2)),
                     ("net", make_cnn(max_epochs=1))]).fit(X, y)
    with pytest.raises(ValueError, match="'scale'.*transforms X"):
        to_art_classifier(pipe)


@pytest.mark.parametrize("make", [
    lambda: make_cnn(),
    lambda: Pipeline([("select", EasyCoreSelector(frac=0.5)), ("net", make_cnn())]),
], ids=["net", "pipeline"])
def test_unfitted_raises_not_fitted(make):
    with pytest.raises(NotFittedError):
        to_art_classifier(make())


def test_other_estimators_are_refused(digits_small):
    from sklearn.linear_model import LogisticRegression

    X, y = digits_small
    with pytest.raises(TypeError, match="NeuralNetClassifier"):
        to_art_classifier(LogisticRegression().fit(X.reshape(len(X), -1), y))


class SoftmaxCNN(nn.Module):
    """Outputs probabilities, as skorch's default NLLLoss expects."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, X):
        return torch.softmax(self.body(X), dim=-1)


def test_nll_loss_net_on_probabilities_gets_log_probabilities_as_logits(digits_split):
    X_train, y_train, X_test, y_test = digits_split
    with torch_seed(0):
        net = NeuralNetClassifier(SoftmaxCNN, max_epochs=10, lr=0.5, train_split=None,
                                  verbose=0).fit(X_train, y_train)
    assert isinstance(net.criterion_, nn.NLLLoss)  # skorch's default
    clf = to_art_classifier(net, input_shape=X_test.shape[1:])
    logits = clf.predict(X_test[:20])
    proba = torch.softmax(torch.as_tensor(logits), dim=1).numpy()
    np.testing.assert_allclose(proba, net.predict_proba(X_test[:20]), atol=1e-5)
    # cross-entropy on log-probabilities is skorch's own training loss
    x, t = torch.as_tensor(X_test[:20]), torch.as_tensor(y_test[:20])
    with torch.no_grad():
        skorch_loss = net.get_loss(net.module_(x), t, training=False)
        art_loss = clf.loss(torch.as_tensor(logits), t)
    assert float(art_loss) == pytest.approx(float(skorch_loss), rel=1e-4)
    clean = adversarial_accuracy(net, X_test, y_test, eps=0.0)
    assert adversarial_accuracy(net, X_test, y_test, "pgd", eps=0.2) < clean - 0.2


def test_unsupported_criterion_is_refused(trained_net):
    net = copy.deepcopy(trained_net)
    net.criterion_ = nn.MultiMarginLoss()
    with pytest.raises(TypeError, match="MultiMarginLoss"):
        to_art_classifier(net)


def test_bad_clip_values_and_input_shape(trained_net):
    with pytest.raises(ValueError, match="clip_values"):
        to_art_classifier(trained_net, clip_values=(1.0, 0.0))
    with pytest.raises(ValueError, match="input_shape"):
        to_art_classifier(trained_net, input_shape=(1, 8))
    with pytest.raises(ValueError, match="input_shape"):
        to_art_classifier(trained_net, input_shape="1x8x8")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_net_on_cuda_gives_a_cuda_classifier(digits_small):
    X, y = digits_small
    net = make_cnn(max_epochs=1, device="cuda").fit(X, y)
    clf = to_art_classifier(net, input_shape=X.shape[1:])
    assert clf.device.type == "cuda"
    assert next(clf.model.parameters()).device.type == "cuda"
    assert 0.0 <= adversarial_accuracy(net, X[:50], y[:50], "pgd", eps=0.1) <= 1.0


def test_importing_the_package_does_not_import_art():
    code = "import sys, sk_easycore, sk_easycore.robustness; print('art' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
