"""EasyCoreSelector: the easiest (lowest-AIGN) fraction of the data."""

from ._score import ScoreSelector

__all__ = ["EasyCoreSelector"]


class EasyCoreSelector(ScoreSelector):
    """Keep the easiest fraction of the data: the rows with the lowest AIGN.

    EasyCore [1]_ scores each training sample by its Average Input Gradient
    Norm (see :class:`~sk_easycore.scoring.AIGNScorer`) and trains the final
    model on the lowest-scoring fraction; such coresets are reported to give
    more adversarially robust models than other coreset methods. This is an
    imbalanced-learn sampler: in ``imblearn.pipeline.Pipeline`` it drops rows
    during ``fit`` and is skipped at ``predict``.

    Parameters
    ----------
    scorer : estimator, callable, array-like or None, default=None
        Source of the hardness scores; None means ``AIGNScorer()``. An array
        holds scores precomputed for exactly the ``X`` given to ``fit`` (for
        instance AIGN computed with another architecture). See
        :class:`ScoreSelector`.
    frac : float in (0, 1], default=0.3
        Fraction of the rows to keep (of each class when ``class_balanced``).
    class_balanced : bool, default=True
        Keep the easiest ``frac`` of every class. The paper does not say
        whether its selection is global or per class (a co-author's related
        code ranks globally: ``class_balanced=False``). Global selection
        changes the class mix a lot: on digits the easiest 10% holds almost no
        1s or 9s. Per-class selection is the default so that a coreset never
        loses a class and a comparison with random sampling is not confounded
        by class mix.
    memory : None, str or joblib.Memory, default=None
        Cache of fitted scorers; see :class:`ScoreSelector`.
    random_state : int, RandomState instance or None, default=None
        Seeds the scorer when its own ``random_state`` is None.
    verbose : int, default=0
        1 shows the scorer's training progress bar (AIGN over the epochs), so a
        grid search is not silent for minutes; 0: silent.

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        AIGN (or the given scores) of every row seen by ``fit``.
    scorer_ : estimator
        The fitted scorer (absent when ``scorer`` is a callable or an array).
    sample_indices_ : ndarray of shape (n_kept,)
        Sorted indices of the kept rows.
    sampling_strategy_ : dict
        ``{label: number of rows kept}``.
    n_samples_fit_ : int
        Number of rows seen by ``fit``.
    n_features_in_ : int
        Size of the second axis of ``X``.

    See Also
    --------
    ScoreSelector : the same ranking with ``keep="highest"`` or ``"middle"``.

    References
    ----------
    .. [1] Ramesh, Roy, Ravikumar, Roy, Srinivasan. "The Easy Path to Robustness:
       Coreset Selection using Sample Hardness." arXiv:2510.11018, 2025.

    Examples
    --------
    >>> import torch
    >>> from imblearn.pipeline import Pipeline
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.scoring import AIGNScorer
    >>> from sk_easycore.selection import EasyCoreSelector
    >>> X, y = load_digits_images()
    >>> def small_net():
    ...     return NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
    ...                                max_epochs=2, train_split=None, verbose=0)
    >>> pipe = Pipeline([
    ...     ("select", EasyCoreSelector(AIGNScorer(small_net()), frac=0.3,
    ...                                 random_state=0)),
    ...     ("net", small_net()),
    ... ]).fit(X[:300], y[:300])
    >>> len(pipe.named_steps["select"].sample_indices_)  # 30% of each class, rounded
    91
    >>> pipe.predict(X[300:305]).shape
    (5,)
    """

    _parameter_constraints = {
        k: v for k, v in ScoreSelector._parameter_constraints.items() if k != "keep"
    }

    def __init__(
        self, scorer=None, *, frac=0.3, class_balanced=True, memory=None,
        random_state=None, verbose=0,
    ):
        self.scorer = scorer
        self.frac = frac
        self.class_balanced = class_balanced
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    def _keep_rule(self):
        return "lowest"
