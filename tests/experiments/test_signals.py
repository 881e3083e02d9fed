"""Studies on 1-D signals ``(n, C, L)``: the default recipe (a small 1-D CNN) and the user's net.

The issue's example: ``run_study(out, (X_train, y_train, X_test, y_test), net=make_conv1d_net,
epochs=2, eps=[...])`` on signals of shape (n, 1, 40) was refused ("no default recipe for
inputs of shape ..."). A user's net now takes any input rank; signals get their own recipe.
"""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from sk_easycore.experiments import default_recipe, run_study, study_config
from sk_easycore.robustness import adversarial_accuracy

SETTINGS = dict(methods=["easycore", "random"], fractions=[0.5], seeds=1, attacks=["fgsm", "pgd"],
                eval_max_iter=3, frontier=())


def _signals(n, length=40, seed=0):
    """Two classes of noisy sines (3 and 5 periods over the signal), in raw units around 0."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = np.linspace(0, 2 * np.pi, length)
    X = np.sin(np.outer(np.where(y == 1, 5, 3), t)) + 0.3 * rng.normal(size=(n, length))
    return (2.0 * X[:, None, :]).astype(np.float32), y


@pytest.fixture(scope="module")
def signals():
    X_train, y_train = _signals(160)
    X_test, y_test = _signals(60, seed=1)
    return X_train, y_train, X_test, y_test


class Conv1dNet(torch.nn.Module):
    def __init__(self, in_channels=1, n_classes=2):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv1d(in_channels, 4, 5, padding=2), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool1d(4), torch.nn.Flatten(), torch.nn.Linear(16, n_classes))

    def forward(self, X):
        return self.body(X)


def make_conv1d_net(n_classes, X_example):
    return NeuralNetClassifier(Conv1dNet, module__in_channels=X_example.shape[1],
                               module__n_classes=n_classes, criterion=torch.nn.CrossEntropyLoss,
                               optimizer=torch.optim.Adam, lr=1e-2, max_epochs=2, batch_size=32,
                               iterator_train__shuffle=True, verbose=0)


def test_signals_get_a_1d_cnn_recipe_scaled_to_the_data(signals):
    X_train = signals[0]
    recipe = default_recipe(X_train)  # arrays, not only a study's data
    assert recipe.model == "small_cnn1d" and recipe.standardize and recipe.clip_values is None
    scale = np.median(X_train.std(axis=(0, 2)))
    assert recipe.eps == pytest.approx((0.05 * scale, 0.1 * scale, 0.2 * scale), rel=1e-3)
    assert default_recipe(10 * X_train).eps[0] == pytest.approx(10 * recipe.eps[0], rel=1e-3)


def test_any_rank_with_a_net_of_your_own_and_none_without():
    X = np.random.default_rng(0).random((8, 2, 3, 4, 5), dtype=np.float32)
    with pytest.raises(ValueError, match=r"no default recipe .* Pass net="):
        default_recipe(X)
    recipe = default_recipe(X, own_net=True)  # inputs in [0, 1]: image budgets
    assert recipe.model is None and recipe.clip_values == (0.0, 1.0)
    assert recipe.eps[-1] == pytest.approx(8 / 255)
    assert default_recipe(X - 5, own_net=True).clip_values is None


def test_a_study_on_signals_with_the_defaults(signals, tmp_path):
    result = run_study(tmp_path / "default", signals, epochs=2, proxy_epochs=2, verbose=False,
                       **SETTINGS)
    config = study_config(signals, epochs=2, proxy_epochs=2, **SETTINGS)
    assert config.recipe.model == "small_cnn1d"
    records = {(r.method, r.fraction): r for r in result.records}
    assert set(records) >= {("easycore", 0.5), ("random", 0.5), ("full", 1.0)}
    for record in records.values():
        metrics = record.metrics
        assert 0 <= metrics["clean"] <= 1
        for eps in config.recipe.eps:
            # an attack never raises the accuracy of a model it perturbs
            assert metrics[f"pgd@{eps:g}"] <= metrics["clean"] + 1e-9
    # the noisy sines are easy: the full-data 1-D CNN learns them in 2 epochs
    assert records[("full", 1.0)].metrics["clean"] > 0.75


def test_a_study_on_signals_with_your_own_conv1d_net(signals, tmp_path):
    eps = [0.01, 0.02, 0.05]
    result = run_study(tmp_path / "own", signals, net=make_conv1d_net, epochs=2, eps=eps,
                       verbose=False, **SETTINGS)
    assert {r.method for r in result.records} >= {"easycore", "random", "full"}
    for record in result.records:
        assert set(record.metrics) >= {f"{a}@{e:g}" for a in ("fgsm", "pgd") for e in eps}
        assert record.metrics["pgd@0.05"] <= record.metrics["clean"] + 1e-9


def test_attacks_perturb_signals_inside_eps(signals):
    from sk_easycore.robustness import generate_adversarial, to_art_classifier

    X_train, y_train, X_test, y_test = signals
    torch.manual_seed(0)
    net = make_conv1d_net(2, X_train).set_params(max_epochs=5).fit(X_train, y_train)
    classifier = to_art_classifier(net, clip_values=None, input_shape=X_test.shape[1:])
    assert classifier.input_shape == (1, 40)
    for attack in ("fgsm", "pgd"):
        X_adv = generate_adversarial(net, X_test, y_test, attack=attack, eps=0.5,
                                     clip_values=None)
        assert X_adv.shape == X_test.shape
        assert np.abs(X_adv - X_test).max() <= 0.5 + 1e-5
        assert np.abs(X_adv - X_test).max() > 0.25  # it moved
    clean = net.score(X_test, y_test)
    strong = adversarial_accuracy(net, X_test, y_test, attack="pgd", eps=2.0, clip_values=None)
    assert strong < clean
