"""The design card's code, typed as the card has it.

The card: "``Pipeline([... EasyCoreSelector(frac=0.3) ...])``, GridSearchCV over fractions,
ART-based robustness reports". ``frac`` is the selectors' parameter, ``Pipeline`` comes from
sk_easycore (imbalanced-learn's, which runs samplers during ``fit``), and scikit-learn's own
Pipeline, which refuses a selector, is answered in the first pages a user reads.
"""

from pathlib import Path

import numpy as np
import pytest
import sklearn.pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from tests.conftest import make_cnn

ROOT = Path(__file__).resolve().parent.parent


def test_the_cards_line_in_a_grid_search_with_a_robust_scorer_and_a_report(digits):
    from sk_easycore import EasyCoreSelector, Pipeline
    from sk_easycore.robustness import make_robust_scorer, robustness_report

    X, y = digits
    X_train, y_train, X_test, y_test = X[:240], y[:240], X[240:340], y[240:340]
    pipe = Pipeline([("select", EasyCoreSelector(frac=0.3)), ("net", make_cnn(max_epochs=2))])
    search = GridSearchCV(pipe, {"select__frac": [0.3, 0.6]}, cv=2, error_score="raise",
                          scoring=make_robust_scorer("pgd", eps=0.1, max_iter=3))
    search.fit(X_train, y_train)
    assert search.best_params_["select__frac"] in (0.3, 0.6)
    assert list(search.cv_results_["param_select__frac"]) == [0.3, 0.6]
    selector = search.best_estimator_.named_steps["select"]
    assert selector.get_params()["frac"] == search.best_params_["select__frac"]
    counts = np.bincount(y_train)
    expected = sum(int(np.floor(selector.frac * c + 0.5)) for c in counts)
    assert len(selector.sample_indices_) == expected  # the refit kept frac of every class
    report = robustness_report(search.best_estimator_, X_test, y_test, eps=(0.05, 0.1),
                               max_iter=3)
    assert report.n_samples == len(y_test) and 0 <= report.clean_accuracy <= 1
    assert "pgd" in str(report) and "eps=0.1" in str(report)


def test_frac_is_the_only_name():
    from sk_easycore import EasyCoreSelector, RandomSelector

    assert "frac" in EasyCoreSelector().get_params()
    assert "fraction" not in EasyCoreSelector().get_params()
    with pytest.raises(TypeError, match="fraction"):
        RandomSelector(fraction=0.3)
    with pytest.raises(ValueError, match=r"'frac' parameter of RandomSelector"):
        RandomSelector(frac=1.5).fit(np.zeros((4, 1)), [0, 1, 0, 1])


def test_make_pipeline_runs_the_selector_during_fit_only():
    from sk_easycore import RandomSelector, make_pipeline

    X = np.arange(40.0).reshape(20, 2)
    y = np.array([0, 1] * 10)
    pipe = make_pipeline(RandomSelector(frac=0.5, random_state=0), LogisticRegression())
    pipe.fit(X, y)
    assert len(pipe.named_steps["randomselector"].sample_indices_) == 10
    assert pipe.predict(X).shape == (20,)  # every row predicted: no selection at predict


def test_sklearns_pipeline_refusal_and_its_fix_are_on_the_first_pages():
    # scikit-learn checks hasattr(step, "transform") and offers a step no way to add to its
    # message; a selector cannot have transform (imbalanced-learn refuses a step with both
    # transform and fit_resample), so the first pages quote the error and give the fix
    from sk_easycore import EasyCoreSelector

    pipe = sklearn.pipeline.Pipeline([("select", EasyCoreSelector(frac=0.3)),
                                      ("clf", LogisticRegression())])
    with pytest.raises(TypeError) as error:
        pipe.fit(np.zeros((4, 2)), [0, 1, 0, 1])
    message = str(error.value)
    assert message.startswith("All intermediate steps should be transformers")
    readme = " ".join((ROOT / "README.md").read_text().split())
    index = " ".join((ROOT / "docs" / "index.rst").read_text().split())
    for page in (readme, index):
        assert " ".join(message.split()) in page  # quoted whole, as scikit-learn prints it
        assert "from sk_easycore import Pipeline" in page
