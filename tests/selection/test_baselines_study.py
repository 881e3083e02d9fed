"""Every baseline on digits: sizes, seeding, one proxy training; the class-matched control."""

import numpy as np
import pytest
from skorch import NeuralNetClassifier

import sk_easycore
from sk_easycore import clear_score_cache
from sk_easycore.base import class_quotas
from sk_easycore.scoring import TrainingDynamics
from sk_easycore.selection import (
    CALSelector,
    ContextualDiversitySelector,
    DeepFoolSelector,
    EasyCoreSelector,
    EL2NSelector,
    FacilityLocationSelector,
    ForgettingSelector,
    GlisterSelector,
    GraNdSelector,
    GraphCutSelector,
    HardCoreSelector,
    HerdingSelector,
    KCenterGreedySelector,
    MatchedRandomSelector,
    ModerateSelector,
    RandomSelector,
    UncertaintySelector,
)
from tests.conftest import make_cnn

N_INITIALIZED = []


class CountingNet(NeuralNetClassifier):
    """Counts its trainings (every training starts with initialize)."""

    def initialize(self):
        N_INITIALIZED.append(1)
        return super().initialize()


def counting_proxy():
    return TrainingDynamics(CountingNet(**make_cnn(max_epochs=2).get_params(deep=False)))


def all_selectors(proxy):
    """One instance of every proxy-based method, the same proxy for all."""
    return [
        GraNdSelector(proxy), EL2NSelector(proxy), ForgettingSelector(proxy),
        UncertaintySelector(proxy), UncertaintySelector(proxy, method="entropy"),
        UncertaintySelector(proxy, method="margin"), DeepFoolSelector(proxy, max_iter=2),
        ModerateSelector(proxy), HerdingSelector(proxy), KCenterGreedySelector(proxy),
        ContextualDiversitySelector(proxy), CALSelector(proxy), GraphCutSelector(proxy),
        FacilityLocationSelector(proxy), GlisterSelector(proxy), HardCoreSelector(proxy),
        EasyCoreSelector(proxy), MatchedRandomSelector(EasyCoreSelector(proxy)),
    ]


def test_every_public_selector_is_in_the_study():
    public = {name for name in sk_easycore.__all__ if name.endswith("Selector")}
    studied = {type(s).__name__ for s in all_selectors(None)}
    assert public - studied == {"RandomSelector", "ScoreSelector"}


def test_study_on_digits_sizes_seeds_and_one_training(digits):
    X, y = digits
    quotas = class_quotas(y, 0.3)
    runs = []
    for _ in range(2):
        clear_score_cache()  # the second study retrains: identity must not come from the cache
        N_INITIALIZED.clear()
        selectors = all_selectors(counting_proxy())
        for selector in selectors:
            if "frac" in selector.get_params():
                selector.set_params(frac=0.3)
            selector.set_params(random_state=0).fit(X, y)
            assert selector.sampling_strategy_ == quotas, type(selector).__name__
            assert len(np.unique(selector.sample_indices_)) == sum(quotas.values())
        assert len(N_INITIALIZED) == 1  # eighteen selections, one proxy training
        runs.append(selectors)
    for first, second in zip(*runs):
        np.testing.assert_array_equal(first.sample_indices_, second.sample_indices_)
    unbalanced = GraNdSelector(counting_proxy(), frac=0.3, class_balanced=False,
                               random_state=0).fit(X, y)
    assert len(unbalanced.sample_indices_) == round(0.3 * len(y))


def test_early_score_repeats_are_shared_between_grand_and_el2n(digits_small):
    X, y = digits_small
    N_INITIALIZED.clear()
    proxy = counting_proxy()
    GraNdSelector(proxy, n_repeats=3, score_epoch=1, random_state=0).fit(X, y)
    EL2NSelector(proxy, n_repeats=3, score_epoch=1, random_state=0).fit(X, y)
    assert len(N_INITIALIZED) == 3
    EL2NSelector(proxy, n_repeats=2, random_state=0).fit(X, y)  # repeat 0 = the full proxy
    HardCoreSelector(proxy, random_state=0).fit(X, y)
    assert len(N_INITIALIZED) == 5


def test_matched_random_copies_the_reference_class_mix(digits_small):
    X, y = digits_small
    N_INITIALIZED.clear()
    easy = EasyCoreSelector(counting_proxy(), frac=0.2, class_balanced=False, random_state=0)
    easy.fit(X, y)
    matched = MatchedRandomSelector(easy, random_state=1).fit(X, y)
    assert len(N_INITIALIZED) == 1  # the reference reuses the fitted proxy
    assert matched.sampling_strategy_ == easy.sampling_strategy_
    assert len(set(easy.sampling_strategy_.values())) > 1  # a skewed mix, really copied
    assert not np.array_equal(matched.sample_indices_, easy.sample_indices_)
    assert matched.reference_ is not easy  # fitted on a clone
    unseeded = MatchedRandomSelector(
        EasyCoreSelector(counting_proxy(), frac=0.2, class_balanced=False), random_state=0)
    assert unseeded.fit(X, y).reference_.random_state == 0  # seeded like `easy`: cache hit
    assert len(N_INITIALIZED) == 1
    other = MatchedRandomSelector(easy, random_state=2).fit(X, y)
    assert not np.array_equal(other.sample_indices_, matched.sample_indices_)


def test_matched_random_from_counts_and_its_errors(digits_small):
    X, y = digits_small
    fitted = MatchedRandomSelector({0: 3, 5: 1}, random_state=0).fit(X, y)
    assert fitted.sampling_strategy_[0] == 3 and fitted.sampling_strategy_[5] == 1
    assert sum(fitted.sampling_strategy_.values()) == 4 and fitted.reference_ is None
    with pytest.raises(ValueError, match="needs a reference"):
        MatchedRandomSelector().fit(X, y)
    with pytest.raises(ValueError, match="absent from y"):
        MatchedRandomSelector({42: 1}).fit(X, y)
    with pytest.raises(ValueError, match="must be an integer in \\[0, "):
        MatchedRandomSelector({0: 10_000}).fit(X, y)
    random = RandomSelector(frac=0.5, random_state=0)
    assert MatchedRandomSelector(random).fit(X, y).sampling_strategy_ == class_quotas(y, 0.5)
