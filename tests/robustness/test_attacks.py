"""FGSM, PGD and AutoAttack: they hurt, stay in the ball, are seeded, and reject bad input."""

import logging

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from sk_easycore.robustness import (
    AdversarialTrainingClassifier,
    adversarial_accuracy,
    generate_adversarial,
)
from tests.conftest import make_cnn

TOL = 1e-6


def test_attacks_lower_accuracy_on_a_standard_model(trained_net, digits_split):
    _, _, X, y = digits_split
    clean = adversarial_accuracy(trained_net, X, y, eps=0.0)
    assert clean == pytest.approx(np.mean(trained_net.predict(X) == y))
    assert clean > 0.85
    fgsm = adversarial_accuracy(trained_net, X, y, "fgsm", eps=0.1)
    pgd = adversarial_accuracy(trained_net, X, y, "pgd", eps=0.1)
    assert fgsm < clean - 0.2 and pgd < clean - 0.2
    assert adversarial_accuracy(trained_net, X, y, "pgd", eps=0.2) < pgd
    assert adversarial_accuracy(trained_net, X, y, "pgd", eps=1.0, norm=2) < clean - 0.2


@pytest.mark.parametrize("attack, norm, eps", [
    ("fgsm", "inf", 0.1), ("pgd", "inf", 0.1), ("fgsm", 2, 0.5), ("pgd", 2, 0.5),
    ("autoattack", "inf", 0.3),
])
def test_examples_stay_within_eps_and_clip_values(trained_net, digits_split, attack, norm, eps):
    _, _, X, y = digits_split
    X, y = (X[:20], y[:20]) if attack == "autoattack" else (X, y)
    X_adv = generate_adversarial(trained_net, X, y, attack, eps, norm=norm)
    assert X_adv.shape == X.shape and X_adv.dtype == np.float32
    delta = (X_adv.astype(np.float64) - X).reshape(len(X), -1)
    size = np.abs(delta).max(axis=1) if norm == "inf" else np.linalg.norm(delta, axis=1)
    assert size.max() <= eps + TOL
    assert size.max() >= 0.5 * eps  # the attack moved the inputs
    assert X_adv.min() >= 0.0 - TOL and X_adv.max() <= 1.0 + TOL


def test_autoattack_is_at_least_as_strong_as_pgd(trained_net, digits_split):
    _, _, X, y = digits_split
    X, y = X[:20], y[:20]
    auto = adversarial_accuracy(trained_net, X, y, "autoattack", eps=0.3)
    assert auto <= adversarial_accuracy(trained_net, X, y, "pgd", eps=0.3)


def test_other_clip_values_are_respected(trained_net, digits_split):
    _, _, X, y = digits_split
    assert X.max() == 1.0
    with pytest.raises(ValueError, match="outside clip_values"):
        generate_adversarial(trained_net, X, y, "pgd", 0.2, clip_values=(0.0, 0.9))
    X_adv = generate_adversarial(trained_net, X, y, "pgd", 0.2, clip_values=(-1.0, 2.0))
    assert np.abs(X_adv - X).max() <= 0.2 + TOL
    assert X_adv.max() > 1.0 and X_adv.min() < 0.0  # no longer clipped to [0, 1]


def test_same_seed_same_accuracy_and_global_state_untouched(trained_net, digits_split):
    _, _, X, y = digits_split
    np.random.seed(123)
    numpy_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    runs = [adversarial_accuracy(trained_net, X, y, "pgd", eps=0.1, random_state=7)
            for _ in range(2)]
    assert runs[0] == runs[1]
    after = np.random.get_state()
    assert np.array_equal(after[1], numpy_state[1]) and after[2:] == numpy_state[2:]
    assert torch.equal(torch.get_rng_state(), torch_state)
    a = generate_adversarial(trained_net, X, y, "pgd", 0.1, random_state=0)
    b = generate_adversarial(trained_net, X, y, "pgd", 0.1, random_state=0)
    c = generate_adversarial(trained_net, X, y, "pgd", 0.1, random_state=1)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_string_labels_are_mapped_through_classes(digits_small):
    X, y = digits_small
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                      "nine"])
    clf = AdversarialTrainingClassifier(make_cnn(max_epochs=2), eps=0.05, eps_step=0.05,
                                        max_iter=1, random_state=0).fit(X, names[y])
    X_adv = generate_adversarial(clf, X[:60], names[y[:60]], "pgd", 0.1)
    direct = np.mean(clf.predict(X_adv) == names[y[:60]])
    assert adversarial_accuracy(clf, X[:60], names[y[:60]], "pgd", 0.1) == pytest.approx(direct)
    with pytest.raises(ValueError, match="not trained on"):
        adversarial_accuracy(clf, X[:5], np.array(["ten"] * 5), "fgsm", 0.1)


def test_a_skorch_net_needs_integer_labels(trained_net, digits_split):
    _, _, X, y = digits_split
    with pytest.raises(ValueError, match="integer labels"):
        adversarial_accuracy(trained_net, X[:5], np.array(["a"] * 5), "fgsm", 0.1)
    with pytest.raises(ValueError, match="outside 0..9"):
        adversarial_accuracy(trained_net, X[:5], np.full(5, 10), "fgsm", 0.1)


@pytest.mark.parametrize("kwargs, match", [
    ({"eps": -0.1}, "eps must be"),
    ({"eps": float("nan")}, "eps must be"),
    ({"attack": "cw"}, "attack must be one of"),
    ({"eps": 0.1, "eps_step": 0.2}, "eps_step=0.2 is larger than eps=0.1"),
    ({"norm": 1}, "norm must be"),
    ({"max_iter": 0}, "max_iter must be"),
    ({"batch_size": 0}, "batch_size must be"),
])
def test_bad_arguments_name_the_parameter(trained_net, digits_split, kwargs, match):
    _, _, X, y = digits_split
    args = {"attack": "pgd", "eps": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        adversarial_accuracy(trained_net, X[:5], y[:5], **args)


def test_inputs_outside_clip_values_and_missing_labels(trained_net, digits_split):
    _, _, X, y = digits_split
    with pytest.raises(ValueError, match="outside clip_values"):
        adversarial_accuracy(trained_net, (X[:5] - 0.5) / 0.25, y[:5], "pgd", 0.1)
    with pytest.raises(ValueError, match="y is required"):
        adversarial_accuracy(trained_net, X[:5], None, "pgd", 0.1)


def test_unfitted_estimator_raises_not_fitted(digits_split):
    _, _, X, y = digits_split
    with pytest.raises(NotFittedError):
        adversarial_accuracy(make_cnn(), X[:5], y[:5], "pgd", 0.1)
    with pytest.raises(NotFittedError):
        adversarial_accuracy(AdversarialTrainingClassifier(), X[:5], y[:5], "pgd", 0.1)


def test_silent_unless_verbose(trained_net, digits_split, capsys, caplog):
    _, _, X, y = digits_split
    with caplog.at_level(logging.INFO):
        adversarial_accuracy(trained_net, X[:50], y[:50], "pgd", eps=0.1)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert not [r for r in caplog.records if r.name.startswith("art")]
    adversarial_accuracy(trained_net, X[:50], y[:50], "pgd", eps=0.1, verbose=1)
    assert "PGD" in capsys.readouterr().err  # ART's bar
