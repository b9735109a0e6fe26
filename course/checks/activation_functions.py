"""Hidden checks of `activation_functions`: fixed inputs (public) and where the reference lives.

The grader compares with `solutions.activations` and `solutions.mlp`. How results are compared:

* Activation functions, network outputs and initial weights: correct implementations differ by
  rounding only (another formula for the same value, another summation order), a few ulp of the
  result or ~1e-16 absolute where a formula cancels (1 - sigma(z) near z = 40). rtol = 1e-9 with
  atol = 1e-15 (values of order 1) separates that from every listed mistake, which changes results
  by 1e-3 or more.
* Stability: the sigmoid and the loss run under ``np.errstate(over/divide/invalid="warn")`` with
  warnings recorded; whether a RuntimeWarning was raised is part of the result, so an overflow is
  a graded failure (and prints nothing a grader would ignore).
* Derivatives (chain rule, LIF slope) are compared with central finite differences in float64,
  improved by one Richardson step; the tolerance comes from the difference between steps h and
  2h and from the rounding of f (`solutions.activations.derivative_estimate`), as in PyTorch's
  gradcheck but derived per element instead of fixed. Where the text fixes a value (I < 1: 0,
  I = 1: inf) only that value is accepted.
* Loss and gradients: the text allows the mean or the sum over samples, so comparisons are
  scale-invariant: the loss must equal the reference's mean or n times it, and the gradients
  the reference's times the same factor. The check also differentiates the student's own loss
  numerically (steps h and 2h) and requires the gradients to match it.
* Training is judged by thresholds (accuracy >= 0.95), never by exact weights: the optimiser and
  learning rate are the student's choice.
* ReLU'(0) = 0 is required of `relu_prime` (a case at z = 0 exactly). In the network either
  convention is accepted: no pre-activation of any case lies within 1e-3 of 0 (the tests verify
  it), so both give the same gradients.
"""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from course.checking import Check, case

REF = "solutions.activations:"
NET = "solutions.mlp:"
WRONG = "solutions.activation_mistakes:"
HERE = "course.checks.activation_functions:"
TARGET_ACCURACY = 0.95
MAX_RESTARTS = 20
FD_STEP = 1e-5          # step of the finite differences of the loss (steps h and 2h are used)


# ----- data and a network written independently of the reference --------------------------------

def circles():
    """The assignment's data: (X_train, X_test, y_train, y_test), 300 training and 100 test points."""
    return tuple(a.copy() for a in _circles())


@functools.lru_cache(maxsize=1)
def _circles():
    from sklearn.datasets import make_circles
    from sklearn.model_selection import train_test_split

    X, y = make_circles(n_samples=400, factor=0.3, noise=0.05, random_state=0)
    return train_test_split(X, y, stratify=y, random_state=0)


def uniform_params(n_in, n_hidden, seed):
    """Weights as the text prescribes (uniform in +-1/sqrt(fan_in)), from a seeded Generator."""
    rng = np.random.default_rng(seed)
    a, c = 1 / math.sqrt(n_in), 1 / math.sqrt(n_hidden)
    W1 = rng.uniform(-a, a, size=(n_in, n_hidden))
    b1 = rng.uniform(-a, a, size=n_hidden)
    w2 = rng.uniform(-c, c, size=n_hidden)
    return {"W1": W1, "b1": b1, "w2": w2, "b2": float(rng.uniform(-c, c))}


def network_logits(params, X):
    hidden = np.maximum(np.asarray(X, dtype=float) @ np.asarray(params["W1"], dtype=float)
                        + np.asarray(params["b1"], dtype=float), 0.0)
    return hidden @ np.asarray(params["w2"], dtype=float) + float(params["b2"])


def _accuracy(params, X, y):
    return float(np.mean((network_logits(params, X) > 0) == (np.asarray(y) == 1)))


class Derivative:
    """f' for the chain-rule check: call it like a function; `.f` is f (for finite differences)."""

    def __init__(self, name, f, fprime):
        self.name, self.f, self.fprime = name, f, fprime

    def __call__(self, u):
        return self.fprime(np.asarray(u, dtype=float))

    def __repr__(self):
        return f"<derivative of {self.name}>"


def _softplus(u):
    return np.logaddexp(0.0, u)


def _logistic(u):
    return 0.5 * (1.0 + np.tanh(0.5 * u))


SINE = Derivative("sin", np.sin, np.cos)
TANH = Derivative("tanh", np.tanh, lambda u: 1.0 / np.cosh(u) ** 2)
SOFTPLUS = Derivative("softplus", _softplus, _logistic)


# ----- adapters: run a target and return plain numbers -------------------------------------------

def _recording_warnings(call):
    """(result, whether a RuntimeWarning was raised) with overflow and friends switched on."""
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        result = call()
    return result, any(issubclass(w.category, RuntimeWarning) for w in caught)


def _values_and_warnings(target, z):
    values, warned = _recording_warnings(lambda: np.asarray(target(z), dtype=float))
    return {"values": values, "RuntimeWarning raised": warned}


def _array(target, *args):
    return np.asarray(target(*args), dtype=float)


def _masks(target, dfdz, eps):
    vanishing, largest = target(dfdz, eps)
    return [np.asarray(vanishing, dtype=bool), np.asarray(largest, dtype=bool)]


def _three(target, fprime, w, x, b):
    result = target(fprime, w, x, b)
    if isinstance(result, dict):
        return result   # the finite-difference reference; a student's dict is rejected later
    return [np.asarray(d, dtype=float) for d in result]


def _slopes(target, current, tau_m, tau_ref):
    result = target(current, tau_m, tau_ref)
    if isinstance(result, dict):
        return result   # the finite-difference reference; a student's dict is rejected later
    return np.asarray(result, dtype=float)


def _params_out(params):
    return {key: (float(params[key]) if key == "b2" else np.asarray(params[key], dtype=float))
            for key in ("W1", "b1", "w2", "b2")}


def _init(target, n_in, n_hidden, seed):
    return _params_out(target(n_in, n_hidden, np.random.default_rng(seed)))


def _forward(target, params, X):
    hidden, logits = target(params, X)
    return [np.asarray(hidden, dtype=float), np.asarray(logits, dtype=float)]


def _loss(target, logits, y):
    loss, warned = _recording_warnings(lambda: float(target(logits, y)))
    return {"loss": loss, "samples": len(y), "RuntimeWarning raised": warned}


def _perturbed(params, key, index, delta):
    moved = {k: (float(v) if k == "b2" else np.array(v, dtype=float)) for k, v in params.items()}
    if key == "b2":
        moved[key] += delta
    else:
        moved[key][index] += delta
    return moved


def _gradients_and_differences(target, params, X, y):
    """The student's loss and gradients, and central differences of the same loss (h and 2h)."""
    loss, grads = target(params, X, y)
    diffs = {}
    for scale in (1, 2):
        h = scale * FD_STEP
        out = {}
        for key in ("W1", "b1", "w2", "b2"):
            shape = np.shape(params[key])
            d = np.zeros(shape)
            for index in np.ndindex(shape) if shape else [()]:
                up = float(target(_perturbed(params, key, index, h), X, y)[0])
                down = float(target(_perturbed(params, key, index, -h), X, y)[0])
                d[index] = (up - down) / (2 * h)
            out[key] = float(d) if key == "b2" else d
        diffs[f"differences {scale}h"] = out
    return {"loss": float(loss), "samples": len(y), "step": FD_STEP,
            "gradients": {k: (float(grads[k]) if k == "b2" else np.asarray(grads[k], dtype=float))
                          for k in ("W1", "b1", "w2", "b2")},
            **diffs}


def _train(target, n_hidden, seed, n_steps):
    X_train, X_test, y_train, y_test = circles()
    trained, losses = target(uniform_params(2, n_hidden, seed), X_train, y_train, n_steps=n_steps)
    losses = np.asarray(losses, dtype=float).ravel()
    return {"training accuracy": _accuracy(trained, X_train, y_train),
            "test accuracy": _accuracy(trained, X_test, y_test),
            "first loss": float(losses[0]) if losses.size else math.nan,
            "samples": len(y_train),
            "losses recorded": int(losses.size), "steps": n_steps,
            "loss decreased": bool(losses.size > 1 and losses[-1] < losses[0])}


def _same(p, q):
    return all(np.array_equal(np.asarray(p[k], dtype=float), np.asarray(q[k], dtype=float))
               for k in ("W1", "b1", "w2", "b2"))


def _restarts(target, n_hidden, seed, other_seed):
    X_train, X_test, y_train, y_test = circles()

    def run(s):
        params, restarts, _ = target(X_train, y_train, X_test, y_test, n_hidden,
                                     np.random.default_rng(s))
        return params, restarts

    first, again, other = run(seed), run(seed), run(other_seed)
    return {"same seed gives the same weights and restarts":
            bool(_same(first[0], again[0]) and first[1] == again[1]),
            "another seed gives other weights": not _same(first[0], other[0]),
            "test accuracy": _accuracy(first[0], X_test, y_test),
            "restarts": int(first[1])}


# ----- comparisons (run in the grader; import the grader's helpers lazily) ----------------------

def _default(expected, got, item):
    from course.grading.compare import difference
    return difference(expected, got, item)


def _reveal():
    """Whether the message may show expected values (instructor mode only; feedback is no
    oracle)."""
    from course.grading.compare import revealing
    return revealing()


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def compare_with_differences(expected, got, item):
    """Analytic derivatives against finite-difference estimates +- their tolerance.

    `expected` is {"estimate", "tolerance"} from the reference; a plain result (a known mistake,
    when the grader looks for a hint) is compared as usual.
    """
    if not (isinstance(expected, dict) and "estimate" in expected):
        return _default(expected, got, item)
    if isinstance(got, dict):
        return "expected derivatives (arrays), got a dict"
    estimates, tolerances = _as_list(expected["estimate"]), _as_list(expected["tolerance"])
    got_list = _as_list(got)
    names = ["d/dx", "d/dw", "d/db"] if len(estimates) == 3 else ["slope"]
    if len(got_list) != len(estimates):
        return f"expected {len(estimates)} results ({', '.join(names)}), got {len(got_list)}"
    for name, est, tol, value in zip(names, estimates, tolerances, got_list):
        est, tol = np.asarray(est, dtype=float), np.asarray(tol, dtype=float)
        try:
            value = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return f"{name}: expected numbers, got {type(value).__name__}"
        if value.shape != est.shape:
            return f"{name}: expected shape {est.shape}, got {value.shape}"
        with np.errstate(invalid="ignore"):
            ok = (value == est) | (np.abs(value - est) <= tol)
        if not ok.all():
            bad = np.argwhere(~ok)
            index = tuple(int(i) for i in bad[0])
            mine = float(value[index])
            shown = (f"finite differences give {float(est[index])!r} (+- {tol[index]:.2g}), got "
                     f"{mine!r}") if _reveal() else \
                (f"got {mine!r}, which is not within +- {tol[index]:.2g} of the central finite "
                 "difference")
            return (f"{name}: {len(bad)} of {ok.size} values differ from central finite "
                    f"differences; first at index {index}: {shown}")
    return None


def _scale_of(loss, reference, n):
    """1 (mean) or n (sum) if `loss` is the reference's mean loss or n times it, else None."""
    for scale in (1, n):
        if np.isclose(loss, scale * reference, rtol=1e-9, atol=1e-12, equal_nan=True):
            return scale
    return None


def compare_loss(expected, got, item):
    """The loss may be the mean or the sum over samples; the warning flag must match."""
    if not isinstance(got, dict) or set(got) != set(expected):
        return _default(expected, got, item)
    if got["RuntimeWarning raised"] and not expected["RuntimeWarning raised"]:
        return ("your loss raised a RuntimeWarning (an overflow, log(0) or 0 * inf happened); "
                "the loss can be computed without one")
    if expected["RuntimeWarning raised"] and not got["RuntimeWarning raised"]:
        return "RuntimeWarning raised: expected True, got False"
    n = expected["samples"]
    if _scale_of(got["loss"], expected["loss"], n) is None:
        return _loss_message(expected, got, n)
    return None


def _loss_message(expected, got, n):
    """A wrong loss: the expected mean and sum only in instructor mode."""
    if _reveal():
        return (f"loss: expected the mean {expected['loss']!r} or the sum "
                f"{n * expected['loss']!r} over the {n} samples, got {got['loss']!r}")
    return (f"loss: got {got['loss']!r}, which is neither the mean nor the sum over the {n} "
            "samples of the expected loss (tolerance rtol=1e-9)")


def _consistent(result):
    """Do the result's gradients match central differences of its own loss? (message or None)"""
    h = result["step"]
    size = abs(result["loss"]) + 1.0
    for key, grad in result["gradients"].items():
        grad = np.asarray(grad, dtype=float)
        d1 = np.asarray(result["differences 1h"][key], dtype=float)
        d2 = np.asarray(result["differences 2h"][key], dtype=float)
        if grad.shape != d1.shape:
            return f"{key}: gradient of shape {grad.shape} for a parameter of shape {d1.shape}"
        estimate = (4 * d1 - d2) / 3
        tolerance = 4 * np.abs(d1 - d2) + 16 * np.finfo(float).eps * size / h \
            + 1e-9 * np.abs(estimate)
        bad = ~(np.abs(grad - estimate) <= tolerance)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            return (f"{key}: at index {index} finite differences of your own loss give "
                    f"{float(estimate[index])!r} (+- {tolerance[index]:.2g}), your gradient "
                    f"{float(grad[index])!r}")
    return None


def compare_gradients(expected, got, item):
    """Loss and gradients equal the reference's up to one factor, 1 (mean) or n (sum), and the
    gradients are those of the returned loss (finite differences)."""
    if not isinstance(got, dict) or set(got) != set(expected):
        return _default(expected, got, item)
    n = expected["samples"]
    scale = _scale_of(got["loss"], expected["loss"], n)
    if scale is None:
        return _loss_message(expected, got, n)
    size = max(float(np.max(np.abs(v))) for v in expected["gradients"].values())
    for key, reference in expected["gradients"].items():
        reference = np.asarray(reference, dtype=float) * scale
        value = np.asarray(got["gradients"][key], dtype=float)
        if value.shape != reference.shape:
            return f"gradient {key}: expected shape {reference.shape}, got {value.shape}"
        close = np.isclose(value, reference, rtol=1e-7, atol=1e-10 * scale * (size + 1e-3))
        if not close.all():
            index = tuple(int(i) for i in np.argwhere(~close)[0])
            which = "mean" if scale == 1 else "sum"
            mine = float(value[index])
            shown = f"expected {float(reference[index])!r} at index {index}, got {mine!r}" \
                if _reveal() else (f"{np.count_nonzero(~close)} of {close.size} values differ; "
                                   f"first at index {index}: got {mine!r}")
            return (f"gradient {key}: your loss is the {which} over samples, so the gradient is "
                    f"that of the {which} too; {shown} (tolerance rtol=1e-7)")
    if _consistent(expected) is None:
        message = _consistent(got)
        if message:
            return "your gradients are not the derivatives of your loss: " + message
    return None


def compare_training(expected, got, item):
    """Thresholds: accuracies >= 0.95, the loss fell, one loss per step, first loss right."""
    if not isinstance(got, dict) or set(got) != set(expected):
        return _default(expected, got, item)
    for key in ("training accuracy", "test accuracy"):
        if not got[key] >= TARGET_ACCURACY:
            return f"{key}: expected at least {TARGET_ACCURACY}, got {got[key]!r}"
    if got["losses recorded"] != got["steps"]:
        return (f"expected one loss per step ({got['steps']} for n_steps={got['steps']}), "
                f"got {got['losses recorded']}")
    if not got["loss decreased"]:
        return "the last loss is not smaller than the first"
    if _scale_of(got["first loss"], expected["first loss"], expected["samples"]) is None:
        value = (f", {expected['first loss']!r} (mean) or {expected['samples']} times it (sum)"
                 if _reveal() else " (its mean or sum over the samples)")
        return (f"first loss: expected the loss of the initial weights{value}, got "
                f"{got['first loss']!r}")
    return None


def compare_restarts(expected, got, item):
    """Deterministic given the rng, uses the rng, and ends with a network that is good enough."""
    if not isinstance(got, dict) or set(got) != set(expected):
        return _default(expected, got, item)
    for key in ("same seed gives the same weights and restarts", "another seed gives other weights"):
        if got[key] is not True:
            return f"{key}: expected True, got {got[key]!r} (draw every random number from rng)"
    if not got["test accuracy"] >= TARGET_ACCURACY:
        return f"test accuracy: expected at least {TARGET_ACCURACY}, got {got['test accuracy']!r}"
    if not 0 <= got["restarts"] <= MAX_RESTARTS:
        return f"restarts: expected a count between 0 and {MAX_RESTARTS}, got {got['restarts']!r}"
    return None


# ----- fixed inputs ------------------------------------------------------------------------------

def _grid(n=241):
    return np.linspace(-6.0, 6.0, n)


def _sigmoid_cases():
    rng = np.random.default_rng(31)
    return [
        case("z on [-6, 6], 241 points", _grid(), run=_values_and_warnings),
        case("boundary: |z| = 1000 and the overflow limit of exp", np.array(
            [-1000.0, -745.5, -710.0, -40.0, 0.0, 40.0, 710.0, 1000.0]), run=_values_and_warnings),
        case("a (3, 4) array of z ~ N(0, 9)", rng.normal(0, 3, (3, 4)), run=_values_and_warnings),
        case("a 0-d array z = 0.5", np.array(0.5), run=_values_and_warnings),
    ]


def _derivative_cases(extreme=True):
    rng = np.random.default_rng(32)
    cases = [case("z on [-6, 6], 241 points", _grid(), run=_array),
             case("a (2, 5) array of z ~ N(0, 4)", rng.normal(0, 2, (2, 5)), run=_array)]
    if extreme:
        cases.append(case("boundary: |z| = 1000, 40 and 0", np.array(
            [-1000.0, -40.0, 0.0, 40.0, 1000.0]), run=_array))
    return cases


def _relu_cases():
    rng = np.random.default_rng(33)
    return [
        case("z on [-6, 6], 241 points", _grid(), run=_array),
        case("a (3, 4) array", rng.normal(0, 2, (3, 4)), run=_array),
        case("boundary: z = 0 exactly, and +-1e-300", np.array([-1e-300, 0.0, 1e-300, -0.0]),
             run=_array),
    ]


def _gradient_region_cases():
    z = np.linspace(-6.0, 6.0, 241)
    e = np.exp(-np.abs(z))
    return [
        case("logistic derivative on [-6, 6], eps = 0.01", e / (1 + e) ** 2, 0.01, run=_masks),
        case("tanh derivative on [-6, 6], eps = 0.01", 1 / np.cosh(z) ** 2, 0.01, run=_masks),
        case("ReLU derivative on [-6, 6] (0 at z = 0), eps = 0.01", (z > 0).astype(float), 0.01,
             run=_masks),
        case("cos on [-6, 6] (negative slopes), eps = 0.05", np.cos(z + 0.013), 0.05, run=_masks),
        case("a (4, 30) array, eps = 0.1", np.random.default_rng(34).uniform(-1, 1, (4, 30)), 0.1,
             run=_masks),
    ]


def _chain_cases():
    rng = np.random.default_rng(35)
    shape = (40,)
    w, x, b = rng.uniform(-2, 2, shape), rng.uniform(-2, 2, shape), rng.uniform(-1, 1, shape)
    return [
        case("f = sin at 40 random points", SINE, w, x, b, run=_three),
        case("f = tanh at 40 random points", TANH, w * 0.7, x, b, run=_three),
        case("f = softplus, w (3, 1) with x (1, 4) and a scalar b", SOFTPLUS,
             rng.uniform(-2, 2, (3, 1)), rng.uniform(-2, 2, (1, 4)), 0.3, run=_three),
        case("floats: f = sin, w = 1.5, x = -0.4, b = 0.2", SINE, 1.5, -0.4, 0.2, run=_three),
    ]


def _network_params(n_in, n_hidden, seed):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0, 1, (n_in, n_hidden)), "b1": rng.normal(0, 0.5, n_hidden),
            "w2": rng.normal(0, 1, n_hidden), "b2": float(rng.normal(0, 0.5))}


def _init_cases():
    return [
        case("2 inputs, 5 hidden units, rng seed 1", 2, 5, 1, run=_init),
        case("2 inputs, 1000 hidden units, rng seed 2", 2, 1000, 2, run=_init),
        case("3 inputs, 4 hidden units, rng seed 3", 3, 4, 3, run=_init),
    ]


def _forward_cases():
    X_train = circles()[0]
    rng = np.random.default_rng(36)
    return [
        case("5 hidden units, 300 training points", _network_params(2, 5, 41), X_train,
             run=_forward),
        case("1000 hidden units, 20 points", _network_params(2, 1000, 42), X_train[:20],
             run=_forward),
        case("3 inputs, 4 hidden units, 7 points", _network_params(3, 4, 43),
             rng.normal(size=(7, 3)), run=_forward),
    ]


def _loss_cases():
    rng = np.random.default_rng(37)
    return [
        case("10 logits ~ N(0, 4)", rng.normal(0, 2, 10), rng.integers(0, 2, 10), run=_loss),
        case("boundary: |z| = 1000 on both sides of the labels",
             np.array([1000.0, -1000.0, 1000.0, -1000.0]), np.array([1, 0, 0, 1]), run=_loss),
        case("boundary: z = +-40, 0 and 1e-3", np.array([40.0, -40.0, 0.0, 1e-3, -40.0]),
             np.array([1, 0, 1, 0, 1]), run=_loss),
        case("one sample", np.array([0.7]), np.array([0]), run=_loss),
    ]


GRADIENT_CASES = [
    # (label, n_in, n_hidden, params seed, data)
    ("3 hidden units, 12 training points", 2, 3, 51, ("circles", 12)),
    ("8 hidden units, 40 training points", 2, 8, 56, ("circles", 40)),
    ("3 inputs, 4 hidden units, 9 random points", 3, 4, 53, ("normal", 9)),
]


def _gradient_cases():
    X_train, _, y_train, _ = circles()
    out = []
    for label, n_in, n_hidden, seed, (kind, n) in GRADIENT_CASES:
        if kind == "circles":
            X, y = X_train[:n], y_train[:n]
        else:
            rng = np.random.default_rng(seed + 100)
            X, y = rng.normal(size=(n, n_in)), rng.integers(0, 2, n)
        out.append(case(label, _network_params(n_in, n_hidden, seed), X, y,
                        run=_gradients_and_differences))
    out.append(case("visible: the fixed weights of the visible test, first 10 training points",
                    VISIBLE_WEIGHTS, X_train[:10], y_train[:10], run=_gradients_and_differences))
    return out


#: The weights the visible test of loss_and_gradients uses (2 inputs, 4 hidden units).
VISIBLE_WEIGHTS = {"W1": np.array([[0.5, -0.3, 0.2, -0.6], [0.4, 0.1, -0.5, 0.3]]),
                   "b1": np.array([0.1, -0.2, 0.05, 0.0]), "w2": np.array([0.7, -0.4, 0.3, 0.5]),
                   "b2": 0.1}


def _train_cases():
    return [case("1000 hidden units from fixed initial weights (rng seed 7), 100 steps", 1000, 7, 100,
                 run=_train)]


def _restart_cases():
    return [case("5 hidden units, rng seeds 8 (twice) and 0", 5, 8, 0, run=_restarts)]


def _lif_slope_cases():
    currents = np.array([0.5, 0.999, 1.0 + 1e-6, 1.001, 1.05, 1.2, 1.5, 2.0, 5.0, 10.0])
    return [
        case("tau_m = 20 ms, tau_ref = 2 ms", currents, 0.02, 0.002, run=_slopes),
        case("boundary: I = 1 exactly (and 0, 3)", np.array([0.0, 1.0, 3.0]), 0.02, 0.002,
             run=_slopes),
        case("tau_m = 10 ms, tau_ref = 0", currents, 0.01, 0.0, run=_slopes),
    ]


CHECKS = [
    Check("sigmoid", REF + "sigmoid", _sigmoid_cases, rtol=1e-9, atol=1e-15,
          mistakes={"overflow: exp(-z) at z = -1000 (also inside np.where) raises a "
                    "RuntimeWarning; take exp only of -|z|": WRONG + "sigmoid_overflows"}),
    Check("sigmoid_prime", REF + "sigmoid_prime", _derivative_cases, rtol=1e-9, atol=1e-15,
          mistakes={"the sigmoid derivative written as sigmoid(z)(1 + sigmoid(z))":
                    WRONG + "sigmoid_prime_plus"}),
    Check("tanh_prime", REF + "tanh_prime", lambda: _derivative_cases(extreme=False),
          rtol=1e-9, atol=1e-15),
    Check("relu", REF + "relu", _relu_cases, rtol=1e-12, atol=0.0,
          mistakes={"np.max(z, 0) reduces along axis 0; the elementwise maximum is "
                    "np.maximum(z, 0)": WRONG + "relu_max_along_axis"}),
    Check("relu_prime", REF + "relu_prime", _relu_cases, rtol=0.0, atol=0.0,
          mistakes={"a ReLU derivative at the wrong side: relu_prime(0) must be 0, not 1":
                    WRONG + "relu_prime_one_at_zero"}),
    Check("gradient_regions", REF + "gradient_regions", _gradient_region_cases,
          mistakes={"'largest' marks only the single argmax, not every point within eps of the "
                    "maximum": WRONG + "gradient_regions_argmax",
                    "'near zero' tested without the absolute value, so negative slopes count":
                    WRONG + "gradient_regions_no_abs"}),
    Check("chain_rule", REF + "chain_rule_by_differences", _chain_cases,
          compare=HERE + "compare_with_differences",
          mistakes={"forgetting the chain factor w in d/dx": WRONG + "chain_rule_without_w",
                    "forgetting the chain factor x in d/dw": WRONG + "chain_rule_without_x"}),
    Check("init_params", NET + "init_params", _init_cases, rtol=1e-12, atol=0.0),
    Check("forward", NET + "forward", _forward_cases, rtol=1e-9, atol=1e-12),
    Check("logistic_loss", NET + "logistic_loss", _loss_cases, compare=HERE + "compare_loss",
          mistakes={"an unstable log(sigmoid) that gives nan or inf for large |z|; use "
                    "np.logaddexp(0, z) - y z": WRONG + "logistic_loss_log_sigmoid"}),
    Check("loss_and_gradients", NET + "loss_and_gradients", _gradient_cases,
          compare=HERE + "compare_gradients",
          mistakes={"the loss averaged against gradients that are summed over samples":
                    WRONG + "loss_mean_gradients_summed",
                    "the loss summed against gradients that are averaged over samples":
                    WRONG + "loss_sum_gradients_mean",
                    "the bias gradient summed over the wrong axis (hidden units instead of "
                    "samples)": WRONG + "loss_bias_gradient_wrong_axis",
                    "forgetting the chain factor w2 when backpropagating into the hidden layer":
                    WRONG + "loss_without_readout_weight"}),
    Check("train", NET + "train", _train_cases, compare=HERE + "compare_training"),
    Check("train_until_good", NET + "train_until_good", _restart_cases,
          compare=HERE + "compare_restarts"),
    Check("lif_rate_prime", REF + "lif_rate_prime_by_differences", _lif_slope_cases,
          compare=HERE + "compare_with_differences",
          mistakes={"0 at I = 1: the text asks for inf there (the slope from above)":
                    WRONG + "lif_rate_prime_zero_at_rheobase",
                    "the derivative of 1/g taken as -g' (the factor rate^2 is missing)":
                    WRONG + "lif_rate_prime_no_rate_squared",
                    "a sign error in the derivative of ln(I / (I - 1))":
                    WRONG + "lif_rate_prime_sign"}),
]


# ----- every rule the notebook states, with the hidden case that tests it ------------------------

RULES = [
    ("sigmoid: 1 / (1 + exp(-z)) elementwise", "sigmoid", "z on [-6, 6], 241 points"),
    ("sigmoid: arrays of any shape keep their shape", "sigmoid", "a (3, 4) array of z ~ N(0, 9)"),
    ("sigmoid: a 0-d array works", "sigmoid", "a 0-d array z = 0.5"),
    ("sigmoid: no overflow warning at |z| = 1000 (exact 0 and 1)", "sigmoid",
     "boundary: |z| = 1000 and the overflow limit of exp"),
    ("sigmoid_prime: sigma (1 - sigma)", "sigmoid_prime", "z on [-6, 6], 241 points"),
    ("sigmoid_prime: any shape", "sigmoid_prime", "a (2, 5) array of z ~ N(0, 4)"),
    ("sigmoid_prime: finite (0) at |z| = 1000", "sigmoid_prime", "boundary: |z| = 1000, 40 and 0"),
    ("tanh_prime: 1 - tanh^2", "tanh_prime", "z on [-6, 6], 241 points"),
    ("tanh_prime: any shape", "tanh_prime", "a (2, 5) array of z ~ N(0, 4)"),
    ("relu: max(z, 0) elementwise", "relu", "z on [-6, 6], 241 points"),
    ("relu: any shape (elementwise, not along an axis)", "relu", "a (3, 4) array"),
    ("relu: 0 at z = 0, tiny values kept", "relu", "boundary: z = 0 exactly, and +-1e-300"),
    ("relu_prime: 1 for z > 0, 0 for z < 0", "relu_prime", "z on [-6, 6], 241 points"),
    ("relu_prime: any shape", "relu_prime", "a (3, 4) array"),
    ("relu_prime: ReLU'(0) = 0 (this course's convention)", "relu_prime",
     "boundary: z = 0 exactly, and +-1e-300"),
    ("gradient_regions: vanishing where |f'| <= eps (absolute value)", "gradient_regions",
     "cos on [-6, 6] (negative slopes), eps = 0.05"),
    ("gradient_regions: largest = every point within eps of the maximum", "gradient_regions",
     "ReLU derivative on [-6, 6] (0 at z = 0), eps = 0.01"),
    ("gradient_regions: any shape", "gradient_regions", "a (4, 30) array, eps = 0.1"),
    ("chain_rule: (f'(u) w, f'(u) x, f'(u)), checked by finite differences", "chain_rule",
     "f = sin at 40 random points"),
    ("chain_rule: w, x, b broadcast; results have the broadcast shape", "chain_rule",
     "f = softplus, w (3, 1) with x (1, 4) and a scalar b"),
    ("chain_rule: floats work", "chain_rule", "floats: f = sin, w = 1.5, x = -0.4, b = 0.2"),
    ("init_params: uniform +-1/sqrt(fan_in), draw order W1, b1, w2, b2 from rng", "init_params",
     "2 inputs, 5 hidden units, rng seed 1"),
    ("init_params: n_in is a parameter", "init_params", "3 inputs, 4 hidden units, rng seed 3"),
    ("forward: (hidden (n, H), logits (n,))", "forward", "5 hidden units, 300 training points"),
    ("forward: any number of inputs", "forward", "3 inputs, 4 hidden units, 7 points"),
    ("logistic_loss: softplus(z) - y z, mean or sum over samples", "logistic_loss",
     "10 logits ~ N(0, 4)"),
    ("logistic_loss: finite and no warning at |z| = 1000", "logistic_loss",
     "boundary: |z| = 1000 on both sides of the labels"),
    ("logistic_loss: sigma rounds to 0 or 1 at |z| = 40 and the loss stays right", "logistic_loss",
     "boundary: z = +-40, 0 and 1e-3"),
    ("loss_and_gradients: the reference's gradients times the loss's factor (1 or n)",
     "loss_and_gradients", "3 hidden units, 12 training points"),
    ("loss_and_gradients: gradients are the derivatives of the returned loss",
     "loss_and_gradients", "8 hidden units, 40 training points"),
    ("loss_and_gradients: either ReLU'(0) (no pre-activation is 0)", "loss_and_gradients",
     "3 inputs, 4 hidden units, 9 random points"),
    ("train: 1000 units reach accuracy >= 0.95, one loss per step, losses[0] initial", "train",
     "1000 hidden units from fixed initial weights (rng seed 7), 100 steps"),
    ("train_until_good: deterministic given rng, uses rng, test accuracy >= target",
     "train_until_good", "5 hidden units, rng seeds 8 (twice) and 0"),
    ("lif_rate_prime: tau_m rate^2 / (I (I - 1)) for I > 1, 0 for I < 1", "lif_rate_prime",
     "tau_m = 20 ms, tau_ref = 2 ms"),
    ("lif_rate_prime: inf at I = 1 exactly", "lif_rate_prime", "boundary: I = 1 exactly (and 0, 3)"),
    ("lif_rate_prime: tau_m and tau_ref are parameters", "lif_rate_prime",
     "tau_m = 10 ms, tau_ref = 0"),
]
