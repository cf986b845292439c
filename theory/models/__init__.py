"""The canonical models: one registry of declarations, and each model's symbolic face, derived by SymPy.

Every model of THEORY.md §4 is declared once in :data:`MODELS` (a
:class:`~theory.models.registry.ModelSpec`: name, parameters, estimators,
metrics, the natural parameter and its true value; see
:mod:`theory.models.registry` for how the faces attach). Its symbolic face is a
:class:`~theory.models.base.SymbolicModel`: the log-density in named SymPy
symbols, the per-observation Fisher information derived from it (the
expectation of minus the Hessian), the influence function of each estimator and
its asymptotic covariance ``V = E psi psi^T``, the truth fixed by the parameters
and the natural parameter on which the risk ``E ||theta_k - theta_0||^2`` is
measured. The numeric face (samplers, estimators) lives in :mod:`numerics.models`,
module for module:

==========================  =============================================================
module                      what it holds
==========================  =============================================================
``registry``, ``catalogue`` the declarations (light: no SymPy), parameters and validation
``base``                    :class:`SymbolicModel`, the derivations every model shares
``expectations``            standard normal moments, Isserlis' theorem, quadrature
``gaussian``                ``gaussian-mean``, ``gaussian``, ``mvn``
``regression``              ``linreg``, ``logistic``
``counts``                  ``bernoulli``, ``poisson``, ``exponential``
``kde``                     ``kde``
``expfam``                  ``expfam`` and :class:`ExponentialFamily`
``vocabularies``,           ``categorical``: its declaration and truths (light), its
``categorical``             symbolic face and truth vectors
==========================  =============================================================

Importing this package loads only the declarations; each symbolic face (and
SymPy with it) loads on first use, through :func:`get_model` or by attribute.

Parameters and truths (the ``--set`` keys of ``pi2over6 simulate``; defaults in brackets):

================  ====================================================================  ==============
model             parameters, truth                                                     natural param.
================  ====================================================================  ==============
``gaussian-mean`` ``mu`` [0], ``sigma`` [1] known, ``estimator`` ``mean`` | ``median``   mu
``gaussian``      ``mu`` [0], ``sigma`` [1], ``estimator`` ``mle`` | ``unbiased``        mu
``mvn``           ``d`` [2], ``estimator`` ``mle`` | ``unbiased``; mu = 0, Sigma = I_d     mu
``linreg``        ``d`` [5], ``sigma`` [1] (known noise level, also used for synthetic     w
                  labels), ``design`` ``fixed`` | ``fresh``, ``lam`` [0] (ridge
                  penalty, normalised form; 0 with fewer rows than d: minimum-norm
                  interpolation), ``shift`` [0] (synthetic batches drawn from the
                  fit plus shift e_1: a biased generator); x ~ N(0, I_d),
                  w0 = (1, ..., 1)/sqrt(d) (norm 1)
``logistic``      ``d`` [5], ``design`` ``fixed`` | ``fresh``; no intercept,              beta
                  x ~ N(0, I_d), beta0 proportional to (1, -1, 1/2, -1/2, 1/3, ...)
                  normalised to norm 1 (so x^T beta0 ~ N(0, 1): a moderate signal)
``bernoulli``     ``p`` [0.3]                                                           p
``poisson``       ``lam`` [1]                                                           lam
``exponential``   ``rate`` [1]                                                          rate
``expfam``        ``family`` [poisson], ``eta`` [family default], family constants      eta (natural)
``kde``           ``h`` [0.5]; truth N(0, 1); Gaussian kernel                           mean of fitted
                                                                                        density (0)
``categorical``   ``truth`` [zipf] (``uniform`` or a probability file), ``beta`` [1.5],   p
                  ``K`` [1000], ``alpha`` [0] (add-alpha smoothing), ``T`` [size of R0]
                  (the memoriser's draws)
================  ====================================================================  ==============

Examples
--------
>>> MODELS
11 models
model          parameters [defaults]                                        estimators     metrics (and failed)
gaussian-mean  mu [0.0], sigma [1.0], estimator=mean|median [mean]          mean, median   risk
gaussian       mu [0.0], sigma [1.0], estimator=mle|unbiased [mle]          mle, unbiased  risk, sigma2, sigma, w2sq
mvn            d [2], estimator=mle|unbiased [mle]                          mle, unbiased  risk, trace_ratio, det_ratio
linreg         d [5], sigma [1.0], design=fixed|fresh [fixed], lam [0.0],   ols            risk
               shift [0.0]
logistic       d [5], design=fixed|fresh [fixed]                            mle            risk
bernoulli      p [0.3]                                                      mle            risk, absorbed
poisson        lam [1.0]                                                    mle            risk, absorbed
exponential    rate [1.0]                                                   mle            risk
expfam         family=bernoulli|poisson|geometric|... [poisson], eta [0.0]  mle            risk
kde            h [0.5]                                                      kde            risk, var
categorical    truth [zipf], beta [1.5], K [1000], alpha [0.0], T [|R0|]    mle            risk, tv, kl, ...
>>> model = get_model("gaussian-mean")
>>> model.asymptotic_covariance("median")
Matrix([[pi*sigma**2/2]])
>>> model.risk1({"sigma": 2.0, "estimator": "mean"}, 100)
0.04
"""

from __future__ import annotations

from ..lazy import lazy_attributes
from . import catalogue, vocabularies  # noqa: F401  (declare the models in MODELS)
from .registry import MODELS, ModelSpec, Parameter, declare, get_model, model_spec, symbolic_face

__all__ = ["MODELS", "MODEL_NAMES", "ModelSpec", "Parameter", "declare", "model_spec", "symbolic_face", "get_model",
           "SymbolicModel", "ExponentialFamily", "ExponentialFamilyModel", "FAMILIES", "linreg_truth",
           "logistic_truth", "std_normal_moment", "GaussianMean", "Gaussian", "MultivariateGaussian",
           "LinearRegression", "LogisticRegression", "Bernoulli", "Poisson", "Exponential", "KernelDensity",
           "CategoricalModel", "categorical_truth"]

MODEL_NAMES = MODELS.names()
"""The toolkit's model names, in the order of THEORY.md §4."""

# the symbolic names, loaded with their module on first access
__getattr__, __dir__ = lazy_attributes(__name__, {
    "SymbolicModel": "base", "std_normal_moment": "expectations", "GaussianMean": "gaussian", "Gaussian": "gaussian",
    "MultivariateGaussian": "gaussian", "LinearRegression": "regression", "LogisticRegression": "regression",
    "linreg_truth": "regression", "logistic_truth": "regression", "Bernoulli": "counts", "Poisson": "counts",
    "Exponential": "counts", "KernelDensity": "kde", "ExponentialFamily": "expfam", "ExponentialFamilyModel": "expfam",
    "FAMILIES": "expfam", "CategoricalModel": "categorical", "categorical_truth": "categorical"})
