"""PrecomputedDynamics and AveragedDynamics: proxies that compose with every selector."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from sk_easycore._cache import fit_scorer
from sk_easycore.scoring import (AveragedDynamics, PrecomputedDynamics, TrainingDynamics,
                                 save_dynamics)
from tests.conftest import make_cnn


@pytest.fixture(scope="module")
def saved(digits, tmp_path_factory):
    X, y = digits[0][:200], digits[1][:200]
    proxy = TrainingDynamics(make_cnn(max_epochs=2), random_state=0).fit(X, y)
    path = save_dynamics(proxy, tmp_path_factory.mktemp("s") / "scores", X, y,
                         settings={"data": "digits[:200]"})
    return X, y, proxy, path


def test_precomputed_has_the_estimator_contract(saved):
    X, y, proxy, path = saved
    reader = PrecomputedDynamics(path, net=make_cnn(max_epochs=2))
    assert clone(reader).get_params(deep=False)["path"] == reader.path
    assert reader.fit(X, y) is reader
    again = pickle.loads(pickle.dumps(reader))
    for name in ("scores_", "loss_", "el2n_", "grand_", "forgetting_", "learned_", "probas_",
                 "embeddings_"):
        np.testing.assert_array_equal(getattr(reader, name), getattr(proxy, name), err_msg=name)
        np.testing.assert_array_equal(getattr(again, name), getattr(proxy, name))
    assert reader.settings_["data"] == "digits[:200]"
    # the weights come back: the same predictions as the proxy's own net
    np.testing.assert_array_equal(reader.net_.predict_proba(X[:20]),
                                  proxy.net_.predict_proba(X[:20]))


def test_precomputed_refuses_other_data_and_is_cached_without_a_seed(saved):
    X, y, _, path = saved
    with pytest.raises(ValueError, match="holds scores of other training data \\(200 rows"):
        PrecomputedDynamics(path).fit(X[:199], y[:199])
    with pytest.raises(ValueError, match="'path' parameter of PrecomputedDynamics"):
        PrecomputedDynamics().fit(X, y)
    first = fit_scorer(PrecomputedDynamics(path), X, y)
    assert fit_scorer(PrecomputedDynamics(path), X, y) is first  # reads nothing random


def test_averaged_dynamics_is_not_cached_itself_but_its_runs_are(digits):
    X, y = digits[0][:150], digits[1][:150]
    averaged = AveragedDynamics(TrainingDynamics(make_cnn(max_epochs=1)), n_runs=2,
                                random_state=3)
    a, b = fit_scorer(averaged, X, y), fit_scorer(averaged, X, y)
    assert a is not b and all(ra is rb for ra, rb in zip(a.runs_, b.runs_))
    assert a.runs_[1].keep_outputs is False and a.runs_[0].embeddings_ is not None
