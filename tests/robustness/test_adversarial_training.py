"""AdversarialTrainingClassifier: fit, predict, pipelines, seeding, errors, robustness."""

import functools

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from skorch import NeuralNetClassifier
from skorch.callbacks import LRScheduler
from sklearn.utils._param_validation import InvalidParameterError

from sk_easycore.models import SmallCNN
from sk_easycore.robustness import (
    AdversarialTrainingClassifier,
    adversarial_accuracy,
    to_art_classifier,
)
from sk_easycore.scoring import AIGNScorer
from sk_easycore.selection import EasyCoreSelector
from sk_easycore.utils import torch_seed
from tests.conftest import assert_norms_close, make_cnn
from tests.scoring.test_aign import per_sample_norms


def _cheap(**params):
    defaults = dict(eps=0.1, eps_step=0.05, max_iter=2, random_state=0)
    net = make_cnn(optimizer=torch.optim.Adam, lr=3e-3, max_epochs=3)
    return AdversarialTrainingClassifier(**{"net": net, **defaults, **params})


@pytest.mark.parametrize("method", ["trades", "pgd"])
def test_fits_and_predicts(digits_small, method):
    X, y = digits_small
    labels = np.array(list("abcdefghij"))[y]
    clf = _cheap(method=method).fit(X, labels)
    assert isinstance(clf.net_, NeuralNetClassifier)
    assert clf.classes_.tolist() == list("abcdefghij")
    assert clf.n_features_in_ == 1 and clf.input_shape_ == (1, 8, 8) and clf.n_iter_ == 3
    proba = clf.predict_proba(X[:20])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    pred = clf.predict(X[:20])
    assert set(pred) <= set(clf.classes_)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, labels) > 0.3  # learned something (chance: 0.1) in 3 epochs


def test_default_net_on_images(digits_small):
    X, y = digits_small
    clf = AdversarialTrainingClassifier(eps=0.1, eps_step=0.1, max_iter=1, max_epochs=1,
                                        random_state=0).fit(X, y)
    assert type(clf.net_.module_).__name__ == "SmallCNN"


def test_after_easycore_in_a_pipeline(digits_split):
    X_train, y_train, X_test, y_test = digits_split
    pipe = Pipeline([
        ("select", EasyCoreSelector(AIGNScorer(make_cnn(max_epochs=2)), frac=0.3,
                                    random_state=0)),
        ("adv", _cheap()),
    ]).fit(X_train[:400], y_train[:400])
    n_kept = len(pipe.named_steps["select"].sample_indices_)
    assert 110 <= n_kept <= 130  # 30% of each class, rounded
    assert pipe.predict(X_test).shape == (len(X_test),)
    clf = to_art_classifier(pipe)
    assert clf.model is pipe.named_steps["adv"].net_.module_ and clf.input_shape == (1, 8, 8)
    assert 0 <= adversarial_accuracy(pipe, X_test, y_test, "pgd", eps=0.1) <= 1


def test_same_seed_same_model_and_global_state_untouched(digits_small):
    X, y = digits_small
    np.random.seed(5)
    numpy_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    a, b = _cheap().fit(X, y), _cheap().fit(X, y)
    after = np.random.get_state()
    assert np.array_equal(after[1], numpy_state[1]) and after[2:] == numpy_state[2:]
    assert torch.equal(torch.get_rng_state(), torch_state)
    for pa, pb in zip(a.net_.module_.parameters(), b.net_.module_.parameters()):
        assert torch.equal(pa, pb)
    c = _cheap(random_state=1).fit(X, y)
    assert not torch.equal(next(a.net_.module_.parameters()), next(c.net_.module_.parameters()))


def test_scheduler_is_stepped_once_per_epoch(digits_small):
    X, y = digits_small
    step = functools.partial(torch.optim.lr_scheduler.StepLR, step_size=1, gamma=0.5)
    clf = _cheap(scheduler=step).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(3e-3 * 0.5 ** 3)


def test_silent_unless_verbose_and_art_left_as_found(digits_small, capsys):
    import art.defences.trainer.adversarial_trainer_trades_pytorch as trades_module

    X, y = digits_small
    trange = trades_module.trange
    _cheap().fit(X, y)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert trades_module.trange is trange
    _cheap(verbose=2).fit(X, y)
    assert "TRADES" in capsys.readouterr().err


class Probabilities(torch.nn.Module):
    """A SmallCNN ending in softmax, as skorch's default NLLLoss expects."""

    def __init__(self):
        super().__init__()
        self.cnn = SmallCNN(width=8, hidden=32)

    def forward(self, X):
        return torch.softmax(self.cnn(X), dim=-1)


def test_a_net_with_skorchs_default_nll_loss_trains(digits_small):
    X, y = digits_small
    net = NeuralNetClassifier(Probabilities, optimizer=torch.optim.Adam, lr=3e-3, max_epochs=3,
                              batch_size=32, train_split=None, verbose=0)
    clf = AdversarialTrainingClassifier(net, eps=0.1, eps_step=0.05, max_iter=2,
                                        random_state=0).fit(X, y)
    assert isinstance(clf.net_.criterion_, torch.nn.NLLLoss)
    np.testing.assert_allclose(clf.predict_proba(X[:5]).sum(axis=1), 1.0, rtol=1e-5)
    assert clf.score(X, y) > 0.3


@pytest.mark.parametrize("params, error, match", [
    ({"eps": 0.1, "eps_step": 0.2}, ValueError, "eps_step=0.2 is larger than eps=0.1"),
    ({"eps": -0.1}, InvalidParameterError, "'eps' parameter"),
    ({"method": "free"}, InvalidParameterError, "'method' parameter"),
    ({"norm": 1}, InvalidParameterError, "'norm' parameter"),
    ({"clip_values": (1, 0)}, ValueError, "clip_values"),
])
def test_bad_parameters_name_themselves(digits_small, params, error, match):
    X, y = digits_small
    with pytest.raises(error, match=match):
        _cheap(**params).fit(X, y)


def test_bad_data_and_nets(digits_small):
    X, y = digits_small
    with pytest.raises(ValueError, match="outside clip_values"):
        _cheap().fit(X * 2, y)
    with pytest.raises(ValueError, match="outputs 3 classes but y has 10"):
        _cheap(net=make_cnn(module__n_classes=3)).fit(X, y)
    scheduled = make_cnn(callbacks=[LRScheduler(policy="StepLR", step_size=1)])
    with pytest.raises(ValueError, match="LRScheduler callback"):
        _cheap(net=scheduled).fit(X, y)
    with pytest.raises(ValueError, match="shape"):
        _cheap().fit(X, y).predict(X[:, :, :4, :4])


def test_trades_keeps_clearly_more_pgd_accuracy_than_standard_training(digits):
    X, y = digits
    order = np.random.RandomState(0).permutation(len(X))
    train, test = order[:600], order[1400:1700]

    def net():
        return make_cnn(optimizer=torch.optim.Adam, lr=3e-3, max_epochs=8, batch_size=64)

    with torch_seed(0):
        standard = net().fit(X[train], y[train])
    trades = AdversarialTrainingClassifier(net(), eps=0.1, eps_step=0.025, max_iter=5,
                                           random_state=0).fit(X[train], y[train])
    attack = dict(attack="pgd", eps=0.1, max_iter=10, random_state=0)
    robust_standard = adversarial_accuracy(standard, X[test], y[test], **attack)
    robust_trades = adversarial_accuracy(trades, X[test], y[test], **attack)
    assert trades.score(X[test], y[test]) > 0.85  # still a good classifier
    assert robust_trades > robust_standard + 0.15, (robust_trades, robust_standard)
    # and its input-gradient norms are far less spread out (measured: log-std 0.56 against
    # 2.18, 90th percentile 1.25 against 4.8): no sample is either trivially easy or very hard
    loss = torch.nn.CrossEntropyLoss()
    norms_standard = per_sample_norms(standard.module_.eval(), loss, X[train], y[train])
    norms_trades = per_sample_norms(trades.net_.module_.eval(), loss, X[train], y[train])
    assert np.std(np.log(norms_trades)) < 0.5 * np.std(np.log(norms_standard))
    assert np.percentile(norms_trades, 90) < 0.5 * np.percentile(norms_standard, 90)


def test_record_aign_gives_the_eval_norms_and_changes_nothing_else(digits_small):
    X, y = digits_small
    plain = _cheap().fit(X, y)
    recorded = _cheap(record_aign=True).fit(X, y)
    np.testing.assert_array_equal(recorded.predict_proba(X), plain.predict_proba(X))
    assert recorded.aign_history_.shape == (3, len(X))
    assert recorded.aign_history_.dtype == np.float32 and recorded.aign_.shape == (len(X),)
    np.testing.assert_allclose(recorded.aign_, recorded.aign_history_.mean(axis=0), rtol=1e-6)
    final = per_sample_norms(recorded.net_.module_.eval(), torch.nn.CrossEntropyLoss(), X, y)
    assert_norms_close(recorded.aign_history_[-1], final)  # other batches: rare kinks move
    assert (recorded.aign_history_[0] != recorded.aign_history_[-1]).any()  # every epoch, not one
    assert not hasattr(plain, "aign_")
    refit = recorded.set_params(record_aign=False).fit(X, y)
    assert not hasattr(refit, "aign_") and not hasattr(refit, "aign_history_")


def test_inner_defaults_kl_for_trades_and_ce_for_pgd(digits_small):
    X, y = digits_small

    def weights(**params):
        return [p.detach().clone() for p in _cheap(**params).fit(X, y).net_.module_.parameters()]

    def same(a, b):
        return all(torch.equal(pa, pb) for pa, pb in zip(a, b))

    kl, ce = weights(inner="kl"), weights(inner="ce")
    assert same(weights(), kl) and not same(kl, ce)
    assert same(weights(inner="ce"), ce)  # the CE inner attack is seeded too
    assert same(weights(method="pgd"), weights(method="pgd", inner="ce"))
