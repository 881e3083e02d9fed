"""AsFloat32: the pipeline step that makes tables and DataFrames what a skorch net takes."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["AsFloat32"]


class AsFloat32(TransformerMixin, BaseEstimator):
    """Turn X (an array of any numeric dtype, or a pandas DataFrame) into C-contiguous float32.

    A skorch net refuses float64 inputs (``mat1 and mat2 must have the same
    dtype``) and passes a DataFrame's columns to the module as keyword
    arguments (``forward() got an unexpected keyword argument 'mean radius'``);
    a coreset selector returns the kept rows in the type it was given, as every
    imbalanced-learn sampler does. Put this step first in the pipeline: the
    values are unchanged (float64 rounded to float32), so attacks on the
    pipeline still perturb X in its own units and ``to_art_classifier`` lets
    this step through.

    Attributes
    ----------
    n_features_in_ : int
        Size of the second axis of ``X``.
    feature_names_in_ : ndarray of shape (n_features,)
        Column names of a DataFrame ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> AsFloat32().fit_transform(np.ones((2, 3))).dtype
    dtype('float32')
    """

    # values pass through (only the container and the float width change)
    _preserves_values = True

    def fit(self, X, y=None):
        """Record the input's shape (and column names).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : ignored

        Returns
        -------
        self : AsFloat32
        """
        validate_data(self, X, allow_nd=True, dtype="numeric")
        return self

    def transform(self, X):
        """X as a C-contiguous float32 array.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        X_float32 : ndarray
        """
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, reset=False, allow_nd=True, dtype="numeric")
        return np.ascontiguousarray(X, dtype=np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
