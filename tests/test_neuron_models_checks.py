"""Hidden checks of `neuron_models` and the source notebook's nbgrader structure.

* The reference passes every check; every listed mistake fails with a message that names it, and
  a second, independently written version of each mistake also fails.
* Two correct implementations written here, independently of the reference, pass every check:
  one with explicit Python loops (one neuron at a time, other operation order) and one vectorised
  differently (other formulas for the same quantities).
* No case sits on a knife edge: perturbing any input by a relative 1e-11 changes no verdict.
* The notebook's metadata is valid nbgrader schema 3, the points add up, every check is called
  once from a test cell with visible asserts, and the unfilled release runs calmly.
"""
import ast
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.nbgraderformat import MetadataValidator
from scipy import optimize

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.checking import Case, load_object, run_cases  # noqa: E402
from course.checks import neuron_models  # noqa: E402
from course.grading.compare import called_checks, case_failures, quiet_numerics, verdict  # noqa: E402

CHECKS = {item.name: item for item in neuron_models.CHECKS}
A = "neuron_models"
NOTEBOOK = ROOT / "source" / A / f"{A}.ipynb"
RELEASE = ROOT / "release" / A / f"{A}.ipynb"


# ===== independent correct implementations: explicit loops ========================================

def loop_fixed_points(v0, model):
    if model == "lif":
        return [(v0 * 1.0, "stable")]
    out = []
    if v0 == 0:
        out.append((0.0, "half-stable"))
    elif v0 < 0:
        for sign in (1, -1):
            root = sign * (-v0) ** 0.5
            out.append((root, "unstable" if 2 * root > 0 else "stable"))   # f'(V) = 2V
    return sorted(out)


def loop_simulate_if(v0, model, t_max=1000.0, dt=0.1, tau=10.0, v_th=10.0, v_reset=0.0,
                     t_ref=5.0):
    v0 = np.asarray(v0, dtype=float)
    rates = np.zeros(v0.shape)
    n_steps = int(round(t_max / dt))
    n_ref = int(round(t_ref / dt))
    for index in np.ndindex(v0.shape):
        drive = float(v0[index])
        v, spikes, wait = v_reset, 0, 0
        for _ in range(n_steps):
            if wait:
                wait -= 1
                continue
            slope = (drive - v) if model == "lif" else (drive + v * v)
            v = v + slope * dt / tau
            if v >= v_th:
                spikes, v, wait = spikes + 1, v_reset, n_ref
        rates[index] = spikes * 1000.0 / t_max
    return rates


def loop_lif_rate(v0, tau=10.0, v_th=10.0, v_reset=0.0, t_ref=5.0):
    return np.array([1.0 / (t_ref + tau * (math.log(x - v_reset) - math.log(x - v_th))) * 1e3
                     if x > v_th else 0.0 for x in np.ravel(v0)]).reshape(np.shape(v0))


def loop_qif_rate(v0, tau=10.0, v_th=10.0, v_reset=0.0, t_ref=5.0):
    out = []
    for x in np.ravel(v0):
        if x <= 0:
            out.append(0.0)
            continue
        s = math.sqrt(x)
        out.append(1e3 / (t_ref + tau * (math.atan(v_th / s) - math.atan(v_reset / s)) / s))
    return np.array(out).reshape(np.shape(v0))


def curve_fit_relu(x, y):
    """Brute force over the kink position, then scipy's curve_fit from the best grid point."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def f(x, a, b):
        return np.maximum(0.0, a * (x - b))

    best = None
    for b in np.linspace(x.min() - (x.max() - x.min()), x.max(), 2001):
        z = np.clip(x - b, 0, None)
        a = (z @ y) / (z @ z) if z @ z else 0.0
        rss = ((y - a * z) ** 2).sum()
        if best is None or rss < best[0]:
            best = (rss, a, b)
    (a, b), _ = optimize.curve_fit(f, x, y, p0=best[1:], xtol=1e-13, ftol=1e-13, maxfev=10000)
    return float(a), float(b), float(((y - f(x, a, b)) ** 2).sum())


def curve_fit_sigmoid(x, y):
    import warnings
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def f(x, c, d, e):
        return c / (1 + np.exp((d - x) / e))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, _ = optimize.curve_fit(f, x, y, p0=[y.max(), x.mean(), np.ptp(x) / 4])
    return float(p[0]), float(p[1]), float(p[2]), float(((y - f(x, *p)) ** 2).sum())


def nelder_mead_sigmoid(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def rss(p):
        c, d, e = p
        return float(np.sum((c / (1 + np.exp(-(x - d) / e)) - y) ** 2))

    p = optimize.minimize(rss, [y.max(), x.mean(), (x.max() - x.min()) / 4], method="Nelder-Mead",
                          options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40000,
                                   "maxfev": 40000}).x
    p = optimize.minimize(rss, p, method="BFGS", options={"gtol": 1e-10}).x
    return float(p[0]), float(p[1]), float(p[2]), rss(p)


def bisect_relu(x, y):
    """Golden-section search on the kink between every pair of data points, closed-form slope."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def rss_of(b):
        z = np.maximum(x - b, 0.0)
        a = np.dot(z, y) / np.dot(z, z) if np.dot(z, z) > 0 else 0.0
        return np.sum((a * z - y) ** 2), a

    xs = np.sort(np.unique(x))
    best = (np.inf, 0.0, 0.0)
    for lo, hi in zip(np.r_[2 * xs[0] - xs[-1], xs[:-1]], xs):
        res = optimize.minimize_scalar(lambda b: rss_of(b)[0], bracket=None, bounds=(lo, hi),
                                       method="bounded", options={"xatol": 1e-13})
        for b in (lo, hi, res.x):
            r, a = rss_of(b)
            if r < best[0]:
                best = (r, a, b)
    return float(best[1]), float(best[2]), float(best[0])


def loop_hh_rates(v):
    def one(x):
        def lin(c, shift):             # c (V + shift) / (1 - exp(-(V + shift)/10))
            u = x + shift
            if abs(u) < 1e-7:
                return c * (10.0 + u / 2.0)
            return c * u / (1.0 - math.exp(-u / 10.0))
        return (lin(0.01, 55.0), 0.125 * math.exp(-(x + 65.0) / 80.0), lin(0.1, 40.0),
                4.0 * math.exp(-0.0556 * (x + 65.0)), 0.07 * math.exp(-(x + 65.0) / 20.0),
                1.0 / (1.0 + math.exp(-(x + 35.0) / 10.0)))
    flat = [one(float(x)) for x in np.ravel(v)]
    return tuple(np.array([f[i] for f in flat]).reshape(np.shape(v)) for i in range(6))


def vec_hh_rates(v):
    v = np.asarray(v, dtype=float)

    def lin(c, u):
        with np.errstate(invalid="ignore", divide="ignore"):
            value = c * u / (1.0 - np.exp(-u / 10.0))
        return np.where(np.abs(u) < 1e-9, c * 10.0, value)

    return (lin(0.01, v + 55), 0.125 * np.exp(-0.0125 * (v + 65)), lin(0.1, v + 40),
            4 * np.exp(-0.0556 * (v + 65)), 0.07 * np.exp(-0.05 * (v + 65)),
            1 / (1 + np.exp(-0.1 * (v + 35))))


def _hh_constants():
    return 0.01, (0.003, -54.387), (0.36, -77.0), (1.2, 50.0)


def loop_simulate_hh(i_e, t_max, dt=0.01, v_init=-65.0):
    c_m, (gl, el), (gk, ek), (gna, ena) = _hh_constants()
    currents = np.atleast_1d(np.asarray(i_e, dtype=float))
    n_steps = int(round(t_max / dt))
    out = np.zeros((n_steps + 1, currents.size))
    for j, current in enumerate(currents):
        v = v_init
        an, bn, am, bm, ah, bh = (float(r) for r in loop_hh_rates(v))
        n, m, h = an / (an + bn), am / (am + bm), ah / (ah + bh)
        out[0, j] = v
        for k in range(1, n_steps + 1):
            an, bn, am, bm, ah, bh = (float(r) for r in loop_hh_rates(v))
            conductances = [(gl, el), (gk * n ** 4, ek), (gna * m ** 3 * h, ena)]
            total = sum(g for g, _ in conductances)
            target = (sum(g * e for g, e in conductances) + current * 1e-3) / total
            gates = []
            for x, a, b in ((n, an, bn), (m, am, bm), (h, ah, bh)):
                inf = a / (a + b)
                gates.append(inf - (inf - x) * math.exp(-(a + b) * dt))
            n, m, h = gates
            v = target - (target - v) * math.exp(-dt * total / c_m)
            out[k, j] = v
    return out.reshape((n_steps + 1,) + np.shape(i_e))


def vec_simulate_hh(i_e, t_max, dt=0.01, v_init=-65.0):
    c_m, (gl, el), (gk, ek), (gna, ena) = _hh_constants()
    i_e = np.asarray(i_e, dtype=float)
    v = np.full(i_e.shape, v_init)
    rates = vec_hh_rates(v)
    gates = [rates[0] / (rates[0] + rates[1]), rates[2] / (rates[2] + rates[3]),
             rates[4] / (rates[4] + rates[5])]
    trace = [v.copy()]
    for _ in range(int(round(t_max / dt))):
        r = vec_hh_rates(v)
        n, m, h = gates
        g = np.stack([np.full(v.shape, gl), gk * n ** 4, gna * m ** 3 * h])
        e = np.array([el, ek, ena]).reshape((3,) + (1,) * v.ndim)
        total = g.sum(axis=0)
        v_inf = ((g * e).sum(axis=0) + i_e / 1000) / total
        gates = [(a / (a + b)) * (1 - np.exp(-dt * (a + b))) + x * np.exp(-dt * (a + b))
                 for x, a, b in zip(gates, r[0::2], r[1::2])]
        v = v_inf * (1 - np.exp(-dt * total / c_m)) + v * np.exp(-dt * total / c_m)
        trace.append(v)
    return np.array(trace)


def _cs_alpha_beta(v, lin):
    return ((lin(0.38, v + 29.7), 15.2 * np.exp(-0.0556 * (v + 54.7))),
            (0.266 * np.exp(-0.05 * (v + 48)), 3.8 / (1 + np.exp(-0.1 * (v + 18)))),
            (lin(0.02, v + 45.7), 0.25 * np.exp(-0.0125 * (v + 55.7))))


def vec_cs_gates(v):
    v = np.asarray(v, dtype=float)

    def lin(c, u):
        with np.errstate(invalid="ignore", divide="ignore"):
            value = c * u / (1.0 - np.exp(-u / 10.0))
        return np.where(u == 0, c * 10.0, value)

    out = []
    for a, b in _cs_alpha_beta(v, lin):
        out += [a / (a + b), 1 / (a + b)]
    a_inf = np.cbrt(0.0761 * np.exp(0.0314 * (v + 94.22)) / (1 + np.exp(0.0346 * (v + 1.17))))
    b_inf = (1 + np.exp(0.0688 * (v + 53.3))) ** -4.0
    return tuple(out) + (a_inf, 0.3632 + 1.158 / (1 + np.exp(0.0497 * (v + 55.96))),
                         b_inf, 1.24 + 2.678 / (1 + np.exp(0.0624 * (v + 50))))


def loop_cs_gates(v):
    def lin(c, u):
        u = float(u)
        return c * (10.0 + u / 2.0) if abs(u) < 1e-8 else c * u / -math.expm1(-u / 10.0)

    flat = []
    for x in np.ravel(np.asarray(v, dtype=float)):
        row = []
        for a, b in _cs_alpha_beta(x, lin):
            row += [float(a / (a + b)), float(1 / (a + b))]
        a_inf = (0.0761 * math.exp(0.0314 * (x + 94.22)) / (1 + math.exp(0.0346 * (x + 1.17)))) ** (1 / 3)
        row += [a_inf, 0.3632 + 1.158 / (1 + math.exp(0.0497 * (x + 55.96))),
                1 / (1 + math.exp(0.0688 * (x + 53.3))) ** 4,
                1.24 + 2.678 / (1 + math.exp(0.0624 * (x + 50)))]
        flat.append(row)
    return tuple(np.array([r[i] for r in flat]).reshape(np.shape(v)) for i in range(10))


CS = dict(g_l=0.003, g_na=1.2, g_k=0.2, e_na=55.0, e_k=-72.0, e_a=-75.0)


def vec_simulate_cs(i_e, t_max, dt=0.01, g_a=0.477, e_l=-17.0, v_init=-68.0):
    shape = np.broadcast_shapes(np.shape(i_e), np.shape(g_a), np.shape(e_l))
    i_e = np.broadcast_to(np.asarray(i_e, dtype=float) * 1e-3, shape)
    g_a, e_l = np.broadcast_to(g_a, shape), np.broadcast_to(e_l, shape)
    v = np.full(shape, v_init)
    gates = list(vec_cs_gates(v)[0::2])             # m, h, n, a, b at steady state
    trace = np.empty((int(round(t_max / dt)) + 1,) + shape)
    trace[0] = v
    for k in range(1, trace.shape[0]):
        g = vec_cs_gates(v)
        infs, taus = g[0::2], g[1::2]
        m, h, n, a, b = gates
        conductances = [(CS["g_l"], e_l), (CS["g_na"] * m ** 3 * h, CS["e_na"]),
                        (CS["g_k"] * n ** 4, CS["e_k"]), (g_a * a ** 3 * b, CS["e_a"])]
        total = sum(c for c, _ in conductances)
        v_inf = (sum(c * e for c, e in conductances) + i_e) / total
        gates = [inf + (x - inf) * np.exp(-dt / tau) for x, inf, tau in zip(gates, infs, taus)]
        v = v_inf + (v - v_inf) * np.exp(-dt * total / 0.01)
        trace[k] = v
    return trace


def loop_simulate_cs(i_e, t_max, dt=0.01, g_a=0.477, e_l=-17.0, v_init=-68.0):
    shape = np.broadcast_shapes(np.shape(i_e), np.shape(g_a), np.shape(e_l))
    i_all = np.broadcast_to(i_e, shape)
    g_all, e_all = np.broadcast_to(g_a, shape), np.broadcast_to(e_l, shape)
    n_steps = int(round(t_max / dt))
    out = np.empty((n_steps + 1,) + shape)
    for index in np.ndindex(shape) if shape else [()]:
        out[(slice(None),) + index] = vec_simulate_cs(float(i_all[index]), t_max, dt,
                                                      float(g_all[index]), float(e_all[index]),
                                                      v_init)
    return out


def loop_fi_onset(currents, rates):
    for c, r in zip(currents, rates):
        if r > 0:
            return float(c), float(r)
    return math.nan, 0.0


def vec_fi_onset(currents, rates):
    rates = np.asarray(rates)
    if not (rates > 0).any():
        return float("nan"), 0.0
    k = int(np.argmax(rates > 0))
    return float(np.asarray(currents)[k]), float(rates[k])


def loop_simulate_adex(current, dt, params):
    """One neuron at a time, plain floats, w updated before V (from the old values)."""
    p = params
    current = np.asarray(current, dtype=float)
    columns = current.reshape(current.shape[0], -1)
    v_out, w_out = np.zeros(columns.shape), np.zeros(columns.shape)
    s_out = np.zeros(columns.shape, dtype=bool)
    for j in range(columns.shape[1]):
        v, w = p["e_l"], 0.0
        v_out[0, j], w_out[0, j] = v, w
        for k in range(columns.shape[0] - 1):
            w_next = w + dt / p["tau_w"] * (p["a"] * (v - p["e_l"]) - w)
            v_next = v + dt / p["c_m"] * (p["g_l"] * (p["e_l"] - v) + columns[k, j] - w
                                          + p["g_l"] * p["delta_t"] * math.exp((v - p["v_t"]) / p["delta_t"]))
            if v_next >= p["v_peak"]:
                v_next, w_next = p["v_r"], w_next + p["b"]
                s_out[k + 1, j] = True
            v, w = v_next, w_next
            v_out[k + 1, j], w_out[k + 1, j] = v, w
    return v_out.reshape(current.shape), w_out.reshape(current.shape), s_out.reshape(current.shape)


def vec_simulate_adex(current, dt, params):
    p = params
    current = np.asarray(current, dtype=float)
    v, w = np.full(current.shape[1:], p["e_l"]), np.zeros(current.shape[1:])
    vs, ws, ss = [v], [w], [np.zeros(current.shape[1:], dtype=bool)]
    for i_k in current[:-1]:
        tau_m = p["c_m"] / p["g_l"]
        dv = (p["e_l"] - v + p["delta_t"] * np.exp((v - p["v_t"]) / p["delta_t"])) / tau_m \
            + (i_k - w) / p["c_m"]
        w = w + dt * (p["a"] * (v - p["e_l"]) - w) / p["tau_w"]
        v = v + dt * dv
        fired = v >= p["v_peak"]
        v = np.where(fired, p["v_r"], v)
        w = w + p["b"] * fired
        vs.append(v), ws.append(w), ss.append(fired)
    return np.array(vs), np.array(ws), np.array(ss)


def loop_random_step_current(n_steps, dt, hold, low, high, rng):
    per_level = round(hold / dt)
    levels = rng.uniform(low, high, size=(n_steps + per_level - 1) // per_level)
    return np.array([levels[k // per_level] for k in range(n_steps)])


def vec_random_step_current(n_steps, dt, hold, low, high, rng):
    m = int(round(hold / dt))
    levels = rng.uniform(low, high, size=math.ceil(n_steps / m))
    return np.repeat(levels, m)[:n_steps]


def alt_adex_rheobase(params):
    """Maximise the nullcline current numerically (bounded search), then polish with Newton."""
    p = params

    def current(v):
        return (p["g_l"] + p["a"]) * (v - p["e_l"]) - p["g_l"] * p["delta_t"] * math.exp(
            (v - p["v_t"]) / p["delta_t"])

    res = optimize.minimize_scalar(lambda v: -current(v), bounds=(p["v_t"] - 20, p["v_t"] + 20),
                                   method="bounded", options={"xatol": 1e-12})
    v = res.x
    for _ in range(5):   # Newton on the derivative
        d1 = (p["g_l"] + p["a"]) - p["g_l"] * math.exp((v - p["v_t"]) / p["delta_t"])
        d2 = -p["g_l"] / p["delta_t"] * math.exp((v - p["v_t"]) / p["delta_t"])
        v -= d1 / d2
    return current(v)


def alt_classify_firing(spike_times):
    t = list(spike_times)
    isi = [b - a for a, b in zip(t, t[1:])]
    if len(isi) <= 3:
        return "too few spikes"
    late = isi[len(isi) // 2:]
    if max(late) / min(late) > 3:
        return "bursting"
    for i in range(3):
        if isi[i + 1] / isi[i] > 3:
            return "initial burst"
    return "adapting" if isi[-1] / isi[0] > 1.5 else "tonic"


def alt_isi_rates(spike_times):
    t = np.sort(np.asarray(spike_times, dtype=float))
    isi = np.diff(t)
    if isi.size == 0:
        return 0.0, 0.0
    return float(1e3 / isi[0]), float(1e3 / isi[-1])


def loop_isi_rates(spike_times):
    t = [float(x) for x in spike_times]
    if len(t) < 2:
        return 0.0, 0.0
    return 1000.0 / (t[1] - t[0]), 1000.0 / (t[-1] - t[-2])


ALT_EFFECTS = dict(b="fewer", a="fewer", tau_w="fewer", v_r="more", v_t="fewer", delta_t="more")

LOOP = {
    "fixed_points": loop_fixed_points, "simulate_if": loop_simulate_if,
    "lif_rate": loop_lif_rate, "qif_rate": loop_qif_rate, "fit_relu": curve_fit_relu,
    "fit_sigmoid": curve_fit_sigmoid, "hh_rates": loop_hh_rates, "simulate_hh": loop_simulate_hh,
    "cs_gates": loop_cs_gates, "simulate_cs": loop_simulate_cs, "fi_onset": loop_fi_onset,
    "simulate_adex": loop_simulate_adex, "random_step_current": loop_random_step_current,
    "adex_rheobase": alt_adex_rheobase, "classify_firing": alt_classify_firing,
    "isi_rates": loop_isi_rates, "effects": ALT_EFFECTS,
}


def vec_simulate_if(v0, model, t_max=1000.0, dt=0.1, tau=10.0, v_th=10.0, v_reset=0.0,
                    t_ref=5.0):
    v0 = np.asarray(v0, dtype=float)
    v = v_reset + 0 * v0
    refractory_until = np.full(v0.shape, -1)
    n = np.zeros(v0.shape)
    n_ref = int(round(t_ref / dt))
    for k in range(int(round(t_max / dt))):
        active = k > refractory_until
        f = v0 - v if model == "lif" else v0 + np.square(v)
        v = np.where(active, v + (dt / tau) * f, v)
        spike = active & (v >= v_th)
        n = n + spike
        v = np.where(spike, v_reset, v)
        refractory_until = np.where(spike, k + n_ref, refractory_until)
    return n * (1000.0 / t_max)


def vec_lif_rate(v0, tau=10.0, v_th=10.0, v_reset=0.0, t_ref=5.0):
    v0 = np.asarray(v0, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        period = t_ref + tau * np.log1p((v_th - v_reset) / (v0 - v_th))
        return np.where(v0 > v_th, 1000.0 / period, 0.0)


def vec_qif_rate(v0, tau=10.0, v_th=10.0, v_reset=0.0, t_ref=5.0):
    v0 = np.asarray(v0, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(v0)
        # arctan difference as one arctan: atan(x) - atan(y) = atan((x - y)/(1 + x y)) (+pi)
        x, y = v_th / s, v_reset / s
        diff = np.arctan2(x - y, 1 + x * y)
        diff = np.where(diff < 0, diff + np.pi, diff)
        return np.where(v0 > 0, 1e3 / (t_ref + tau / s * diff), 0.0)


def vec_fixed_points(v0, model):
    """Roots of f by numpy.roots, stability from the sign of f' = polyder."""
    poly = np.array([-1.0, v0]) if model == "lif" else np.array([1.0, 0.0, v0])
    roots = np.roots(poly)
    real = np.sort(roots[np.abs(roots.imag) == 0].real)
    if model == "qif" and v0 == 0:
        return [(0.0, "half-stable")]
    slopes = np.polyval(np.polyder(poly), real)
    return [(float(r), "stable" if d < 0 else "unstable") for r, d in zip(real, slopes)]


def vec_adex_rheobase(params):
    p = params
    g = p["g_l"] + p["a"]
    return g * (p["v_t"] - p["e_l"] - p["delta_t"]) + g * p["delta_t"] * np.log(g / p["g_l"])


def vec_classify_firing(spike_times):
    isi = np.diff(np.asarray(spike_times, dtype=float))
    if isi.size < 4:
        return "too few spikes"
    late = isi[isi.size // 2:]
    ratios = isi[1:4] / isi[:3]
    labels = np.array(["bursting", "initial burst", "adapting", "tonic"])
    rules = np.array([late.max() > 3 * late.min(), (ratios > 3).any(), isi[-1] > 1.5 * isi[0],
                      True])
    return str(labels[np.argmax(rules)])


VEC = dict(LOOP, fixed_points=vec_fixed_points, adex_rheobase=vec_adex_rheobase,
           classify_firing=vec_classify_firing, simulate_if=vec_simulate_if, lif_rate=vec_lif_rate, qif_rate=vec_qif_rate,
           fit_relu=bisect_relu, fit_sigmoid=nelder_mead_sigmoid, hh_rates=vec_hh_rates,
           simulate_hh=vec_simulate_hh, cs_gates=vec_cs_gates, simulate_cs=vec_simulate_cs,
           fi_onset=vec_fi_onset, simulate_adex=vec_simulate_adex,
           random_step_current=vec_random_step_current, isi_rates=alt_isi_rates)


# ===== second, independently written versions of every hinted mistake ============================

def second_qif_no_reset(v0, model, t_max=1000.0, dt=0.1, tau=10.0, v_th=10.0, v_reset=0.0,
                        t_ref=5.0):
    """Counts threshold crossings from below but never resets (V keeps growing)."""
    v0 = np.asarray(v0, dtype=float)
    v = np.full(v0.shape, v_reset)
    count = np.zeros(v0.shape)
    with np.errstate(all="ignore"):
        for _ in range(int(round(t_max / dt))):
            before = v < v_th
            v = v + dt / tau * (v0 - v if model == "lif" else v0 + v * v)
            count += before & (v >= v_th)
    return count * 1000.0 / t_max


def second_rates_per_second(v):
    return tuple(np.asarray(r) * 1e3 for r in vec_hh_rates(v))


def second_rates_volts(v):
    return loop_hh_rates(np.asarray(v, dtype=float) * 1e-3)


def second_hh_gates_zero(i_e, t_max, dt=0.01, v_init=-65.0):
    """Starts with n = m = h = 0 (vectorised the other way)."""
    c_m, (gl, el), (gk, ek), (gna, ena) = _hh_constants()
    i_e = np.asarray(i_e, dtype=float)
    v = np.full(i_e.shape, v_init)
    n = m = h = np.zeros(i_e.shape)
    trace = [v]
    for _ in range(int(round(t_max / dt))):
        an, bn, am, bm, ah, bh = vec_hh_rates(v)
        gkk, gnn = gk * n ** 4, gna * m ** 3 * h
        total = gl + gkk + gnn
        v_inf = (gl * el + gkk * ek + gnn * ena + i_e / 1000) / total
        n = an / (an + bn) + (n - an / (an + bn)) * np.exp(-dt * (an + bn))
        m = am / (am + bm) + (m - am / (am + bm)) * np.exp(-dt * (am + bm))
        h = ah / (ah + bh) + (h - ah / (ah + bh)) * np.exp(-dt * (ah + bh))
        v = v_inf + (v - v_inf) * np.exp(-dt * total / c_m)
        trace.append(v)
    return np.array(trace)


def second_hh_volts(i_e, t_max, dt=0.01, v_init=-65.0):
    """Rate functions called with V / 1000, gates started at that (wrong) steady state too."""
    c_m, (gl, el), (gk, ek), (gna, ena) = _hh_constants()
    i_e = np.asarray(i_e, dtype=float)
    v = np.full(i_e.shape, v_init)
    r = vec_hh_rates(v / 1000)
    n, m, h = r[0] / (r[0] + r[1]), r[2] / (r[2] + r[3]), r[4] / (r[4] + r[5])
    trace = [v]
    for _ in range(int(round(t_max / dt))):
        an, bn, am, bm, ah, bh = vec_hh_rates(v / 1000)
        gkk, gnn = gk * n ** 4, gna * m ** 3 * h
        total = gl + gkk + gnn
        v_inf = (gl * el + gkk * ek + gnn * ena + i_e / 1000) / total
        n = an / (an + bn) + (n - an / (an + bn)) * np.exp(-dt * (an + bn))
        m = am / (am + bm) + (m - am / (am + bm)) * np.exp(-dt * (am + bm))
        h = ah / (ah + bh) + (h - ah / (ah + bh)) * np.exp(-dt * (ah + bh))
        v = v_inf + (v - v_inf) * np.exp(-dt * total / c_m)
        trace.append(v)
    return np.array(trace)


def second_cs_gates_zero(i_e, t_max, dt=0.01, g_a=0.477, e_l=-17.0, v_init=-68.0):
    shape = np.broadcast_shapes(np.shape(i_e), np.shape(g_a), np.shape(e_l))
    v = np.full(shape, v_init)
    gates = [np.zeros(shape)] * 5
    i_e = np.broadcast_to(np.asarray(i_e, dtype=float) / 1000, shape)
    trace = [v]
    with np.errstate(all="ignore"):
        for _ in range(int(round(t_max / dt))):
            g = vec_cs_gates(v)
            m, h, n, a, b = gates
            cond = [(CS["g_l"], e_l), (CS["g_na"] * m ** 3 * h, CS["e_na"]),
                    (CS["g_k"] * n ** 4, CS["e_k"]), (g_a * a ** 3 * b, CS["e_a"])]
            total = sum(c for c, _ in cond)
            v_inf = (sum(c * e for c, e in cond) + i_e) / total
            gates = [inf + (x - inf) * np.exp(-dt / tau) for x, inf, tau in zip(gates, g[0::2], g[1::2])]
            v = v_inf + (v - v_inf) * np.exp(-dt * total / 0.01)
            trace.append(v)
    return np.array(trace)


def second_cs_taus_in_seconds(v):
    g = list(vec_cs_gates(v))
    return tuple(x * 1e-3 if i % 2 else x for i, x in enumerate(g))


def _second_adex(current, dt, params, sign=1.0, reset=None, jump=None):
    p = dict(params)
    current = np.asarray(current, dtype=float)
    v, w = np.full(current.shape[1:], p["e_l"]), np.zeros(current.shape[1:])
    vs, ws, ss = [v], [w], [np.zeros(current.shape[1:], dtype=bool)]
    with np.errstate(all="ignore"):
        for i_k in current[:-1]:
            dv = (p["g_l"] * (p["e_l"] - v) + sign * p["g_l"] * p["delta_t"]
                  * np.exp((v - p["v_t"]) / p["delta_t"]) - w + i_k) / p["c_m"]
            w = w + dt * (p["a"] * (v - p["e_l"]) - w) / p["tau_w"]
            v = v + dt * dv
            fired = v >= p["v_peak"]
            v = np.where(fired, p["v_r"] if reset is None else reset(p), v)
            w = w + fired * (p["b"] if jump is None else jump(p))
            vs.append(v), ws.append(w), ss.append(fired)
    return np.array(vs), np.array(ws), np.array(ss)


def second_adex_exp_sign(current, dt, params):
    return _second_adex(current, dt, params, sign=-1.0)


def second_adex_reset_to_threshold(current, dt, params):
    return _second_adex(current, dt, params, reset=lambda p: p["v_t"])


def second_adex_b_over_tau(current, dt, params):
    return _second_adex(current, dt, params, jump=lambda p: p["b"] / p["tau_w"])


def second_rheobase_without_a(params):
    p = dict(params, a=0.0)
    return alt_adex_rheobase(p)


def second_fixed_points_swapped(v0, model):
    return [(v, {"stable": "unstable", "unstable": "stable"}.get(k, k)) if model == "qif"
            else (v, k) for v, k in loop_fixed_points(v0, model)]


SECOND_MISTAKES = {
    ("simulate_if", "QIF threshold crossed without a reset"): second_qif_no_reset,
    ("hh_rates", "rates per second"): second_rates_per_second,
    ("hh_rates", "V in volts"): second_rates_volts,
    ("simulate_hh", "gating variables started away from steady state"): second_hh_gates_zero,
    ("simulate_hh", "V in volts"): second_hh_volts,
    ("cs_gates", "time constants in seconds"): second_cs_taus_in_seconds,
    ("simulate_cs", "gating variables started away from steady state"): second_cs_gates_zero,
    ("simulate_adex", "wrong sign of the exponential term"): second_adex_exp_sign,
    ("simulate_adex", "reset to threshold"): second_adex_reset_to_threshold,
    ("simulate_adex", "b / tau_w"): second_adex_b_over_tau,
    ("adex_rheobase", "adaptation left out"): second_rheobase_without_a,
    ("fixed_points", "stable and unstable exchanged"): second_fixed_points_swapped,
}


# ===== the checks =================================================================================

def _verdict(name, target):
    with quiet_numerics():
        return verdict(f"{A}.{name}", run_cases(CHECKS[name], target))


def test_issue_mistakes_are_all_listed():
    text = " ".join(d for item in CHECKS.values() for d in [*item.mistakes, *item.signs])
    for words in ("wrong sign of the exponential term", "reset to threshold", "b / tau_w",
                  "mV vs V", "ms vs s", "started away from steady state",
                  "QIF threshold crossed without a reset"):
        assert words in text, words
    assert set(LOOP) == set(VEC) == set(CHECKS)
    for name, item in CHECKS.items():
        for description in item.mistakes:
            assert any(n == name and key in description for n, key in SECOND_MISTAKES), \
                f"{name}: no second version of {description!r}"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_reference_passes(name):
    item = CHECKS[name]
    results = run_cases(item, load_object(item.reference))
    assert all("value" in r for r in results), results
    assert verdict(f"{A}.{name}", results) is None


@pytest.mark.parametrize("name,description",
                         [(n, d) for n in sorted(CHECKS) for d in CHECKS[n].mistakes])
def test_each_mistake_fails_and_is_named(name, description):
    message = _verdict(name, load_object(CHECKS[name].mistakes[description]))
    assert message is not None, f"the mistake {description!r} passes {name}"
    assert f"Hint: your results match a common mistake: {description}." in message


@pytest.mark.parametrize("name,key", sorted(SECOND_MISTAKES))
def test_second_version_of_each_mistake_also_fails(name, key):
    message = _verdict(name, SECOND_MISTAKES[(name, key)])
    assert message is not None, f"a second version of {key!r} passes {name}"
    assert "hidden cases fail" in message


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_independent_loop_implementation_passes(name):
    message = _verdict(name, LOOP[name])
    assert message is None, message


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_independent_vectorised_implementation_passes(name):
    message = _verdict(name, VEC[name])
    assert message is None, message


# ----- no knife edges ----------------------------------------------------------------------------

def _scaled(value, factor):
    if isinstance(value, bool) or isinstance(value, (int, np.integer, str)):
        return value
    if isinstance(value, float):
        return value * factor
    if isinstance(value, np.ndarray):
        return value * factor if value.dtype.kind == "f" else value
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scaled(v, factor) for v in value)
    return value


ROUNDING_EXEMPT = {"fixed_points", "effects"}   # exact sign decisions / no numeric input


@pytest.mark.parametrize("name", sorted(set(CHECKS) - ROUNDING_EXEMPT))
def test_rounding_sized_changes_of_any_input_change_no_verdict(name):
    """Perturb one argument at a time by a relative +-1e-11: the reference must still pass."""
    item = CHECKS[name]
    reference = load_object(item.reference)
    for one in item.all_cases():
        if one.label.startswith("boundary"):
            continue
        single = replace(item, cases=[one])
        with quiet_numerics():
            expected = run_cases(single, reference)
        for position in range(len(one.args)):
            if name == "random_step_current" and position == 0:
                continue        # a step count, not a measured value
            for factor in (1 + 1e-11, 1 - 1e-11):
                args = list(one.args)
                args[position] = _scaled(args[position], factor)
                moved = replace(item, cases=[Case(one.label, tuple(args), one.kwargs, one.run)])
                with quiet_numerics():
                    got = run_cases(moved, reference)
                failures = case_failures(single, expected, got)
                assert not failures, f"{name}, case {one.label!r}, argument {position}: {failures}"


def test_threshold_margins_of_spike_detections():
    """Every detected AdEx spike overshoots V_peak, and every non-spike stays below it, by far more
    than rounding; likewise for the LIF/QIF threshold in the simulate_if cases."""
    from solutions import adex
    for one in CHECKS["simulate_adex"].all_cases():
        current, dt, params = one.args
        v, w, s = adex.simulate_adex(current, dt, params)
        # recompute the free Euler step at every step and look at its distance to V_peak
        exp_term = params["g_l"] * params["delta_t"] * np.exp((v[:-1] - params["v_t"]) / params["delta_t"])
        v_free = v[:-1] + dt * (-params["g_l"] * (v[:-1] - params["e_l"]) + exp_term - w[:-1]
                                + current[:-1]) / params["c_m"]
        margin = np.abs(v_free - params["v_peak"])
        assert margin.min() > 1e-6, (one.label, margin.min())


# ----- the source notebook ------------------------------------------------------------------

@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_source_folder_holds_only_the_notebook():
    assert sorted(p.name for p in NOTEBOOK.parent.iterdir()) == [f"{A}.ipynb"]


def test_metadata_is_valid_nbgrader_schema_3(notebook):
    MetadataValidator().validate_nb(notebook)
    ids = [_meta(c)["grade_id"] for c in notebook.cells if _meta(c)]
    assert len(ids) == len(set(ids)) == len(notebook.cells)
    for cell in notebook.cells:
        meta = _meta(cell)
        assert meta["schema_version"] == 3
        if meta["grade"]:
            assert meta.get("points", 0) > 0, meta["grade_id"]
        if meta["solution"]:
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


def test_points(notebook):
    auto = sum(_meta(c)["points"] for c in notebook.cells
               if _meta(c)["grade"] and not _meta(c)["solution"])
    manual = sum(_meta(c)["points"] for c in notebook.cells
                 if _meta(c)["grade"] and _meta(c)["solution"])
    assert (auto, manual) == (33, 7)
    assert "**Points: 40** (33 graded automatically, 7 for written answers" in notebook.cells[0].source


def test_every_check_is_called_once_from_a_test_cell_with_visible_asserts(notebook):
    called = []
    for cell in notebook.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or not meta["grade"]:
            assert "check(" not in cell.source or cell.cell_type != "code"
            continue
        end = cell.source.index("### END HIDDEN TESTS")
        assert cell.source.startswith("### BEGIN HIDDEN TESTS")   # the check runs first
        visible, hidden = cell.source[end:].split("\n", 1)[1], cell.source[:end]
        assert "assert " in visible, f"{meta['grade_id']} has no visible test"
        assert "from course.checking import check" in hidden
        names = called_checks(hidden)
        assert len(names) == 1 and "check(" not in visible, meta["grade_id"]
        called.extend(names)
    assert sorted(called) == sorted(f"{A}.{name}" for name in CHECKS)


def test_every_graded_function_is_defined_in_an_answer_cell(notebook):
    defined = set()
    for cell in notebook.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta["solution"]:
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.FunctionDef):
                    defined.add(node.name)
                elif isinstance(node, ast.Assign):
                    defined.update(t.id for t in node.targets)
    reference = {CHECKS[name].reference.split(":")[1] for name in CHECKS}
    assert reference == defined


def test_notebook_is_stored_executed_without_errors_or_warnings(notebook):
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells)
    assert not [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert not [o for c in code_cells for o in c.outputs
                if o.output_type == "stream" and o.name == "stderr"]
    summaries = "".join(o.get("text", "") for c in code_cells for o in c.outputs)
    for name in CHECKS:
        assert f"hidden check {A}.{name}: all" in summaries


def test_slider_cells_are_tagged_and_guarded(notebook):
    sliders = [c for c in notebook.cells if "interactive_plot(" in c.source]
    assert len(sliders) == 2
    for cell in sliders:
        assert "nbval-ignore-output" in cell.metadata.get("tags", [])
        assert not _meta(cell)["solution"] and "with needs(" in cell.source


def test_student_text_names_sources_and_never_says_seed(notebook):
    text = "\n".join(c.source for c in notebook.cells).lower()
    for source in ("dayan & abbott", "brette & gerstner", "naud", "brian2"):
        assert source in text, source
    assert "seed" not in text.replace("random-number seed", "")


def test_unfilled_release_is_calm(tmp_path):
    """Run the release notebook as handed out: only answer cells (stubs) and test cells may fail;
    every helper or plot cell runs, and a plot that needs unwritten code prints one line."""
    work = tmp_path / A
    work.mkdir()
    (work / f"{A}.ipynb").write_bytes(RELEASE.read_bytes())
    env = dict(os.environ, COURSE_HEADLESS="1",     # the kernel is this environment's python
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("PYTHONPATH", None)                        # no `solutions`, as for a student
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                          "--execute", "--allow-errors", "--output", "out.ipynb",
                          f"{A}.ipynb"], cwd=work, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    nb = nbformat.read(work / "out.ipynb", as_version=4)
    guarded = 0
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or meta.get("grade") or meta.get("solution"):
            continue
        assert not [o for o in cell.outputs if o.output_type == "error"], meta["grade_id"]
        # One printed line may arrive as several stream outputs ("text", then "\n").
        text = "".join(o.text for o in cell.outputs if o.output_type == "stream")
        lines = [line for line in text.splitlines() if line.strip()]
        if lines:
            assert len(lines) == 1 and lines[0].startswith("write `") \
                and lines[0].strip().endswith("above first"), (meta["grade_id"], lines)
            guarded += 1
    assert guarded >= 10


def test_fitted_relu_kinks_lie_between_data_points():
    """The RSS of a ReLU fit has corners where the kink b meets a data point; an optimum there
    would make optimisers disagree, so every case's optimum must lie well inside an interval."""
    from solutions.integrate_fire import fit_relu
    for one in CHECKS["fit_relu"].all_cases():
        x, y = one.args
        _, b, _ = fit_relu(x, y)
        corners = np.asarray(x)[np.asarray(y) != 0]    # where y = 0 the RSS stays smooth
        assert np.abs(corners - b).min() > 0.05, one.label
