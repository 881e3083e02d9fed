"""The method registry: every method builds from one line, and composes with any proxy."""

import functools

import numpy as np
import pytest

from sk_easycore._cache import fit_scorer, seeded_clone
from sk_easycore.base import class_quotas
from sk_easycore.experiments import METHODS, build_selector
from sk_easycore.experiments._methods import register_method
from sk_easycore.scoring import (AveragedDynamics, PrecomputedDynamics, TrainingDynamics,
                                 save_dynamics)
from sk_easycore.selection import ForgettingSelector, ScoreSelector
from tests.conftest import make_cnn


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    return X[:400], y[:400]


def test_every_method_selects_the_same_coreset_from_a_scores_file(data, tmp_path_factory):
    X, y = data
    proxy = TrainingDynamics(make_cnn(max_epochs=2))
    # the proxy every method of seed 0 trains (and shares through the cache)
    fitted = fit_scorer(seeded_clone(proxy, 0), X, y)
    path = save_dynamics(fitted, tmp_path_factory.mktemp("scores") / "s.npz", X, y)
    from_file = PrecomputedDynamics(path, net=proxy.net)
    for method in METHODS:
        trained = build_selector(method, proxy=proxy, fraction=0.2, random_state=0).fit(X, y)
        read = build_selector(method, proxy=from_file, fraction=0.2, random_state=0).fit(X, y)
        np.testing.assert_array_equal(read.sample_indices_, trained.sample_indices_,
                                      err_msg=method)


def test_forgetting_keeps_its_tie_break_with_averaged_and_precomputed_proxies(data, tmp_path):
    X, y = data
    averaged = AveragedDynamics(TrainingDynamics(make_cnn(max_epochs=2)), n_runs=2,
                                random_state=0).fit(X, y)
    selector = ForgettingSelector(averaged, frac=0.2).fit(X, y)
    # ties in the averaged counts break by the averaged loss, not by row order
    plain = ScoreSelector(averaged.forgetting_, frac=0.2, keep="highest").fit(X, y)
    assert len(np.unique(averaged.forgetting_)) < len(y) / 2  # many ties to break
    assert not np.array_equal(selector.sample_indices_, plain.sample_indices_)
    path = save_dynamics(averaged, tmp_path / "averaged.npz", X, y)
    again = ForgettingSelector(PrecomputedDynamics(path), frac=0.2).fit(X, y)
    np.testing.assert_array_equal(again.sample_indices_, selector.sample_indices_)


def test_averaged_runs_use_consecutive_seeds_and_share_the_first_with_a_lone_proxy(data):
    X, y = data
    proxy = TrainingDynamics(make_cnn(max_epochs=1))
    averaged = AveragedDynamics(proxy, n_runs=3, random_state=7).fit(X, y)
    assert [run.random_state for run in averaged.runs_] == [7, 8, 9]
    lone = fit_scorer(proxy.set_params(random_state=7), X, y)
    assert lone is averaged.runs_[0]  # one training, shared through the cache
    np.testing.assert_allclose(averaged.scores_,
                               np.mean([run.scores_ for run in averaged.runs_], axis=0))
    np.testing.assert_array_equal(averaged.embeddings_, lone.embeddings_)


def test_a_new_method_is_one_registry_line(data):
    X, y = data
    register_method("middle_aign", functools.partial(ScoreSelector, keep="middle"))
    try:
        selector = build_selector("middle_aign", proxy=TrainingDynamics(make_cnn(max_epochs=1)),
                                  fraction=0.3, random_state=0).fit(X, y)
        assert selector.keep == "middle"
        assert len(selector.sample_indices_) == sum(class_quotas(y, 0.3).values())
    finally:
        del METHODS["middle_aign"]
    with pytest.raises(ValueError, match="Unknown methods \\['middle_aign'\\]"):
        build_selector("middle_aign", proxy=None, fraction=0.3)
