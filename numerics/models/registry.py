"""The numeric faces in the one model registry: ``@numeric_face`` and :func:`numeric_model`.

Models are declared once, in the theory layer
(:data:`theory.models.registry.MODELS`). This module tells that registry that
numeric faces live in ``numerics.models.<module>`` (the same concept module as
the symbolic face, ``theory.models.<module>``), so that the numeric layer
registers itself and the theory layer never imports it. A numeric face is a
:class:`~numerics.models.base.NumericModel` subclass decorated
``@numeric_face(name)``; it reads its name and metric names from the declaration.
Faces load on demand: asking for model ``name`` imports its module the first time.

Examples
--------
>>> model = numeric_model("poisson", {"lam": "2"})
>>> model, model.params, model.theta0.tolist()
(Poisson({'lam': 2.0}), {'lam': 2.0}, [2.0])
>>> NUMERIC_MODELS["mvn"].__name__
'MultivariateGaussian'
"""

from __future__ import annotations

from collections.abc import Mapping

from theory.models.registry import MODELS, model_spec

__all__ = ["numeric_face", "numeric_model_class", "numeric_model", "NUMERIC_MODELS"]

MODELS.add_layer("numeric", "numerics.models")


def numeric_face(name):
    """Class decorator: the decorated :class:`~numerics.models.base.NumericModel` is model ``name``'s numeric face.

    Parameters
    ----------
    name : str
        A declared model name.

    Returns
    -------
    callable
        The decorator; it sets the class's ``spec`` and returns the class.
    """
    return MODELS.attach("numeric", name)


def numeric_model_class(name):
    """The numeric face class of model ``name``, importing its module on first use.

    Parameters
    ----------
    name : str

    Returns
    -------
    type

    Raises
    ------
    ValueError
        For an unknown model (the message lists the known ones).
    """
    return MODELS.face(name, "numeric")


def numeric_model(name, params=None, truth=None):
    """The numeric face of model ``name`` at parameters ``params`` (raw values are validated).

    Parameters
    ----------
    name : str
        A CLI model name (THEORY.md §4).
    params : dict, optional
        Model parameters, raw (``--set`` strings) or validated; defaults filled in by
        the model's declaration (:meth:`theory.models.registry.ModelSpec.validate`).
    truth : array_like, optional
        theta_0; by default the declaration's true natural parameter.

    Returns
    -------
    NumericModel

    Raises
    ------
    ValueError
        For an unknown model or a parameter outside its domain.
    """
    spec = model_spec(name)
    params = spec.validate(params or {})
    if truth is None:
        truth = spec.natural_parameter(params)
    return numeric_model_class(name)(params, truth)


class _NumericFaces(Mapping):
    """Model name -> numeric face class, each loaded on first access."""

    def __getitem__(self, name):
        if name not in MODELS:
            raise KeyError(name)
        return numeric_model_class(name)

    def __iter__(self):
        return iter(MODELS.names())

    def __len__(self):
        return len(MODELS)

    def __repr__(self):
        return f"<numeric faces of {', '.join(MODELS.names())}>"


NUMERIC_MODELS = _NumericFaces()
"""Model name -> numeric face class (a read-only mapping that loads each face on first access)."""
