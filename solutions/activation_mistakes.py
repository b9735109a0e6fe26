"""Common wrong versions of the `activation_functions` exercises, so hidden tests can name them.

Each function reproduces one mistake exactly and is listed in the `mistakes` of a Check in
`course.checks.activation_functions`.
"""
from __future__ import annotations

import numpy as np

from solutions import activations as act
from solutions import mlp


# ----- part 1 -----------------------------------------------------------------------------------

def sigmoid_overflows(z):
    """The textbook formula: exp(-z) overflows (RuntimeWarning) for z < -709."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def sigmoid_prime_plus(z):
    """sigma(z) (1 + sigma(z)) instead of sigma(z) (1 - sigma(z))."""
    s = act.sigmoid(z)
    return s * (1.0 + s)


def relu_max_along_axis(z):
    """np.max(z, 0): the largest element along axis 0, not the elementwise maximum with 0."""
    return np.max(np.asarray(z, dtype=float), 0)


def relu_prime_one_at_zero(z):
    """Derivative taken from the right side at 0: 1 for z >= 0."""
    return (np.asarray(z, dtype=float) >= 0).astype(float)


def gradient_regions_argmax(dfdz, eps):
    """Only the single argmax counts as 'largest'."""
    dfdz = np.asarray(dfdz, dtype=float)
    largest = np.zeros(dfdz.shape, dtype=bool)
    largest[np.unravel_index(np.argmax(dfdz), dfdz.shape)] = True
    return np.abs(dfdz) <= eps, largest


def gradient_regions_no_abs(dfdz, eps):
    """'Near zero' tested as f' <= eps, so every negative slope counts as vanishing."""
    dfdz = np.asarray(dfdz, dtype=float)
    return dfdz <= eps, dfdz >= dfdz.max() - eps


# ----- part 2 -----------------------------------------------------------------------------------

def chain_rule_without_w(fprime, w, x, b):
    """d/dx = f'(u), the chain factor w forgotten."""
    dx, dw, db = act.chain_rule(fprime, w, x, b)
    return db.copy(), dw, db


def chain_rule_without_x(fprime, w, x, b):
    """d/dw = f'(u), the chain factor x forgotten."""
    dx, dw, db = act.chain_rule(fprime, w, x, b)
    return dx, db.copy(), db


# ----- part 3 -----------------------------------------------------------------------------------

def logistic_loss_log_sigmoid(logits, y):
    """-mean(y log sigma(z) + (1 - y) log(1 - sigma(z))): log(0) = -inf once sigma rounds to 0 or 1."""
    z = np.asarray(logits, dtype=float)
    y = np.asarray(y, dtype=float)
    s = 1.0 / (1.0 + np.exp(-z))
    return float(-np.mean(y * np.log(s) + (1.0 - y) * np.log(1.0 - s)))


def loss_mean_gradients_summed(params, X, y):
    """The loss averaged over samples, its gradients summed (n times too large)."""
    loss, grads = mlp.loss_and_gradients(params, X, y)
    n = len(y)
    return loss, {k: (float(v * n) if k == "b2" else v * n) for k, v in grads.items()}


def loss_sum_gradients_mean(params, X, y):
    """The loss summed over samples, its gradients averaged (n times too small)."""
    loss, grads = mlp.loss_and_gradients(params, X, y)
    return loss * len(y), grads


def loss_bias_gradient_wrong_axis(params, X, y):
    """dL/db1 summed over the hidden units (axis 1) instead of over the samples (axis 0)."""
    X = np.asarray(X, dtype=float)
    loss, grads = mlp.loss_and_gradients(params, X, y)
    pre = X @ params["W1"] + params["b1"]
    z = act.relu(pre) @ params["w2"] + params["b2"]
    dpre = np.outer((act.sigmoid(z) - y) / len(y), params["w2"]) * act.relu_prime(pre)
    grads["b1"] = dpre.sum(axis=1)
    return loss, grads


def loss_without_readout_weight(params, X, y):
    """Backpropagation into the hidden layer without the chain factor w2."""
    X = np.asarray(X, dtype=float)
    loss, grads = mlp.loss_and_gradients(params, X, y)
    pre = X @ params["W1"] + params["b1"]
    z = act.relu(pre) @ params["w2"] + params["b2"]
    dz = (act.sigmoid(z) - y) / len(y)
    dpre = dz[:, None] * act.relu_prime(pre)
    grads["W1"], grads["b1"] = X.T @ dpre, dpre.sum(axis=0)
    return loss, grads


# ----- part 4 -----------------------------------------------------------------------------------

def lif_rate_prime_zero_at_rheobase(current, tau_m, tau_ref):
    """0 at I = 1 instead of inf."""
    slope = act.lif_rate_prime(current, tau_m, tau_ref)
    slope[np.isinf(slope)] = 0.0
    return slope


def lif_rate_prime_no_rate_squared(current, tau_m, tau_ref):
    """d(1/g) taken as -g' (the factor 1/g^2 = rate^2 is missing)."""
    current = np.asarray(current, dtype=float)
    slope = act.lif_rate_prime(current, tau_m, tau_ref)
    above = current > 1.0
    i = current[above]
    slope[above] = tau_m / (i * (i - 1.0))
    return slope


def lif_rate_prime_sign(current, tau_m, tau_ref):
    """Sign error in d ln(I / (I - 1)) / dI: the rate would fall as the drive rises."""
    slope = act.lif_rate_prime(current, tau_m, tau_ref)
    return np.where(np.isfinite(slope), -slope, slope)
