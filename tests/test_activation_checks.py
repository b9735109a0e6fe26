"""Hidden checks of `activation_functions` and the source notebook's structure.

* The reference passes every check; every listed mistake fails with a message that names it, and
  a second, independently written version of each mistake fails too.
* Two independent correct implementations written here pass every check: one with Python loops
  over elements (sum loss, ReLU'(0) = 1 inside backpropagation, plain gradient descent) and one
  vectorised with other formulas (mean loss, Adam with other settings).
* The conventions the text allows (mean or sum loss) both pass; the one it fixes (ReLU'(0) = 0 in
  `relu_prime`, inf at I = 1 in `lif_rate_prime`) is the only one accepted.
* No case sits on a knife edge: no pre-activation of a gradient case lies near 0, and no value of
  a gradient-region case lies within rounding of its threshold.
* The notebook: points, one hidden check per test cell, stored executed in instructor mode; the
  unfilled release runs calmly (given cells print one line instead of a traceback).
"""
import math
import re
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.checking import load_object, run_cases  # noqa: E402
from course.checks import activation_functions as af  # noqa: E402
from course.grading.compare import called_checks, verdict  # noqa: E402

CHECKS = {item.name: item for item in af.CHECKS}
NOTEBOOK = ROOT / "source" / "activation_functions" / "activation_functions.ipynb"
RELEASE = ROOT / "release" / "activation_functions" / "activation_functions.ipynb"
KEYS = ("W1", "b1", "w2", "b2")


def judge(name, target):
    return verdict(f"activation_functions.{name}", run_cases(CHECKS[name], target))


# ----- implementation 1: loops over elements -----------------------------------------------------

def _each(z, scalar_function):
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    for index in np.ndindex(z.shape):
        out[index] = scalar_function(float(z[index]))
    return out


def _sigmoid_scalar(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def loop_sigmoid(z):
    return _each(z, _sigmoid_scalar)


def loop_sigmoid_prime(z):
    return _each(z, lambda v: _sigmoid_scalar(v) * (1.0 - _sigmoid_scalar(v)))


def loop_tanh_prime(z):
    return _each(z, lambda v: 1.0 - math.tanh(v) ** 2)


def loop_relu(z):
    return _each(z, lambda v: v if v > 0 else 0.0)


def loop_relu_prime(z):
    return _each(z, lambda v: 1.0 if v > 0 else 0.0)


def loop_gradient_regions(dfdz, eps):
    values = np.asarray(dfdz, dtype=float)
    top = max(values.ravel().tolist())
    vanishing = np.zeros(values.shape, dtype=bool)
    largest = np.zeros(values.shape, dtype=bool)
    for index in np.ndindex(values.shape):
        vanishing[index] = abs(values[index]) <= eps
        largest[index] = values[index] >= top - eps
    return vanishing, largest


def loop_chain_rule(fprime, w, x, b):
    w, x, b = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (w, x, b)))
    d_dx, d_dw, d_db = (np.empty(w.shape) for _ in range(3))
    for index in np.ndindex(w.shape):
        slope = float(fprime(w[index] * x[index] + b[index]))
        d_dx[index], d_dw[index], d_db[index] = slope * w[index], slope * x[index], slope
    return d_dx, d_dw, d_db


def loop_init_params(n_in, n_hidden, rng):
    a, c = n_in ** -0.5, n_hidden ** -0.5
    W1 = np.array([[rng.uniform(-a, a) for _ in range(n_hidden)] for _ in range(n_in)])
    b1 = np.array([rng.uniform(-a, a) for _ in range(n_hidden)])
    w2 = np.array([rng.uniform(-c, c) for _ in range(n_hidden)])
    return {"W1": W1, "b1": b1, "w2": w2, "b2": rng.uniform(-c, c)}


def loop_forward(params, X):
    X = np.asarray(X, dtype=float)
    n, n_hidden = len(X), len(params["b1"])
    hidden = np.zeros((n, n_hidden))
    logits = np.zeros(n)
    for i in range(n):
        for j in range(n_hidden):
            a = params["b1"][j] + sum(X[i, k] * params["W1"][k, j] for k in range(X.shape[1]))
            hidden[i, j] = max(a, 0.0)
        logits[i] = params["b2"] + sum(hidden[i, j] * params["w2"][j] for j in range(n_hidden))
    return hidden, logits


def _softplus_scalar(v):
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def loop_logistic_loss(logits, y):
    """The SUM over samples (the text allows it)."""
    return sum(_softplus_scalar(float(z)) - float(t) * float(z) for z, t in zip(logits, y))


def loop_loss_and_gradients(params, X, y):
    """Sum loss, per-sample backpropagation, ReLU'(0) taken as 1 (allowed in the network)."""
    X = np.asarray(X, dtype=float)
    W1, b1, w2, b2 = (np.asarray(params[k], dtype=float) for k in KEYS)
    grads = {"W1": np.zeros(W1.shape), "b1": np.zeros(b1.shape), "w2": np.zeros(w2.shape),
             "b2": 0.0}
    loss = 0.0
    for x_i, y_i in zip(X, y):
        a = x_i @ W1 + b1
        h = np.where(a >= 0, a, 0.0)
        z = float(h @ w2 + b2)
        loss += _softplus_scalar(z) - y_i * z
        delta = _sigmoid_scalar(z) - y_i
        grads["w2"] += delta * h
        grads["b2"] += delta
        d_a = delta * w2 * (a >= 0)
        grads["W1"] += np.outer(x_i, d_a)
        grads["b1"] += d_a
    return loss, grads


def gd_train(params, X, y, n_steps=300, learning_rate=1.0):
    """Plain gradient descent on the mean loss (vectorised gradients of `vec_...`)."""
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    losses = []
    for _ in range(n_steps):
        loss, grads = vec_loss_and_gradients(params, X, y)
        losses.append(loss)
        for k in KEYS:
            params[k] = params[k] - learning_rate * grads[k]
    return params, losses


def loop_train(params, X, y, n_steps=300, learning_rate=1.0):
    """Gradient descent on the SUM loss with the step scaled by 1/n, loop over parameters."""
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    n = len(y)
    losses = []
    for _ in range(n_steps):
        loss, grads = vec_loss_and_gradients(params, X, y)
        losses.append(loss * n)
        for k in KEYS:
            params[k] = params[k] - (learning_rate / n) * (grads[k] * n)
    return params, losses


def _restarts_with(init, train):
    def train_until_good(X_train, y_train, X_test, y_test, n_hidden, rng, target=0.95,
                         max_restarts=20):
        for attempt in range(max_restarts + 1):
            params, losses = train(init(X_train.shape[1], n_hidden, rng), X_train, y_train)
            good = np.mean((vec_forward(params, X_test)[1] > 0) == (y_test == 1)) >= target
            if good:
                break
        return params, attempt, losses
    return train_until_good


def loop_lif_rate_prime(current, tau_m, tau_ref):
    out = []
    for i in np.asarray(current, dtype=float):
        if i < 1:
            out.append(0.0)
        elif i == 1:
            out.append(math.inf)
        else:
            rate = 1.0 / (tau_ref + tau_m * (math.log(i) - math.log(i - 1)))
            out.append(rate * rate * tau_m * (1.0 / (i - 1) - 1.0 / i))
    return np.array(out)


# ----- implementation 2: vectorised, other formulas --------------------------------------------

def vec_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def vec_sigmoid_prime(z):
    z = np.asarray(z, dtype=float)
    return vec_sigmoid(z) * vec_sigmoid(-z)


def vec_tanh_prime(z):
    c = np.cosh(np.clip(np.asarray(z, dtype=float), -300, 300))
    return 1.0 / (c * c)


def vec_relu(z):
    z = np.asarray(z, dtype=float)
    return z * (z > 0)


def vec_relu_prime(z):
    return np.heaviside(np.asarray(z, dtype=float), 0.0)


def vec_gradient_regions(dfdz, eps):
    dfdz = np.asarray(dfdz, dtype=float)
    return ~(np.abs(dfdz) > eps), np.max(dfdz) - dfdz <= eps


def vec_chain_rule(fprime, w, x, b):
    w, x, b = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (w, x, b)))
    slope = np.asarray(fprime(b + x * w), dtype=float)
    return w * slope, x * slope, slope + 0.0


def vec_init_params(n_in, n_hidden, rng):
    bounds = [n_in ** -0.5] * 2 + [n_hidden ** -0.5] * 2
    sizes = [(n_in, n_hidden), (n_hidden,), (n_hidden,), None]
    drawn = [rng.uniform(-r, r, size=s) for r, s in zip(bounds, sizes)]
    return dict(zip(KEYS, drawn))


def vec_forward(params, X):
    pre = np.einsum("nd,dh->nh", np.asarray(X, dtype=float), params["W1"]) + params["b1"]
    hidden = np.clip(pre, 0.0, None)
    return hidden, np.einsum("nh,h->n", hidden, params["w2"]) + params["b2"]


def vec_logistic_loss(logits, y):
    z = np.asarray(logits, dtype=float)
    y = np.asarray(y, dtype=float)
    # -log sigma(z) = softplus(-z); -log(1 - sigma(z)) = softplus(z)
    return float(np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def vec_loss_and_gradients(params, X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    hidden, z = vec_forward(params, X)
    loss = vec_logistic_loss(z, y)
    delta = (vec_sigmoid(z) - y) / len(y)
    back = delta[:, None] * params["w2"][None, :] * (hidden > 0)
    return loss, {"W1": np.einsum("nd,nh->dh", X, back), "b1": back.sum(0),
                  "w2": np.einsum("nh,n->h", hidden, delta), "b2": delta.sum()}


def adam_train(params, X, y, n_steps=300, learning_rate=0.03):
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    m = {k: 0.0 * params[k] for k in KEYS}
    s = {k: 0.0 * params[k] for k in KEYS}
    losses = []
    for t in range(1, n_steps + 1):
        loss, g = vec_loss_and_gradients(params, X, y)
        losses.append(loss)
        for k in KEYS:
            m[k] = 0.8 * m[k] + 0.2 * g[k]
            s[k] = 0.99 * s[k] + 0.01 * g[k] * g[k]
            params[k] = params[k] - learning_rate * (m[k] / (1 - 0.8 ** t)) / (
                np.sqrt(s[k] / (1 - 0.99 ** t)) + 1e-10)
    return params, losses


def vec_lif_rate_prime(current, tau_m, tau_ref):
    current = np.asarray(current, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = 1.0 / (tau_ref - tau_m * np.log1p(-1.0 / current))
        slope = tau_m * rate ** 2 / (current ** 2 - current)
    return np.select([current < 1, current == 1], [0.0, np.inf], slope)


LOOP = {
    "sigmoid": loop_sigmoid, "sigmoid_prime": loop_sigmoid_prime, "tanh_prime": loop_tanh_prime,
    "relu": loop_relu, "relu_prime": loop_relu_prime, "gradient_regions": loop_gradient_regions,
    "chain_rule": loop_chain_rule, "init_params": loop_init_params, "forward": loop_forward,
    "logistic_loss": loop_logistic_loss, "loss_and_gradients": loop_loss_and_gradients,
    "train": loop_train, "train_until_good": _restarts_with(loop_init_params, gd_train),
    "lif_rate_prime": loop_lif_rate_prime,
}
VECTORISED = {
    "sigmoid": vec_sigmoid, "sigmoid_prime": vec_sigmoid_prime, "tanh_prime": vec_tanh_prime,
    "relu": vec_relu, "relu_prime": vec_relu_prime, "gradient_regions": vec_gradient_regions,
    "chain_rule": vec_chain_rule, "init_params": vec_init_params, "forward": vec_forward,
    "logistic_loss": vec_logistic_loss, "loss_and_gradients": vec_loss_and_gradients,
    "train": adam_train, "train_until_good": _restarts_with(vec_init_params, adam_train),
    "lif_rate_prime": vec_lif_rate_prime,
}
ANALYTIC = {"chain_rule": "solutions.activations:chain_rule",
            "lif_rate_prime": "solutions.activations:lif_rate_prime"}


# ----- the second, independently written version of each hinted mistake ----------------------

def _sum_loss_mean_grads(params, X, y):
    loss, grads = vec_loss_and_gradients(params, X, y)
    return loss * len(y), grads


def _mean_loss_sum_grads(params, X, y):
    loss, grads = loop_loss_and_gradients(params, X, y)    # the sum of both
    return loss / len(y), grads


def _bias_over_hidden(params, X, y):
    loss, grads = vec_loss_and_gradients(params, X, y)
    hidden, z = vec_forward(params, X)
    back = ((vec_sigmoid(z) - y) / len(y))[:, None] * params["w2"] * (hidden > 0)
    grads["b1"] = np.sum(back, 1)
    return loss, grads


def _no_w2(params, X, y):
    loss, grads = vec_loss_and_gradients(params, X, y)
    hidden, z = vec_forward(params, X)
    back = ((vec_sigmoid(z) - y) / len(y))[:, None] * (hidden > 0)
    grads["W1"], grads["b1"] = np.asarray(X).T @ back, back.sum(0)
    return loss, grads


def _lif_zero_at_one(current, tau_m, tau_ref):
    current = np.asarray(current, dtype=float)
    out = np.zeros(current.shape)
    i = current[current > 1]
    rate = 1 / (tau_ref + tau_m * np.log(i / (i - 1)))
    out[current > 1] = tau_m * rate ** 2 / (i * (i - 1))
    return out


def _lif_no_square(current, tau_m, tau_ref):
    out = loop_lif_rate_prime(current, tau_m, tau_ref)
    finite = np.isfinite(out) & (out > 0)
    i = np.asarray(current, dtype=float)[finite]
    out[finite] = tau_m * (1 / (i - 1) - 1 / i)
    return out


def _lif_sign(current, tau_m, tau_ref):
    out = loop_lif_rate_prime(current, tau_m, tau_ref)
    return np.where(np.isinf(out), out, -out)


SECOND_MISTAKES = {
    # check name, description in CHECKS[name].mistakes -> a second version of the same mistake
    ("sigmoid", "overflow"): lambda z: np.where(np.asarray(z) >= 0, 1 / (1 + np.exp(-np.asarray(z))),
                                                np.exp(z) / (1 + np.exp(z))),
    ("sigmoid_prime", "sigmoid(z)(1 + sigmoid(z))"): lambda z: vec_sigmoid(z) + vec_sigmoid(z) ** 2,
    ("relu", "np.max(z, 0)"): lambda z: np.asarray(z, dtype=float).max(0),
    ("relu_prime", "wrong side"): lambda z: np.heaviside(np.asarray(z, dtype=float), 1.0),
    ("gradient_regions", "argmax"): lambda d, eps: (
        np.abs(d) <= eps, np.arange(np.size(d)).reshape(np.shape(d)) == np.argmax(d)),
    ("gradient_regions", "absolute value"): lambda d, eps: (
        np.less_equal(d, eps), np.greater_equal(d, np.max(d) - eps)),
    ("chain_rule", "factor w"): lambda fp, w, x, b: (
        vec_chain_rule(fp, w, x, b)[2], *vec_chain_rule(fp, w, x, b)[1:]),
    ("chain_rule", "factor x"): lambda fp, w, x, b: (
        vec_chain_rule(fp, w, x, b)[0], vec_chain_rule(fp, w, x, b)[2],
        vec_chain_rule(fp, w, x, b)[2]),
    ("logistic_loss", "log(sigmoid)"): lambda z, y: float(-np.mean(np.log(np.where(
        np.asarray(y) == 1, 1 / (1 + np.exp(-np.asarray(z, dtype=float))),
        1 - 1 / (1 + np.exp(-np.asarray(z, dtype=float))))))),
    ("loss_and_gradients", "averaged against gradients that are summed"): _mean_loss_sum_grads,
    ("loss_and_gradients", "summed against gradients that are averaged"): _sum_loss_mean_grads,
    ("loss_and_gradients", "wrong axis"): _bias_over_hidden,
    ("loss_and_gradients", "factor w2"): _no_w2,
    ("lif_rate_prime", "0 at I = 1"): _lif_zero_at_one,
    ("lif_rate_prime", "rate^2"): _lif_no_square,
    ("lif_rate_prime", "sign error"): _lif_sign,
}


def _description(name, fragment):
    found = [d for d in CHECKS[name].mistakes if fragment in d]
    assert len(found) == 1, (name, fragment, list(CHECKS[name].mistakes))
    return found[0]


# ----- the checks --------------------------------------------------------------------------------

def test_every_check_has_two_independent_implementations():
    assert set(LOOP) == set(VECTORISED) == set(CHECKS)


def test_the_issue_s_mistakes_are_all_listed():
    listed = " | ".join(d for item in af.CHECKS for d in item.mistakes)
    for words in ("sigmoid(z)(1 + sigmoid(z))", "ReLU derivative at the wrong side",
                  "forgetting the chain factor w", "forgetting the chain factor x",
                  "bias gradient summed over the wrong axis",
                  "loss averaged against gradients that are summed",
                  "unstable log(sigmoid) that gives nan or inf"):
        assert words in listed, words


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_reference_passes(name):
    item = CHECKS[name]
    target = load_object(ANALYTIC.get(name, item.reference))
    results = run_cases(item, target)
    assert all("value" in r for r in results), results
    assert judge(name, target) is None


@pytest.mark.parametrize("name,description",
                         [(n, d) for n in sorted(CHECKS) for d in CHECKS[n].mistakes])
def test_each_mistake_fails_and_is_named(name, description):
    message = judge(name, load_object(CHECKS[name].mistakes[description]))
    assert message is not None, f"the mistake {description!r} passes {name}"
    assert f"Hint: your results match a common mistake: {description}." in message


@pytest.mark.parametrize("key", sorted(SECOND_MISTAKES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_second_version_of_each_mistake_fails_and_is_named(key):
    name, fragment = key
    description = _description(name, fragment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            message = judge(name, SECOND_MISTAKES[key])
    assert message is not None, f"a second version of {description!r} passes {name}"
    if key != ("logistic_loss", "log(sigmoid)"):
        # (that one gives inf where the listed version gives nan: it fails, unnamed)
        assert description in message, message


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_loop_implementation_passes(name):
    message = judge(name, LOOP[name])
    assert message is None, message


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_vectorised_implementation_passes(name):
    message = judge(name, VECTORISED[name])
    assert message is None, message


def test_mean_and_sum_losses_both_pass_but_mixed_scales_fail():
    from solutions import mlp
    assert judge("logistic_loss", lambda z, y: len(y) * mlp.logistic_loss(z, y)) is None
    assert judge("logistic_loss", lambda z, y: 2 * mlp.logistic_loss(z, y)) is not None

    def summed(params, X, y):
        loss, grads = mlp.loss_and_gradients(params, X, y)
        return loss * len(y), {k: v * len(y) for k, v in grads.items()}
    assert judge("loss_and_gradients", summed) is None
    message = judge("loss_and_gradients", lambda p, X, y: (
        mlp.loss_and_gradients(p, X, y)[0], {k: 3 * v for k, v in
                                              mlp.loss_and_gradients(p, X, y)[1].items()}))
    assert message is not None and "gradient" in message


def test_relu_prime_at_zero_only_as_the_text_says():
    assert judge("relu_prime", lambda z: (np.asarray(z) >= 0).astype(float)) is not None
    assert judge("relu_prime", lambda z: np.where(np.asarray(z) > 0, 1.0, 0.5)) is not None
    # in backpropagation both conventions give the same gradients on the hidden cases
    assert judge("loss_and_gradients", loop_loss_and_gradients) is None


def test_no_pre_activation_of_a_gradient_case_is_near_zero():
    for one in CHECKS["loss_and_gradients"].all_cases():
        params, X = one.args[0], one.args[1]
        pre = np.asarray(X) @ params["W1"] + params["b1"]
        # finite differences move a pre-activation by at most 2 h max|x| (and 2h through b1)
        assert np.abs(pre).min() > 1e-3, one.label
        assert 2 * af.FD_STEP * (np.abs(X).max() + 1) < 1e-3


def test_gradient_region_cases_are_off_the_knife_edge():
    for one in CHECKS["gradient_regions"].all_cases():
        dfdz, eps = np.asarray(one.args[0]), one.args[1]
        assert np.abs(np.abs(dfdz) - eps).min() > 1e-9, one.label
        near_top = np.abs(dfdz - (dfdz.max() - eps))
        assert near_top.min() > 1e-9, one.label


def test_lif_slope_at_one_only_as_the_text_says():
    from solutions.activations import lif_rate_prime
    for wrong in (np.nan, 0.0, 1e300):
        def with_value(current, tau_m, tau_ref, wrong=wrong):
            out = lif_rate_prime(current, tau_m, tau_ref)
            out[np.asarray(current) == 1.0] = wrong
            return out
        message = judge("lif_rate_prime", with_value)
        assert message is not None and "boundary: I = 1 exactly" in message


def test_an_overflowing_sigmoid_is_a_graded_failure_without_output():
    def textbook(z):
        return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # nothing may escape the check's recording
        results = run_cases(CHECKS["sigmoid"], textbook)
    assert all("value" in r for r in results)
    message = verdict("activation_functions.sigmoid", results)
    assert "RuntimeWarning raised" in message and "overflow" in message


def test_a_dict_cannot_pose_as_finite_differences():
    def forged(fprime, w, x, b):
        return {"estimate": [0, 0, 0], "tolerance": [1e300] * 3}
    assert judge("chain_rule", forged) is not None


def test_a_gradient_that_is_not_the_derivative_of_its_own_loss_fails():
    from solutions import mlp

    def loss_from_elsewhere(params, X, y):
        loss, grads = mlp.loss_and_gradients(params, X, y)
        return loss + 1e-3 * float(np.sum(params["w2"])), grads   # loss off by a w2 term
    assert judge("loss_and_gradients", loss_from_elsewhere) is not None


def test_training_checks_thresholds_not_weights():
    from solutions import mlp
    assert judge("train", lambda p, X, y, n_steps=300: mlp.train(p, X, y, n_steps, 0.02)) is None
    lazy = judge("train", lambda p, X, y, n_steps=300: mlp.train(p, X, y, n_steps, 1e-5))
    assert lazy is not None and "accuracy" in lazy

    def fixed_rng(X_train, y_train, X_test, y_test, n_hidden, rng, target=0.95,
                  max_restarts=20):
        return mlp.train_until_good(X_train, y_train, X_test, y_test, n_hidden,
                                    np.random.default_rng(0), target, max_restarts)
    ignores = judge("train_until_good", fixed_rng)
    assert ignores is not None and "another seed gives other weights" in ignores

    def fresh_entropy(X_train, y_train, X_test, y_test, n_hidden, rng, target=0.95,
                      max_restarts=20):
        return mlp.train_until_good(X_train, y_train, X_test, y_test, n_hidden,
                                    np.random.default_rng(), target, max_restarts)
    assert "same seed" in judge("train_until_good", fresh_entropy)


# ----- the source notebook and its release --------------------------------------------------------

@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_points_and_one_hidden_check_per_test_cell(notebook):
    auto = sum(_meta(c)["points"] for c in notebook.cells
               if _meta(c).get("grade") and not _meta(c)["solution"])
    manual = sum(_meta(c)["points"] for c in notebook.cells
                 if _meta(c).get("grade") and _meta(c)["solution"])
    assert (auto, manual) == (25, 8)
    assert "(33 points)" in notebook.cells[0].source and "**25 points" in notebook.cells[0].source
    called = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and _meta(cell).get("grade"):
            hidden, visible = cell.source.split("### END HIDDEN TESTS")
            assert hidden.startswith("### BEGIN HIDDEN TESTS")   # the check runs first
            assert "assert " in visible and "check(" not in visible
            names = called_checks(hidden)
            assert len(names) == 1, _meta(cell)["grade_id"]
            called.extend(names)
    assert sorted(called) == sorted(f"activation_functions.{n}" for n in CHECKS)


def test_notebook_is_stored_executed_in_instructor_mode(notebook):
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells)
    assert not [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for c in code_cells for o in c.outputs)
    for name in CHECKS:
        assert f"hidden check activation_functions.{name}: all" in text
    assert "write `" not in text


SEED = re.compile(r"\bseeds?\b", re.I)
RANDOM_CONTEXT = re.compile(r"\brng\b|default_rng|np\.random|Generator|random|seed\s*=", re.I)


def test_seed_only_ever_means_a_random_seed(notebook):
    """In cells and in case labels (which feedback shows), "seed" comes with a random context."""
    lines = [line for cell in notebook.cells for line in cell.source.splitlines()]
    lines += [one.label for item in af.CHECKS for one in item.all_cases()]
    assert not [line for line in lines if SEED.search(line) and not RANDOM_CONTEXT.search(line)]


def test_slider_cell_is_headless_safe_and_cached(notebook):
    sliders = [c for c in notebook.cells if "interactive_plot(" in c.source]
    assert len(sliders) == 1
    assert "nbval-ignore-output" in sliders[0].metadata.get("tags", [])
    assert "lru_cache" in sliders[0].source
    steps = sliders[0].source.split('choice_slider("training steps", [')[1].split("]")[0]
    assert max(int(s) for s in steps.split(",")) <= 300


def test_unfilled_release_is_calm(monkeypatch):
    """Given cells of the blank release never fail: plot cells print one line naming a stub."""
    import os
    from nbclient import NotebookClient

    nb = nbformat.read(RELEASE, as_version=4)
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    monkeypatch.delenv("PYTHONPATH", raising=False)      # no `solutions`, as for a student
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep
                       + os.environ.get("PATH", ""))
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(RELEASE.parent)}}).execute()
    asked = []
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if meta.get("grade") and not meta.get("solution"):
            assert errors, f"{meta['grade_id']} passes on an unfilled notebook"
        if meta.get("solution") or meta.get("grade"):
            continue
        assert not errors, (meta["grade_id"], errors[0].ename, errors[0].evalue)
        streams = [o for o in cell.outputs if o.output_type == "stream"]
        assert not [o for o in streams if o.name == "stderr"], meta["grade_id"]
        text = "".join(o.text for o in streams)
        if "with needs(" in cell.source:
            lines = [ln for ln in text.splitlines() if ln.strip()]
            assert len(lines) == 1 and re.fullmatch(r"write `\w+` above first", lines[0]), \
                (meta["grade_id"], text)
            asked.append(lines[0])
    assert "write `sigmoid_prime` above first" in asked and len(asked) >= 4


def test_every_rule_of_the_text_has_a_hidden_case():
    labels = {item.name: {one.label for one in item.all_cases()} for item in af.CHECKS}
    for rule, name, label in af.RULES:
        assert label in labels.get(name, set()), f"{rule}: check {name} has no case {label!r}"
    listed = {(name, label) for _, name, label in af.RULES}
    for item in af.CHECKS:
        for one in item.all_cases():
            if one.label.startswith("boundary"):
                assert (item.name, one.label) in listed, f"{item.name}: {one.label!r} has no rule"
    assert {item.name for item in af.CHECKS} == {name for _, name, _ in af.RULES}
