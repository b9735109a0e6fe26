"""Reference solutions of `activation_functions`, parts 1, 2 and 4 (instructor only).

Activation functions and their derivatives as numpy functions of arrays of any shape, the chain
rule for f(w x + b), and the slope of the LIF neuron's F-I curve. Sources of the exercises: Jeff
Orchard, CS 489/698 "Neural Networks", assignment 1 (2019), question 4 (ReLU's derivative, plots
of the logistic function, tanh and ReLU on [-6, 6], derivatives of f(wx + b)).

Conventions shared with the notebook and with ``course.checks.activation_functions``:

* ``relu_prime(0) = 0``: ReLU is not differentiable at 0 (every value in [0, 1] is a
  subgradient); 0 is what PyTorch and JAX use.
* ``sigmoid`` never overflows: ``exp`` is only ever taken of ``-|z|``, so |z| = 1000 raises no
  RuntimeWarning and gives exactly 0 or 1.
* ``lif_rate_prime``: 0 for I < 1, ``inf`` at I = 1 exactly (the one-sided slope from above;
  from below it is 0), the closed form for I > 1.

The finite-difference helpers at the end produce what the grader compares analytic derivatives
with: a central difference improved by one Richardson step, with a tolerance derived from the
differences at steps h and 2h (truncation) and from the rounding of f (see `derivative_estimate`).
"""
from __future__ import annotations

import numpy as np

from solutions.lif import lif_rate

EPS = np.finfo(float).eps
DOMAIN = (-6.0, 6.0)       # plots and gradient regions: z in [-6, 6] (CS 489/698, question 4b)


# ----- part 1: activation functions --------------------------------------------------------------

def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), elementwise; stable for any float z (no overflow)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))                 # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)) = e / (1 + e)^2 with e = exp(-|z|) (even in z)."""
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return e / (1.0 + e) ** 2


def tanh(z):
    return np.tanh(np.asarray(z, dtype=float))


def tanh_prime(z):
    """1 - tanh(z)^2."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z):
    """max(z, 0) elementwise."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_prime(z):
    """1 for z > 0, 0 for z <= 0 (convention: relu_prime(0) = 0)."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


def gradient_regions(dfdz, eps):
    """Where a derivative vanishes and where it is largest, on a grid of samples.

    dfdz: array of derivative values f'(z_k); eps > 0. Returns two boolean arrays of the shape of
    `dfdz`: `vanishing` = |f'| <= eps and `largest` = f' >= max(f') - eps.
    """
    dfdz = np.asarray(dfdz, dtype=float)
    return np.abs(dfdz) <= eps, dfdz >= dfdz.max() - eps


# ----- part 2: chain rule ------------------------------------------------------------------------

def chain_rule(fprime, w, x, b):
    """Derivatives of f(w x + b) with respect to x, w and b (arrays broadcast together).

    With u = w x + b: d/dx = f'(u) w, d/dw = f'(u) x, d/db = f'(u). Returns a tuple of three
    float arrays of the broadcast shape.
    """
    w, x, b = (np.asarray(a, dtype=float) for a in (w, x, b))
    slope = np.asarray(fprime(w * x + b), dtype=float)
    shape = np.broadcast_shapes(w.shape, x.shape, b.shape)
    return tuple(np.broadcast_to(d, shape).astype(float)
                 for d in (slope * w, slope * x, slope))


# ----- part 4: the LIF F-I curve as an activation function ----------------------------------------

def lif_rate_prime(current, tau_m, tau_ref):
    """d rate / d I of `lif_rate` (Hz per unit of drive); current: array (n,), returns (n,).

    rate = 1 / (tau_ref + tau_m ln(I / (I - 1))), so for I > 1
    d rate / d I = rate^2 tau_m / (I (I - 1)). It is 0 for I < 1 and inf at I = 1 exactly.
    """
    current = np.asarray(current, dtype=float)
    slope = np.zeros(current.shape)
    above = current > 1.0
    i = current[above]
    rate = 1.0 / (tau_ref + tau_m * np.log(i / (i - 1.0)))
    slope[above] = rate ** 2 * tau_m / (i * (i - 1.0))
    slope[current == 1.0] = np.inf
    return slope


# ----- finite differences (what the grader compares with) -----------------------------------------

def derivative_estimate(g, x, h):
    """Central-difference derivative of g at x with its error bound, elementwise.

    D(h) = (g(x + h) - g(x - h)) / 2h has truncation error ~ h^2 g''' / 6 and rounding error
    ~ eps |g| / h. One Richardson step, (4 D(h) - D(2h)) / 3, removes the h^2 term; what is left
    is far below |D(h) - D(2h)| (= 3/4 of the h^2 term of D(2h) - D(h), to leading order). The
    returned tolerance is 4 |D(h) - D(2h)| plus 16 eps max|g| / h plus 1e-12 of the estimate:
    generous against the estimate's own error, yet some 1e-8 of the derivative for smooth g.
    x and h broadcast; returns (estimate, tolerance).
    """
    x = np.asarray(x, dtype=float)
    h = np.asarray(h, dtype=float)
    values = [np.asarray(g(x + k * h), dtype=float) for k in (1, -1, 2, -2)]
    d1 = (values[0] - values[1]) / (2 * h)
    d2 = (values[2] - values[3]) / (4 * h)
    size = np.max(np.abs(values), axis=0)
    estimate = (4 * d1 - d2) / 3
    tolerance = 4 * np.abs(d1 - d2) + 16 * EPS * size / h + 1e-12 * np.abs(estimate)
    return estimate, tolerance


def chain_rule_by_differences(fprime, w, x, b):
    """Finite-difference estimates (with tolerances) of the three derivatives of f(w x + b).

    `fprime` must know its function as `fprime.f` (the hidden test's derivatives do). Returns
    {"estimate": [d/dx, d/dw, d/db], "tolerance": [...]}, arrays of the broadcast shape.
    """
    f = fprime.f
    w, x, b = (np.asarray(a, dtype=float) for a in (w, x, b))
    shape = np.broadcast_shapes(w.shape, x.shape, b.shape)
    w, x, b = (np.broadcast_to(a, shape) for a in (w, x, b))

    def step(a):
        return 1e-4 * np.maximum(1.0, np.abs(a))

    parts = [derivative_estimate(lambda t: f(w * t + b), x, step(x)),
             derivative_estimate(lambda t: f(t * x + b), w, step(w)),
             derivative_estimate(lambda t: f(w * x + t), b, step(b))]
    return {"estimate": [p[0] for p in parts], "tolerance": [p[1] for p in parts]}


def lif_rate_prime_by_differences(current, tau_m, tau_ref):
    """Finite-difference estimate of d lif_rate / dI with tolerances; exact where I <= 1.

    The step stays on one side of the kink at I = 1: h = min(1e-5 I, |I - 1| / 8). Where I < 1
    the slope is exactly 0 and at I = 1 it is inf (tolerance 0: only that value is accepted).
    """
    current = np.asarray(current, dtype=float)
    estimate = np.zeros(current.shape)
    tolerance = np.zeros(current.shape)
    above = current > 1.0
    i = current[above]
    h = np.minimum(1e-5 * i, (i - 1.0) / 8)
    estimate[above], tolerance[above] = derivative_estimate(
        lambda c: lif_rate(c, tau_m, tau_ref), i, h)
    estimate[current == 1.0] = np.inf
    return {"estimate": estimate, "tolerance": tolerance}
