"""Write source/neuron_models/neuron_models.ipynb (unexecuted); then execute it in place.

    .venv/bin/python tools/build_neuron_models.py
    COURSE_HEADLESS=1 PYTHONPATH=. .venv/bin/jupyter nbconvert --to notebook --execute --inplace \
        source/neuron_models/neuron_models.ipynb
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from nbbuild import answer, code, md, notebook, test, write, written  # noqa: E402

A = "neuron_models"


def hidden(name, obj):
    return (f"### BEGIN HIDDEN TESTS\nfrom course.checking import check\n"
            f'check("{A}.{name}", {obj})\n### END HIDDEN TESTS')


def t(grade_id, visible, name, obj, points):
    return test(grade_id, visible.strip("\n") + "\n" + hidden(name, obj), points)


CELLS = []
add = CELLS.append

add(md("intro", r"""
# Neuron models and their F-I curves: from integrate-and-fire to Hodgkin-Huxley and AdEx

How does a neuron turn a constant input into a firing rate? The curve of rate against input, the
**F-I curve**, is the simplest summary of a neuron model, and its shape near threshold tells
models apart. In this assignment you

1. draw phase portraits of the leaky (LIF) and quadratic (QIF) integrate-and-fire neurons;
2. simulate F-I curves of both, vectorised over inputs, and derive their exact rates;
3. fit a ReLU and a sigmoid to the curves;
4. simulate the Hodgkin-Huxley and Connor-Stevens models with exponential Euler and see what the
   A-type potassium current does to the F-I curve;
5. build the exponential (ELIF) and adaptive exponential (AdEx) integrate-and-fire neurons, study
   each parameter, and reproduce and classify firing patterns;
6. explore AdEx and HH with sliders.

Sources of the models and parameters: Brian2's example `IF_curve_LIF` (LIF F-I curve);
Dayan & Abbott, *Theoretical Neuroscience* (MIT Press, 2001), sections 5.6 and 6.2 and the
appendix of chapter 6 (Hodgkin-Huxley, Connor-Stevens, exponential Euler); Brette & Gerstner,
J. Neurophysiol. 94:3637 (2005) (AdEx, regular-spiking cell); Naud, Marcille, Clopath & Gerstner,
Biol. Cybern. 99:335 (2008) (firing patterns), with the spike cut-offs of Brian2's examples of
those two papers.

**Points: 40** (33 graded automatically, 7 for written answers graded by hand). Replace every
`raise NotImplementedError()` with your code and every "YOUR ANSWER HERE" with your answer. Each
test cell checks shape, type and an easy case; more (hidden) tests run at grading time on other
inputs. Plot cells print a line such as "write `hh_rates` above first" until the functions they
need exist. Before handing in: Kernel -> Restart Kernel and Run All Cells.
"""))

add(code("imports", """
import math

import matplotlib.pyplot as plt
import numpy as np
from scipy import optimize

from course.models import crossing_rate
from course.notebook import needs
from course.plotting import plot_fi_curve, plot_membrane
from course.widgets import float_slider, interactive_plot
"""))

# ===== Part 1 =====================================================================================
add(md("phase_intro", r"""
## Part 1. Phase portraits of the LIF and QIF neurons

Write both models in the form $\tau\,dV/dt = f(V)$ with a constant input $V_0$ (the steady
voltage the input alone would produce, in mV):

$$\text{LIF: } \tau\frac{dV}{dt} = V_0 - V, \qquad \text{QIF: } \tau\frac{dV}{dt} = V_0 + V^2.$$

Plotting $f(V)$ against $V$ is a one-dimensional **phase portrait**: where $f > 0$, $V$ grows;
where $f < 0$, it shrinks; where $f = 0$ it stays, at a **fixed point** $V^*$. A fixed point is
*stable* if $f$ crosses zero going down ($f'(V^*) < 0$, nearby states return), *unstable* if it
crosses going up ($f'(V^*) > 0$), and *half-stable* if $f$ only touches zero ($f'(V^*) = 0$, as
the QIF at $V_0 = 0$: states below approach it, states above leave). The next cell draws both
portraits for several $V_0$ (filled dots stable, open dots unstable).
"""))

add(code("phase_plot", r"""
v = np.linspace(-6.0, 6.0, 400)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for v0 in (-4.0, -1.0, 0.0, 2.0):
    axes[0].plot(v, v0 - v, label=f"$V_0$ = {v0:g}")
    axes[0].plot([v0], [0.0], "o", color=axes[0].lines[-1].get_color())
    axes[1].plot(v, v0 + v ** 2, label=f"$V_0$ = {v0:g}")
    color = axes[1].lines[-1].get_color()
    if v0 < 0:
        axes[1].plot([-math.sqrt(-v0)], [0.0], "o", color=color)
        axes[1].plot([math.sqrt(-v0)], [0.0], "o", mfc="white", color=color)
    elif v0 == 0:
        axes[1].plot([0.0], [0.0], "o", mfc="grey", color=color)
for ax, name in zip(axes, ("LIF: $V_0 - V$", "QIF: $V_0 + V^2$")):
    ax.axhline(0.0, color="k", linewidth=0.8)
    ax.set(xlabel="V (mV)", ylabel=r"$\tau\,dV/dt$ (mV)", title=name, ylim=(-8, 12))
    ax.legend(fontsize="small")
fig.tight_layout()
plt.show()
"""))

add(md("fixed_points_task", r"""
### Task 1.1: fixed points and their stability (2 points)

Write `fixed_points(v0, model)` for a float `v0` and `model` either `"lif"` or `"qif"`. Return a
list of tuples `(V_star, kind)` sorted by `V_star`, with `kind` one of `"stable"`, `"unstable"`,
`"half-stable"`; an empty list when there is no fixed point. Decide the QIF cases by the sign of
`v0` exactly (`v0 < 0`, `v0 == 0`, `v0 > 0`).
"""))

add(answer("fixed_points", """
def fixed_points(v0, model):
    ### BEGIN SOLUTION
    if model == "lif":
        return [(float(v0), "stable")]
    if v0 < 0:
        root = math.sqrt(-v0)
        return [(-root, "stable"), (root, "unstable")]
    if v0 == 0:
        return [(0.0, "half-stable")]
    return []
    ### END SOLUTION
"""))

add(t("test_fixed_points", """
fp = fixed_points(-9.0, "qif")
assert isinstance(fp, list) and len(fp) == 2, f"the QIF with V0 = -9 has two fixed points; got {fp}"
assert np.allclose([p[0] for p in fp], [-3.0, 3.0]) and [p[1] for p in fp] == ["stable", "unstable"], \\
    f"expected [(-3, 'stable'), (3, 'unstable')]; got {fp}"
assert fixed_points(1.0, "qif") == [], "V0 > 0: the QIF has no fixed point"
assert fixed_points(4.0, "lif")[0][1] == "stable", "the LIF fixed point V* = V0 is stable"
""", "fixed_points", "fixed_points", 2))

add(md("phase_question", r"""
### Question 1.2 (2 points, graded by hand)

Using the portraits: how does $V_0$ decide whether the QIF neuron, started at a reset $V_r = 0$,
reaches a threshold $V_{th} = 10$ mV? How does this differ from the LIF with the same threshold,
both in the condition and in what happens to $V$ just below and above threshold?
"""))

add(written("answer_phase_portrait", r"""
### BEGIN SOLUTION
For the QIF, $V_0 > 0$ removes every fixed point: $f(V) = V_0 + V^2 > 0$ everywhere, so $V$
increases without bound and crosses any threshold, however small $V_0$ is. For $V_0 < 0$ the
stable point $-\sqrt{-V_0}$ traps a neuron reset at 0 (it lies below the unstable point
$\sqrt{-V_0}$), so it never spikes; $V_0 = 0$ is the saddle-node bifurcation. The threshold value
hardly matters: past $\sqrt{-V_0}$ the QIF's own dynamics make it blow up (a real spike).

For the LIF the only fixed point is $V^* = V_0$, always stable, so it spikes only if
$V_0 > V_{th}$: the threshold, not the dynamics, decides. Just above threshold the LIF's
$dV/dt$ is smallest (it slows down approaching $V_0$), while the QIF accelerates there.
### END SOLUTION
""", 2))

# ===== Part 2 =====================================================================================
add(md("fi_intro", r"""
## Part 2. F-I curves by simulation and in closed form

We use the parameters of Brian2's example `IF_curve_LIF`: $\tau = 10$ ms, threshold
$V_{th} = 10$ mV, reset $V_r = 0$, refractory period $t_{ref} = 5$ ms, inputs $V_0$ from 0 to
20 mV, 1 s of simulated time; the QIF gets the same $\tau$, threshold, reset and refractory period
(its equation is read as one in the numbers of mV). Time step 0.1 ms (Brian2's default clock).
"""))

add(code("if_parameters", """
TAU = 10.0      # ms (Brian2 example IF_curve_LIF)
V_TH = 10.0     # mV
V_RESET = 0.0   # mV
T_REF = 5.0     # ms
T_MAX = 1000.0  # ms
DT = 0.1        # ms
"""))

add(md("simulate_if_task", r"""
### Task 2.1: a vectorised F-I simulator (3 points)

Write `simulate_if(v0, model, t_max=T_MAX, dt=DT, tau=TAU, v_th=V_TH, v_reset=V_RESET, t_ref=T_REF)`
that simulates **one neuron per element of** `v0` (an array of any shape) **at once with numpy
arrays** and returns their firing rates in Hz (spike count divided by `t_max` in seconds), an
array of the shape of `v0`. Rules (the same as in `lif_neuron`):

* every neuron starts at `v_reset`; there are `round(t_max / dt)` steps;
* in each step a neuron that is not refractory takes the Euler step
  $V \leftarrow V + \frac{\Delta t}{\tau} f(V)$ (with $f$ of Part 1); if then $V \ge V_{th}$ it
  spikes (count it), $V$ is set to `v_reset`, and it is held there (no update) for the next
  `n_ref = int(round(t_ref / dt))` steps;
* a neuron being held only counts down its `n_ref` steps.
"""))

add(answer("simulate_if", """
def simulate_if(v0, model, t_max=T_MAX, dt=DT, tau=TAU, v_th=V_TH, v_reset=V_RESET, t_ref=T_REF):
    ### BEGIN SOLUTION
    v0 = np.asarray(v0, dtype=float)
    v = np.full(v0.shape, float(v_reset))
    held = np.zeros(v0.shape, dtype=int)
    count = np.zeros(v0.shape)
    n_ref = int(round(t_ref / dt))
    for _ in range(int(round(t_max / dt))):
        free = held == 0
        held[~free] -= 1
        slope = v0 - v if model == "lif" else v0 + v ** 2
        v = np.where(free, v + dt / tau * slope, v)
        fired = free & (v >= v_th)
        count += fired
        v[fired] = v_reset
        held[fired] = n_ref
    return count / (t_max / 1000.0)
    ### END SOLUTION
"""))

add(t("test_simulate_if", """
r = simulate_if(np.array([5.0, 15.0, 25.0]), "lif", t_max=200.0)
assert isinstance(r, np.ndarray) and r.shape == (3,), f"one rate per input: shape (3,); got {np.shape(r)}"
assert r[0] == 0, "below threshold (V0 = 5 < 10) the LIF never fires"
assert 50 < r[1] < 70 and r[2] > r[1], f"V0 = 15 mV should give about 62 Hz (60 Hz in 200 ms); got {r}"
q = simulate_if(np.array([[-1.0, 4.0]]), "qif", t_max=200.0)
assert q.shape == (1, 2) and q[0, 0] == 0 and q[0, 1] > 50, f"QIF: V0 = -1 silent, V0 = 4 fires ~90 Hz; got {q}"
""", "simulate_if", "simulate_if", 3))

add(md("rates_task", r"""
### Task 2.2: the exact rates (1 + 2 points)

**LIF.** Between spikes $V(t) = V_0 + (V_r - V_0)e^{-t/\tau}$; it reaches $V_{th}$ after
$T = \tau\ln\frac{V_0 - V_r}{V_0 - V_{th}}$ if $V_0 > V_{th}$, and never otherwise.

**QIF.** Separate the variables: $\frac{\tau\,dV}{V_0 + V^2} = dt$. For $V_0 > 0$ integrate from
$V_r$ to $V_{th}$ with $\int \frac{dV}{V_0 + V^2} = \frac{1}{\sqrt{V_0}}\arctan\frac{V}{\sqrt{V_0}}$:

$$T = \frac{\tau}{\sqrt{V_0}}\left(\arctan\frac{V_{th}}{\sqrt{V_0}} - \arctan\frac{V_r}{\sqrt{V_0}}\right).$$

In both cases the rate is $1000/(t_{ref} + T)$ Hz (times in ms). Write
`lif_rate(v0, tau=TAU, v_th=V_TH, v_reset=V_RESET, t_ref=T_REF)` (0 Hz for $V_0 \le V_{th}$) and
`qif_rate(v0, tau=TAU, v_th=V_TH, v_reset=V_RESET, t_ref=T_REF)` (0 Hz for $V_0 \le 0$; we assume
$V_r \le 0$, so a neuron with $V_0 \le 0$ stays at its stable point). Both take an array `v0` and
return an array of its shape, without warnings (compute the logarithm only where it is defined,
e.g. with `np.where` on a safe copy of `v0`).
"""))

add(answer("lif_rate", """
def lif_rate(v0, tau=TAU, v_th=V_TH, v_reset=V_RESET, t_ref=T_REF):
    ### BEGIN SOLUTION
    v0 = np.asarray(v0, dtype=float)
    fires = v0 > v_th
    safe = np.where(fires, v0, v_th + 1.0)
    period = t_ref + tau * np.log((safe - v_reset) / (safe - v_th))
    return np.where(fires, 1000.0 / period, 0.0)
    ### END SOLUTION
"""))

add(t("test_lif_rate", """
lr = lif_rate(np.array([5.0, 10.0, 20.0]))
assert lr.shape == (3,) and lr[0] == 0 and lr[1] == 0, "no firing for V0 <= V_th"
assert np.isclose(lr[2], 1000 / (5 + 10 * np.log(2))), f"V0 = 20: 1000 / (5 + 10 ln 2) = 83.8 Hz; got {lr[2]}"
""", "lif_rate", "lif_rate", 1))

add(answer("qif_rate", """
def qif_rate(v0, tau=TAU, v_th=V_TH, v_reset=V_RESET, t_ref=T_REF):
    ### BEGIN SOLUTION
    v0 = np.asarray(v0, dtype=float)
    fires = v0 > 0
    root = np.sqrt(np.where(fires, v0, 1.0))
    period = tau / root * (np.arctan(v_th / root) - np.arctan(v_reset / root))
    return np.where(fires, 1000.0 / (t_ref + period), 0.0)
    ### END SOLUTION
"""))

add(t("test_qif_rate", """
qr = qif_rate(np.array([-1.0, 0.0, 100.0]))
assert qr.shape == (3,) and qr[0] == 0 and qr[1] == 0, "no firing for V0 <= 0"
assert np.isclose(qr[2], 1000 / (5 + np.arctan(1.0))), f"V0 = 100: T = (10/10) arctan(1) ms; got {qr[2]}"
""", "qif_rate", "qif_rate", 2))

add(md("fi_plot_md", """
The next cell simulates 41 inputs per model in one vectorised run each and draws the formulas
over the simulations. Euler's method makes the simulated interval slightly longer than $T$ (the
spike is detected at the end of the step that crosses), so dots sit a little below the curves.
"""))

add(code("fi_plot", """
with needs("simulate_if", "lif_rate", "qif_rate"):
    v0_sim = np.linspace(0.0, 20.0, 41)
    v0_fine = np.linspace(0.0, 20.0, 400)
    fig, ax = plt.subplots(figsize=(6, 4))
    for model, formula in (("lif", lif_rate), ("qif", qif_rate)):
        plot_fi_curve(v0_sim, simulate_if(v0_sim, model), ax=ax, fmt="o", label=f"{model.upper()} simulated")
        ax.plot(v0_fine, formula(v0_fine), "-", color=ax.lines[-1].get_color(), label=f"{model.upper()} formula")
    ax.set(xlabel="input $V_0$ (mV)", title="F-I curves: tau 10 ms, threshold 10 mV, t_ref 5 ms")
    ax.legend(fontsize="small")
    plt.show()
"""))

add(md("tau_question", r"""
### Question 2.3 (1 point, graded by hand)

For the derivation one may set $\tau = 1$. Why is that allowed, and how do you get the rate for
another $\tau$ back from the $\tau = 1$ result?
"""))

add(written("answer_tau_one", r"""
### BEGIN SOLUTION
$\tau$ only sets the unit of time: with $s = t/\tau$ the equation becomes $dV/ds = f(V)$, which
no longer contains $\tau$. So the time to go from $V_r$ to $V_{th}$ is $T = \tau\,T_1$, where
$T_1$ is the time for $\tau = 1$; the rate is $1/(t_{ref} + \tau T_1)$ (the refractory period is
not scaled).
### END SOLUTION
""", 1))

# ===== Part 3 =====================================================================================
add(md("fit_intro", r"""
## Part 3. Which nonlinearity fits better?

Artificial neurons use simple nonlinearities. Up to a shift and a scale, does an F-I curve look
more like a ReLU, $\max(0, a(x - b))$, or like a sigmoid, $c/(1 + e^{-(x - d)/e})$? Fit both by
least squares (minimise the residual sum of squares, RSS, $\sum_i (y_i - g(x_i))^2$).

### Task 3.1: the fits (1 + 1 points)

* `fit_relu(x, y)` returns `(a, b, rss)`. Hint: for a fixed `b` the best `a` is a linear least
  squares problem; or use `optimize.curve_fit` started at `a` = slope of the last two points and
  `b` = the largest `x` with `y == 0` (or `x.min()`), or any other method that finds the minimum.
* `fit_sigmoid(x, y)` returns `(c, d, e, rss)`. Start an optimiser (e.g.
  `optimize.least_squares` on the residuals, or `optimize.curve_fit(f, x, y, p0=...)`) at
  `c = max(y)`, `d = mean(x)`, `e = (max(x) - min(x)) / 4`. (`curve_fit` warns that it "could
  not estimate the covariance" when a fit is exact; silence that with
  `warnings.catch_warnings()`, since a warning in a test cell counts as an error.)

Any method that finds the least-squares minimum passes: the parameters are compared with a
relative tolerance of 1e-4.
"""))

add(answer("fit_relu", """
def fit_relu(x, y):
    ### BEGIN SOLUTION
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def rss_and_slope(b):
        z = np.maximum(0.0, x - b)
        a = (z @ y) / (z @ z) if z @ z > 0 else 0.0
        return np.sum((y - a * z) ** 2), a

    best = None
    points = np.unique(x)
    lows = np.concatenate([[points[0] - (points[-1] - points[0])], points[:-1]])
    for lo, hi in zip(lows, points):
        b = optimize.minimize_scalar(lambda b: rss_and_slope(b)[0], bounds=(lo, hi),
                                     method="bounded", options={"xatol": 1e-12}).x
        for candidate in (b, lo, hi):
            rss, a = rss_and_slope(candidate)
            if best is None or rss < best[2]:
                best = (a, float(candidate), rss)
    return best
    ### END SOLUTION
"""))

add(t("test_fit_relu", """
x_toy = np.arange(10.0)
a_fit, b_fit, rss_fit = fit_relu(x_toy, np.maximum(0.0, 2.0 * (x_toy - 3.5)))
assert np.allclose([a_fit, b_fit], [2.0, 3.5], atol=1e-5) and rss_fit < 1e-8, \\
    f"an exact ReLU 2 (x - 3.5) must be recovered; got a={a_fit}, b={b_fit}, rss={rss_fit}"
""", "fit_relu", "fit_relu", 1))

add(answer("fit_sigmoid", """
def fit_sigmoid(x, y):
    ### BEGIN SOLUTION
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def sigmoid(x, c, d, e):
        return c / (1.0 + np.exp(-(x - d) / e))

    start = (y.max(), x.mean(), (x.max() - x.min()) / 4)
    fit = optimize.least_squares(lambda p: sigmoid(x, *p) - y, start, method="lm",
                                 xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=20000)
    c, d, e = fit.x
    return c, d, e, float(np.sum(fit.fun ** 2))
    ### END SOLUTION
"""))

add(t("test_fit_sigmoid", """
x_toy = np.arange(10.0)
y_toy = 50.0 / (1.0 + np.exp(-(x_toy - 4.0) / 1.5))
c_fit, d_fit, e_fit, rss_sig = fit_sigmoid(x_toy, y_toy)
assert np.allclose([c_fit, d_fit, e_fit], [50.0, 4.0, 1.5], rtol=1e-5) and rss_sig < 1e-8, \\
    f"an exact sigmoid must be recovered; got c={c_fit}, d={d_fit}, e={e_fit}, rss={rss_sig}"
""", "fit_sigmoid", "fit_sigmoid", 1))

add(code("fit_plot", """
with needs("simulate_if", "fit_relu", "fit_sigmoid"):
    v0_fit = np.linspace(0.0, 20.0, 41)
    v0_fine = np.linspace(0.0, 20.0, 400)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, model in zip(axes, ("lif", "qif")):
        rates = simulate_if(v0_fit, model)
        a, b, rss_relu = fit_relu(v0_fit, rates)
        c, d, e, rss_sig = fit_sigmoid(v0_fit, rates)
        ax.plot(v0_fit, rates, "ko", markersize=3, label="simulated")
        ax.plot(v0_fine, np.maximum(0, a * (v0_fine - b)), label=f"ReLU, RSS {rss_relu:.0f}")
        ax.plot(v0_fine, c / (1 + np.exp(-(v0_fine - d) / e)), label=f"sigmoid, RSS {rss_sig:.0f}")
        ax.set(xlabel="$V_0$ (mV)", ylabel="rate (Hz)", title=model.upper())
        ax.legend(fontsize="small")
        print(f"{model.upper()}: ReLU a={a:.2f} Hz/mV, b={b:.2f} mV, RSS={rss_relu:.0f}; "
              f"sigmoid c={c:.1f} Hz, d={d:.2f} mV, e={e:.2f} mV, RSS={rss_sig:.0f}")
    fig.tight_layout()
    plt.show()
"""))

add(md("fit_question", r"""
### Question 3.2 (2 points, graded by hand)

Which nonlinearity fits better, for the LIF and for the QIF? Look separately at the region near
rheobase (where firing starts) and far above it, and explain with the formulas of Part 2.
"""))

add(written("answer_which_fit", r"""
### BEGIN SOLUTION
The sigmoid has the smaller RSS for both. Near rheobase both curves rise with infinite slope
(LIF: $1/\ln$, the rate jumps from 0 to tens of Hz within a fraction of a mV; QIF:
$\sqrt{V_0}$), which neither a ReLU's kink nor a sigmoid's smooth start can follow, so the
largest residuals sit there. Far above rheobase the curves bend over and saturate towards
$1/t_{ref} = 200$ Hz (the LIF's rate grows like $V_0/\tau$ minus a correction, then the
refractory period caps it), so a straight ReLU overshoots at high input and undershoots in the
middle, while the sigmoid's saturation matches the concave shape. A ReLU is only a good local
description over a limited range above threshold.
### END SOLUTION
""", 2))

# ===== Part 4 =====================================================================================
add(md("hh_intro", r"""
## Part 4. Hodgkin-Huxley and Connor-Stevens

Units as in Dayan & Abbott (2001): $V$ in mV, $t$ in ms, rates in 1/ms, conductances in
mS/mm$^2$, $c_m = 10$ nF/mm$^2$ = 0.01 µF/mm$^2$, membrane current $i_m$ in µA/mm$^2$. The
injected current per area $I_e/A$ is given in **nA/mm$^2$** (as in the book's figures), so divide
it by 1000 before adding it to $i_m$:

$$c_m\frac{dV}{dt} = -i_m + \frac{I_e}{A}, \qquad
i_m = \bar g_L(V - E_L) + \bar g_K n^4 (V - E_K) + \bar g_{Na} m^3 h (V - E_{Na}).$$

Each gate $x \in \{n, m, h\}$ obeys $dx/dt = \alpha_x(V)(1 - x) - \beta_x(V)x$, i.e. it relaxes
to $x_\infty = \alpha_x/(\alpha_x + \beta_x)$ with time constant $\tau_x = 1/(\alpha_x + \beta_x)$.
The rates (Dayan & Abbott section 5.6):

$$\alpha_n = \frac{0.01(V + 55)}{1 - e^{-0.1(V + 55)}},\quad \beta_n = 0.125\,e^{-0.0125(V + 65)},\quad
\alpha_m = \frac{0.1(V + 40)}{1 - e^{-0.1(V + 40)}},\quad \beta_m = 4\,e^{-0.0556(V + 65)},$$
$$\alpha_h = 0.07\,e^{-0.05(V + 65)},\quad \beta_h = \frac{1}{1 + e^{-0.1(V + 35)}}.$$

$\alpha_n$ and $\alpha_m$ are $0/0$ at $V = -55$ and $-40$ mV: the singularities are
*removable*, the limits are $0.01 \cdot 10 = 0.1$ and $0.1 \cdot 10 = 1$ (since
$x/(1 - e^{-x/10}) \to 10$). Your functions must return these limits there, not `nan`.
"""))

add(code("hh_parameters", """
C_M = 0.01                        # uF/mm^2 (10 nF/mm^2), Dayan & Abbott 2001, section 5.6
G_L, E_L_HH = 0.003, -54.387      # mS/mm^2, mV
G_K, E_K = 0.36, -77.0
G_NA, E_NA = 1.2, 50.0
V_REST = -65.0                    # mV
DT_HH = 0.01                      # ms
"""))

add(md("hh_rates_task", r"""
### Task 4.1: the gating rates (2 points)

Write `hh_rates(v)` returning the tuple `(alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h)` in
1/ms for `v` in mV (a float or an array; each result has the shape of `v`). At exactly
$V = -40$ and $-55$ mV return the limits; everywhere else the values must be accurate to a
relative 1e-6 (`-np.expm1(-x / 10)` computes $1 - e^{-x/10}$ accurately for small $x$).
"""))

add(answer("hh_rates", """
def hh_rates(v):
    ### BEGIN SOLUTION
    v = np.asarray(v, dtype=float)

    def x_over_1_minus_exp(x):      # x / (1 - exp(-x/10)), limit 10 at x = 0
        safe = np.where(x == 0, 1.0, x)
        return np.where(x == 0, 10.0, safe / -np.expm1(-safe / 10.0))

    alpha_n = 0.01 * x_over_1_minus_exp(v + 55.0)
    beta_n = 0.125 * np.exp(-0.0125 * (v + 65.0))
    alpha_m = 0.1 * x_over_1_minus_exp(v + 40.0)
    beta_m = 4.0 * np.exp(-0.0556 * (v + 65.0))
    alpha_h = 0.07 * np.exp(-0.05 * (v + 65.0))
    beta_h = 1.0 / (1.0 + np.exp(-0.1 * (v + 35.0)))
    return alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h
    ### END SOLUTION
"""))

add(t("test_hh_rates", """
rates_at_rest = hh_rates(-65.0)
assert len(rates_at_rest) == 6, "return six rates"
assert np.allclose(rates_at_rest, [0.01 * -10 / (1 - np.exp(1)), 0.125, 0.1 * -25 / (1 - np.exp(2.5)), 4.0, 0.07, 1 / (1 + np.exp(3))]), \\
    f"rates at -65 mV are wrong: {rates_at_rest}"
singular = hh_rates(np.array([-55.0, -40.0]))
assert np.all(np.isfinite(np.array(singular))), "no nan or inf at the removable singularities"
assert np.isclose(singular[0][0], 0.1) and np.isclose(singular[2][1], 1.0), \\
    f"alpha_n(-55) = 0.1 and alpha_m(-40) = 1; got {singular[0][0]}, {singular[2][1]}"
""", "hh_rates", "hh_rates", 2))

add(md("simulate_hh_task", r"""
### Task 4.2: exponential Euler (3 points)

Over one step the conductances barely change, so each equation is linear with constant
coefficients and can be solved exactly (Dayan & Abbott 5.6):
$x(t + \Delta t) = x_\infty + (x(t) - x_\infty)\,e^{-\Delta t/\tau_x}$ for every gate, and for the
voltage $V(t + \Delta t) = V_\infty + (V(t) - V_\infty)\,e^{-\Delta t/\tau_V}$ with

$$g_{tot} = \bar g_L + \bar g_K n^4 + \bar g_{Na} m^3 h,\qquad
V_\infty = \frac{\bar g_L E_L + \bar g_K n^4 E_K + \bar g_{Na} m^3 h E_{Na} + I_e/A}{g_{tot}},\qquad
\tau_V = \frac{c_m}{g_{tot}}.$$

Write `simulate_hh(i_e, t_max, dt=DT_HH, v_init=V_REST)`: `i_e` is $I_e/A$ in nA/mm$^2$, a float
or a 1-D array (one neuron per current, simulated together). Return `v` of shape
`(n_steps + 1,) + np.shape(i_e)` with `n_steps = int(round(t_max / dt))`, `v[0] = v_init`.

* Start every gate at its steady state $x_\infty(V_{init})$.
* Step $k \to k+1$: compute the rates, $x_\infty$, $\tau_x$, $g_{tot}$, $V_\infty$ and $\tau_V$
  **all from the values at step $k$**, then update the gates and $V$.
"""))

add(answer("simulate_hh", """
def simulate_hh(i_e, t_max, dt=DT_HH, v_init=V_REST):
    ### BEGIN SOLUTION
    i_e = np.asarray(i_e, dtype=float) / 1000.0          # uA/mm^2
    n_steps = int(round(t_max / dt))
    v = np.full(i_e.shape, float(v_init))
    an, bn, am, bm, ah, bh = hh_rates(v)
    n, m, h = an / (an + bn), am / (am + bm), ah / (ah + bh)
    trace = np.empty((n_steps + 1,) + i_e.shape)
    trace[0] = v
    for k in range(n_steps):
        an, bn, am, bm, ah, bh = hh_rates(v)
        g_k, g_na = G_K * n ** 4, G_NA * m ** 3 * h
        g_tot = G_L + g_k + g_na
        v_inf = (G_L * E_L_HH + g_k * E_K + g_na * E_NA + i_e) / g_tot
        n = an / (an + bn) + (n - an / (an + bn)) * np.exp(-dt * (an + bn))
        m = am / (am + bm) + (m - am / (am + bm)) * np.exp(-dt * (am + bm))
        h = ah / (ah + bh) + (h - ah / (ah + bh)) * np.exp(-dt * (ah + bh))
        v = v_inf + (v - v_inf) * np.exp(-dt * g_tot / C_M)
        trace[k + 1] = v
    return trace
    ### END SOLUTION
"""))

add(t("test_simulate_hh", """
quiet = simulate_hh(0.0, 5.0)
assert isinstance(quiet, np.ndarray) and quiet.shape == (501,), f"5 ms in steps of 0.01 ms: shape (501,); got {np.shape(quiet)}"
assert np.all(np.abs(quiet + 65.0) < 0.05), "without input the neuron stays near rest (-65 mV)"
both = simulate_hh(np.array([0.0, 200.0]), 10.0)
assert both.shape == (1001, 2), f"two currents: shape (1001, 2); got {both.shape}"
assert both[:, 1].max() > 20 and both[:, 0].max() < -60, "200 nA/mm^2 must make the neuron spike within 10 ms"
""", "simulate_hh", "simulate_hh", 3))

add(md("hh_fi_md", r"""
The next cell computes the HH F-I curve from rest, for $I_e/A$ from 0 to 300 nA/mm$^2$, all
currents in one vectorised run of 200 ms; a spike is an upward crossing of 0 mV, counted after
the first 50 ms (`crossing_rate` from `course.models`).
"""))

add(code("hh_fi_plot", """
currents_hh = np.arange(0.0, 301.0, 10.0)
with needs("hh_rates", "simulate_hh"):
    v_hh = simulate_hh(currents_hh, 200.0)
    rates_hh = crossing_rate(v_hh, DT_HH, t_start=50.0)
    plot_fi_curve(currents_hh, rates_hh, xlabel="$I_e/A$ (nA/mm$^2$)", title="Hodgkin-Huxley F-I curve")
    plt.show()
"""))

add(md("fi_onset_task", r"""
### Task 4.3: rheobase and rate jump (1 point)

Write `fi_onset(currents, rates)`: for increasing `currents` and the `rates` (Hz) measured there,
return `(rheobase, jump)`: the first current with a rate > 0 and the rate there, as floats; when
no current gives a rate > 0 return `(float("nan"), 0.0)`. A large jump (the neuron cannot fire
slowly) marks **type II** excitability (HH); a jump near 0 marks **type I**.
"""))

add(answer("fi_onset", """
def fi_onset(currents, rates):
    ### BEGIN SOLUTION
    firing = np.flatnonzero(np.asarray(rates) > 0)
    if firing.size == 0:
        return float("nan"), 0.0
    return float(currents[firing[0]]), float(rates[firing[0]])
    ### END SOLUTION
"""))

add(t("test_fi_onset", """
assert fi_onset(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 30.0])) == (2.0, 30.0), "rheobase 2, jump 30"
none = fi_onset(np.array([0.0, 1.0]), np.zeros(2))
assert np.isnan(none[0]) and none[1] == 0.0, "no firing: (nan, 0.0)"
""", "fi_onset", "fi_onset", 1))

add(md("cs_intro", r"""
### The Connor-Stevens model

Connor and Stevens added a transient **A-type potassium current** $\bar g_A a^3 b (V - E_A)$ to a
model with shifted Na and K kinetics (Dayan & Abbott 2001, section 6.2 and chapter 6 appendix):
$\bar g_L = 0.003$, $\bar g_{Na} = 1.2$, $\bar g_K = 0.2$, $\bar g_A = 0.477$ mS/mm$^2$;
$E_L = -17$, $E_{Na} = 55$, $E_K = -72$, $E_A = -75$ mV; $c_m = 10$ nF/mm$^2$. Gates:

$$\alpha_m = \frac{0.38(V + 29.7)}{1 - e^{-0.1(V + 29.7)}},\ \beta_m = 15.2\,e^{-0.0556(V + 54.7)},\quad
\alpha_h = 0.266\,e^{-0.05(V + 48)},\ \beta_h = \frac{3.8}{1 + e^{-0.1(V + 18)}},$$
$$\alpha_n = \frac{0.02(V + 45.7)}{1 - e^{-0.1(V + 45.7)}},\ \beta_n = 0.25\,e^{-0.0125(V + 55.7)},$$
$$a_\infty = \left(\frac{0.0761\,e^{0.0314(V + 94.22)}}{1 + e^{0.0346(V + 1.17)}}\right)^{1/3},\ 
\tau_a = 0.3632 + \frac{1.158}{1 + e^{0.0497(V + 55.96)}},\quad
b_\infty = \left(\frac{1}{1 + e^{0.0688(V + 53.3)}}\right)^4,\ \tau_b = 1.24 + \frac{2.678}{1 + e^{0.0624(V + 50)}}.$$

(removable singularities at $V = -29.7$ and $-45.7$ mV, limits $3.8$ and $0.2$.)

**The leak reversal in the comparison.** With $E_L = -17$ mV the A-current is what holds the
cell at rest (about $-68$ mV): with $\bar g_A = 0$ and $E_L = -17$ mV the model fires
spontaneously, at about 155 Hz without any input. So to compare F-I curves *with and without*
the A-current we keep the resting potential fixed at $V_{rest} = -67.98$ mV (the rest of the
standard model) and choose $E_L$ for each $\bar g_A$ so that the steady-state membrane current
vanishes there: $E_L = -67.87$ mV for $\bar g_A = 0$, $-46.54$ mV for $\bar g_A = 0.2$, and the
standard $-17$ mV for $\bar g_A = 0.477$ mS/mm$^2$.
"""))

add(code("cs_parameters", """
CS_G_L, CS_G_NA, CS_G_K, CS_G_A = 0.003, 1.2, 0.2, 0.477   # mS/mm^2 (Dayan & Abbott 2001, ch. 6)
CS_E_L, CS_E_NA, CS_E_K, CS_E_A = -17.0, 55.0, -72.0, -75.0  # mV
CS_REST = -67.98                                            # mV, rest of the standard model
"""))

add(md("cs_gates_task", r"""
### Task 4.4: Connor-Stevens gates (2 points)

Write `cs_gates(v)` returning `(m_inf, tau_m, h_inf, tau_h, n_inf, tau_n, a_inf, tau_a, b_inf, tau_b)`
(time constants in ms; for m, h, n from their $\alpha$, $\beta$) for `v` in mV, a float or an
array, with the limits at the removable singularities and a relative accuracy of 1e-6 elsewhere.
"""))

add(answer("cs_gates", """
def cs_gates(v):
    ### BEGIN SOLUTION
    v = np.asarray(v, dtype=float)

    def x_over_1_minus_exp(x):
        safe = np.where(x == 0, 1.0, x)
        return np.where(x == 0, 10.0, safe / -np.expm1(-safe / 10.0))

    am, bm = 0.38 * x_over_1_minus_exp(v + 29.7), 15.2 * np.exp(-0.0556 * (v + 54.7))
    ah, bh = 0.266 * np.exp(-0.05 * (v + 48.0)), 3.8 / (1.0 + np.exp(-0.1 * (v + 18.0)))
    an, bn = 0.02 * x_over_1_minus_exp(v + 45.7), 0.25 * np.exp(-0.0125 * (v + 55.7))
    a_inf = (0.0761 * np.exp(0.0314 * (v + 94.22)) / (1.0 + np.exp(0.0346 * (v + 1.17)))) ** (1 / 3)
    tau_a = 0.3632 + 1.158 / (1.0 + np.exp(0.0497 * (v + 55.96)))
    b_inf = (1.0 / (1.0 + np.exp(0.0688 * (v + 53.3)))) ** 4
    tau_b = 1.24 + 2.678 / (1.0 + np.exp(0.0624 * (v + 50.0)))
    return (am / (am + bm), 1 / (am + bm), ah / (ah + bh), 1 / (ah + bh), an / (an + bn), 1 / (an + bn),
            a_inf, tau_a, b_inf, tau_b)
    ### END SOLUTION
"""))

add(t("test_cs_gates", """
gates = cs_gates(np.array([-68.0, -29.7, -45.7]))
assert len(gates) == 10 and all(np.shape(g) == (3,) for g in gates), "ten arrays of the shape of v"
assert np.all(np.isfinite(np.array(gates))), "no nan at the removable singularities"
assert np.isclose(gates[7][0], 0.3632 + 1.158 / (1 + np.exp(0.0497 * (-68.0 + 55.96)))), "tau_a at -68 mV is wrong"
assert all(0 < g < 1 for g in np.array(gates)[[0, 2, 4, 6, 8]].ravel()), "steady states lie between 0 and 1"
""", "cs_gates", "cs_gates", 2))

add(md("simulate_cs_task", r"""
### Task 4.5: simulate Connor-Stevens (2 points)

Write `simulate_cs(i_e, t_max, dt=DT_HH, g_a=CS_G_A, e_l=CS_E_L, v_init=-68.0)` like
`simulate_hh`, with five gates (m, h, n, a, b, each started at its steady state at `v_init`) and
the A-current in $g_{tot}$ and $V_\infty$. `i_e`, `g_a` and `e_l` may be floats or arrays that
broadcast together (for example currents of shape `(1, 31)` with `g_a` and `e_l` of shape
`(4, 1)` simulate 4 x 31 neurons); `v` has shape `(n_steps + 1,)` + their broadcast shape.
"""))

add(answer("simulate_cs", """
def simulate_cs(i_e, t_max, dt=DT_HH, g_a=CS_G_A, e_l=CS_E_L, v_init=-68.0):
    ### BEGIN SOLUTION
    i_e = np.asarray(i_e, dtype=float) / 1000.0
    shape = np.broadcast(i_e, np.asarray(g_a), np.asarray(e_l)).shape
    n_steps = int(round(t_max / dt))
    v = np.full(shape, float(v_init))
    m, _, h, _, n, _, a, _, b, _ = cs_gates(v)
    trace = np.empty((n_steps + 1,) + shape)
    trace[0] = v
    for k in range(n_steps):
        m_inf, tau_m, h_inf, tau_h, n_inf, tau_n, a_inf, tau_a, b_inf, tau_b = cs_gates(v)
        g_na, g_k, g_aa = CS_G_NA * m ** 3 * h, CS_G_K * n ** 4, g_a * a ** 3 * b
        g_tot = CS_G_L + g_na + g_k + g_aa
        v_inf = (CS_G_L * e_l + g_na * CS_E_NA + g_k * CS_E_K + g_aa * CS_E_A + i_e) / g_tot
        m = m_inf + (m - m_inf) * np.exp(-dt / tau_m)
        h = h_inf + (h - h_inf) * np.exp(-dt / tau_h)
        n = n_inf + (n - n_inf) * np.exp(-dt / tau_n)
        a = a_inf + (a - a_inf) * np.exp(-dt / tau_a)
        b = b_inf + (b - b_inf) * np.exp(-dt / tau_b)
        v = v_inf + (v - v_inf) * np.exp(-dt * g_tot / C_M)
        trace[k + 1] = v
    return trace
    ### END SOLUTION
"""))

add(t("test_simulate_cs", """
cs_quiet = simulate_cs(0.0, 5.0)
assert isinstance(cs_quiet, np.ndarray) and cs_quiet.shape == (501,), f"shape (501,); got {np.shape(cs_quiet)}"
assert np.all(np.abs(cs_quiet + 68.0) < 0.5), "the standard model rests near -68 mV without input"
spont = simulate_cs(0.0, 20.0, g_a=0.0, e_l=-17.0)
assert spont.max() > 0, "without the A-current and with E_L = -17 mV the model fires spontaneously"
assert simulate_cs(np.zeros((1, 2)), 1.0, g_a=np.array([[0.0], [0.477]]), e_l=-17.0).shape == (101, 2, 2), \\
    "currents (1, 2) with g_a (2, 1) give traces of shape (n_steps + 1, 2, 2)"
""", "simulate_cs", "simulate_cs", 2))

add(md("cs_fi_md", r"""
The next cell sweeps $\bar g_A$ from 0 to the standard 0.477 mS/mm$^2$, with $E_L$ chosen to
keep the rest at $-67.98$ mV as explained above, and adds the $\bar g_A = 0$, $E_L = -17$ mV case
(spontaneous firing). 4 x 31 neurons run together for 250 ms; rates are counted after 100 ms.
"""))

add(code("cs_fi_plot", """
g_a_sweep = np.array([0.0, 0.2, 0.477, 0.0])
e_l_sweep = np.array([-67.87, -46.54, -17.0, -17.0])
currents_cs = np.arange(0.0, 301.0, 10.0)
with needs("cs_gates", "simulate_cs", "fi_onset"):
    v_cs = simulate_cs(currents_cs[None, :], 250.0, g_a=g_a_sweep[:, None], e_l=e_l_sweep[:, None], v_init=CS_REST)
    rates_cs = crossing_rate(v_cs, DT_HH, t_start=100.0)
    fig, ax = plt.subplots(figsize=(6, 4))
    for g, el, r in zip(g_a_sweep, e_l_sweep, rates_cs):
        onset = fi_onset(currents_cs, r)
        plot_fi_curve(currents_cs, r, ax=ax, label=f"g_A = {g:g}, E_L = {el:g} mV (rheobase {onset[0]:g}, jump {onset[1]:.0f} Hz)")
    ax.set(xlabel="$I_e/A$ (nA/mm$^2$)", title="Connor-Stevens F-I curves")
    ax.legend(fontsize="x-small")
    plt.show()
"""))

add(md("a_current_question", r"""
### Question 4.6 (2 points, graded by hand)

Compare the HH curve and the Connor-Stevens curves with and without the A-current. What does the
A-current do to the F-I curve near threshold, and why (think of what $a$ and $b$ do while the
membrane slowly depolarises between spikes)? Why does the "no A-current" model need another
leak reversal than $-17$ mV?
"""))

add(written("answer_a_current", r"""
### BEGIN SOLUTION
HH and Connor-Stevens without A-current are type II: at rheobase the rate jumps to tens of Hz
(about 60 Hz for HH, about 90 Hz for Connor-Stevens with
$\bar g_A = 0$ and the leak adjusted). With the full A-current the curve
starts near 0 Hz and rises continuously (type I), allowing arbitrarily low rates. After a spike
the membrane hyperpolarises, which removes the inactivation of the A-current ($b$ recovers);
during the slow depolarisation towards threshold $a$ activates and the outward A-current
opposes it, and it inactivates only slowly ($\tau_b$ of several ms). This stretches the
interspike interval, more so the closer the input is to threshold, so low rates become possible.
Larger $\bar g_A$ lowers the rates and the jump. The A-current also carries much of the outward
current at rest; without it, $E_L = -17$ mV would depolarise the cell past threshold (it fires
spontaneously), so the comparison must set $E_L$ to keep the same resting potential.
### END SOLUTION
""", 2))

# ===== Part 5 =====================================================================================
add(md("adex_intro", r"""
## Part 5. Exponential and adaptive exponential integrate-and-fire neurons

The AdEx neuron (Brette & Gerstner 2005) adds to the LIF an exponential term that produces the
spike upswing and an adaptation current $w$:

$$C\frac{dV}{dt} = -g_L(V - E_L) + g_L\Delta_T\,e^{(V - V_T)/\Delta_T} - w + I,\qquad
\tau_w\frac{dw}{dt} = a(V - E_L) - w,$$

and when $V \ge V_{peak}$: $V \to V_r$, $w \to w + b$. $V_T$ is the *rheobase threshold*
($\theta_{rh}$), $\Delta_T$ the *slope factor* (sharpness of the spike onset), $V_r$ the *reset*,
$a$ the subthreshold adaptation, $b$ the spike-triggered adaptation, $\tau_w$ its time constant.
The exponential LIF (ELIF) is the case $a = b = 0$. Units: mV, ms, pF, nS, pA (nS · mV = pA,
pA/pF = mV/ms).

Default: Brette & Gerstner's regular-spiking cell, with the spike cut at $V_{peak} = V_T + 5\Delta_T$
as in Brian2's example of that paper. The Naud et al. (2008) patterns use their Table 1 with the
cut at 0 mV, as in Brian2's example of that paper.
"""))

add(code("adex_parameters", """
DT_ADEX = 0.1   # ms
RS = dict(c_m=281.0, g_l=30.0, e_l=-70.6, v_t=-50.4, delta_t=2.0,   # Brette & Gerstner 2005
          a=4.0, tau_w=144.0, b=80.5, v_r=-70.6, v_peak=-40.4)
ELIF = dict(RS, a=0.0, b=0.0)


def naud(c_m, g_l, e_l, a, tau_w, b, v_r):
    return dict(c_m=c_m, g_l=g_l, e_l=e_l, v_t=-50.0, delta_t=2.0, a=a, tau_w=tau_w, b=b, v_r=v_r, v_peak=0.0)


NAUD = {   # Naud et al. 2008, Table 1: (parameters, step current in pA)
    "tonic": (naud(200.0, 10.0, -70.0, 2.0, 30.0, 0.0, -58.0), 500.0),
    "adapting": (naud(200.0, 12.0, -70.0, 2.0, 300.0, 60.0, -58.0), 500.0),
    "initial burst": (naud(130.0, 18.0, -58.0, 4.0, 150.0, 120.0, -50.0), 400.0),
    "bursting": (naud(200.0, 10.0, -58.0, 2.0, 120.0, 100.0, -46.0), 210.0),
}
"""))

add(md("simulate_adex_task", r"""
### Task 5.1: simulate AdEx (4 points)

Write `simulate_adex(current, dt, params)` with Euler's method. `current` (pA) has shape
`(n_steps,)` or `(n_steps, n)` (one column per neuron, simulated together); `params` is a dict
like `RS`. Return `(v, w, spikes)`, three arrays of the shape of `current`: V (mV), w (pA) and a
bool array that is True at the steps where a spike was detected.

* `v[0] = e_l`, `w[0] = 0`. For `k = 0 .. n_steps - 2`, `current[k]` drives the step from `k`
  to `k + 1`: compute $dV/dt$ and $dw/dt$ from `v[k]`, `w[k]`, then `v[k+1] = v[k] + dt * dV/dt`,
  `w[k+1] = w[k] + dt * dw/dt`.
* If `v[k+1] >= v_peak`: `spikes[k+1] = True`, `v[k+1] = v_r`, `w[k+1] += b`.
"""))

add(answer("simulate_adex", """
def simulate_adex(current, dt, params):
    ### BEGIN SOLUTION
    p = params
    current = np.asarray(current, dtype=float)
    v, w = np.empty(current.shape), np.empty(current.shape)
    spikes = np.zeros(current.shape, dtype=bool)
    v[0], w[0] = p["e_l"], 0.0
    for k in range(len(current) - 1):
        leak = -p["g_l"] * (v[k] - p["e_l"])
        spike_term = p["g_l"] * p["delta_t"] * np.exp((v[k] - p["v_t"]) / p["delta_t"])
        v[k + 1] = v[k] + dt * (leak + spike_term - w[k] + current[k]) / p["c_m"]
        w[k + 1] = w[k] + dt * (p["a"] * (v[k] - p["e_l"]) - w[k]) / p["tau_w"]
        fired = v[k + 1] >= p["v_peak"]
        spikes[k + 1] = fired
        v[k + 1] = np.where(fired, p["v_r"], v[k + 1])
        w[k + 1] = np.where(fired, w[k + 1] + p["b"], w[k + 1])
    return v, w, spikes
    ### END SOLUTION
"""))

add(t("test_simulate_adex", """
v_a, w_a, s_a = simulate_adex(np.zeros(100), DT_ADEX, RS)
assert v_a.shape == w_a.shape == s_a.shape == (100,), "three arrays of the shape of the current"
assert np.allclose(v_a, RS["e_l"], atol=1e-3) and np.allclose(w_a, 0.0, atol=1e-3) and not s_a.any(), \\
    "without input V and w stay at rest (the exponential term alone moves V by less than 1e-3 mV here)"
v_b, w_b, s_b = simulate_adex(np.full(3000, 1000.0), DT_ADEX, RS)
assert s_b.sum() > 3 and np.all(v_b < RS["v_peak"]), "1 nA makes the RS cell fire; stored v stays below v_peak"
first = np.flatnonzero(s_b)[0]
assert v_b[first] == RS["v_r"] and w_b[first] > RS["b"] - 1e-9, "at a spike v = v_r and w jumps by b"
isi_b = np.diff(np.flatnonzero(s_b))
assert isi_b[-1] > isi_b[0], "with b > 0 the intervals grow (adaptation)"
""", "simulate_adex", "simulate_adex", 4))

add(md("random_step_task", r"""
### Task 5.2: a random step current (1 point)

Write `random_step_current(n_steps, dt, hold, low, high, rng)`: a current that takes a new level
every `hold` ms, drawn uniformly from `[low, high)` pA. With `m = int(round(hold / dt))` steps per
level, draw all `n_levels = ceil(n_steps / m)` levels in **one** call
`rng.uniform(low, high, size=n_levels)`, then `current[k] = levels[k // m]`. Return an array of
shape `(n_steps,)`.
"""))

add(answer("random_step_current", """
def random_step_current(n_steps, dt, hold, low, high, rng):
    ### BEGIN SOLUTION
    m = int(round(hold / dt))
    levels = rng.uniform(low, high, size=math.ceil(n_steps / m))
    return np.repeat(levels, m)[:n_steps]
    ### END SOLUTION
"""))

add(t("test_random_step_current", """
cur = random_step_current(25, 0.1, 1.0, 0.0, 10.0, np.random.default_rng(0))
assert isinstance(cur, np.ndarray) and cur.shape == (25,), "shape (n_steps,)"
assert np.all(cur[:10] == cur[0]) and cur[10] != cur[0], "a new level every 10 steps (1 ms / 0.1 ms)"
assert np.allclose(cur[::10], np.random.default_rng(0).uniform(0.0, 10.0, 3)), "draw the 3 levels in one call"
""", "random_step_current", "random_step_current", 1))

add(code("step_random_plot", """
with needs("simulate_adex", "random_step_current"):
    n_plot = 3000
    t_plot = np.arange(n_plot) * DT_ADEX
    step = np.where((t_plot >= 20.0) & (t_plot < 220.0), 1000.0, 0.0)   # Brette & Gerstner's 1 nA step
    noisy = random_step_current(n_plot, DT_ADEX, 5.0, 0.0, 1500.0, np.random.default_rng(4))
    fig, axes = plt.subplots(3, 2, figsize=(12, 7), sharex=True)
    for col, (name, current) in enumerate((("1 nA step", step), ("random steps every 5 ms", noisy))):
        for row_model, params in (("ELIF", ELIF), ("AdEx", RS)):
            v, w, s = simulate_adex(current, DT_ADEX, params)
            axes[0, col].plot(t_plot, v, label=f"{row_model}: {s.sum()} spikes")
            if row_model == "AdEx":
                axes[1, col].plot(t_plot, w, color="C1")
        axes[2, col].plot(t_plot, current, color="k")
        axes[0, col].set(title=name, ylabel="V (mV)")
        axes[0, col].legend(fontsize="small")
        axes[1, col].set(ylabel="AdEx w (pA)")
        axes[2, col].set(ylabel="I (pA)", xlabel="time (ms)")
    fig.tight_layout()
    plt.show()
"""))

add(md("rheobase_task", r"""
### Task 5.3: rheobase from the nullclines (2 points)

For a constant $I$ the fixed points satisfy $dV/dt = 0$ and $dw/dt = 0$, i.e. $w = a(V - E_L)$ and
$I = (g_L + a)(V - E_L) - g_L\Delta_T e^{(V - V_T)/\Delta_T}$. The right-hand side has a maximum;
above it the nullclines no longer intersect and the neuron must fire. Setting its derivative to
zero gives $V^* = V_T + \Delta_T\ln(1 + a/g_L)$ and

$$I_{rh} = (g_L + a)\,(V^* - E_L - \Delta_T),$$

which for the ELIF ($a = 0$) is $g_L(V_T - E_L - \Delta_T)$. Write `adex_rheobase(params)`
returning $I_{rh}$ in pA (assume $a > -g_L$). (When $a$ is large compared with $C/\tau_w$ the
resting state can lose stability slightly below $I_{rh}$, through a Hopf bifurcation; $I_{rh}$
is the current above which no resting state exists.)
"""))

add(answer("adex_rheobase", """
def adex_rheobase(params):
    ### BEGIN SOLUTION
    p = params
    v_star = p["v_t"] + p["delta_t"] * math.log(1.0 + p["a"] / p["g_l"])
    return (p["g_l"] + p["a"]) * (v_star - p["e_l"] - p["delta_t"])
    ### END SOLUTION
"""))

add(t("test_adex_rheobase", """
assert np.isclose(adex_rheobase(ELIF), 30.0 * (-50.4 + 70.6 - 2.0)), "ELIF: g_L (V_T - E_L - Delta_T) = 546 pA"
assert adex_rheobase(RS) > adex_rheobase(ELIF), "adaptation (a > 0) raises the rheobase"
""", "adex_rheobase", "adex_rheobase", 2))

add(md("effects_md", r"""
### The effect of each parameter

The next cell counts spikes in the first 500 ms of a constant current while one parameter takes a
low and a high value: the ELIF at 600 pA (just above its 546 pA rheobase) for $\Delta_T$ (1 and
4 mV), $V_T = \theta_{rh}$ ($-52$ and $-48$ mV) and the reset $V_r$ ($-70.6$ and $-55$ mV); the
regular-spiking AdEx at 1000 pA for $a$ (0 and 20 nS), $b$ (0 and 200 pA) and $\tau_w$ (50 and
500 ms). $V_{peak}$ stays at $-40.4$ mV.
"""))

add(code("effects_plot", """
EFFECT_RUNS = {"delta_t": (ELIF, 600.0, 1.0, 4.0), "v_t": (ELIF, 600.0, -52.0, -48.0), "v_r": (ELIF, 600.0, -70.6, -55.0),
               "a": (RS, 1000.0, 0.0, 20.0), "b": (RS, 1000.0, 0.0, 200.0), "tau_w": (RS, 1000.0, 50.0, 500.0)}
with needs("simulate_adex"):
    t_eff = np.arange(5000) * DT_ADEX
    fig, axes = plt.subplots(2, 3, figsize=(13, 6), sharex=True)
    for ax, (name, (base, amplitude, low, high)) in zip(axes.ravel(), EFFECT_RUNS.items()):
        for value in (low, high):
            v, _, s = simulate_adex(np.full(5000, amplitude), DT_ADEX, dict(base, **{name: value}))
            ax.plot(t_eff, v, linewidth=0.8, label=f"{name} = {value:g}: {s.sum()} spikes")
        ax.set(title=f"{name} ({amplitude:g} pA)", xlabel="time (ms)", ylabel="V (mV)")
        ax.legend(fontsize="x-small", loc="lower right")
    fig.tight_layout()
    plt.show()
"""))

add(md("effects_task", r"""
### Task 5.4: direction of each effect (2 points)

From the plot (and the equations), fill in the dict `EFFECTS`: for each parameter, `"more"` or
`"fewer"`: does **raising** it give more or fewer spikes in the first 500 ms in the experiments
above? Keys: `"delta_t"`, `"v_t"`, `"v_r"`, `"a"`, `"b"`, `"tau_w"`.
"""))

add(answer("effects", """
### BEGIN SOLUTION
EFFECTS = {"delta_t": "more", "v_t": "fewer", "v_r": "more", "a": "fewer", "b": "fewer", "tau_w": "fewer"}
### END SOLUTION
"""))

add(t("test_effects", """
assert isinstance(EFFECTS, dict) and set(EFFECTS) == {"delta_t", "v_t", "v_r", "a", "b", "tau_w"}, \\
    "EFFECTS needs the six keys delta_t, v_t, v_r, a, b, tau_w"
assert set(EFFECTS.values()) <= {"more", "fewer"}, 'each value is "more" or "fewer"'
""", "effects", "EFFECTS", 2))

add(md("classify_task", r"""
### Task 5.5: classify firing patterns (3 points)

Naud et al. (2008) sort AdEx responses to a current step into patterns. Write
`classify_firing(spike_times)` (times in ms, increasing) that returns one of these strings, using
`isi = np.diff(spike_times)` and `late = isi[len(isi) // 2:]` (the second half), checking **in
this order**:

1. fewer than 4 ISIs: `"too few spikes"`;
2. `late.max() > 3 * late.min()` (short and long intervals alternate): `"bursting"`;
3. some `isi[i + 1] > 3 * isi[i]` for `i` in 0, 1, 2 (a burst, then regular firing): `"initial burst"`;
4. `isi[-1] > 1.5 * isi[0]`: `"adapting"`;
5. otherwise `"tonic"`.
"""))

add(answer("classify_firing", """
def classify_firing(spike_times):
    ### BEGIN SOLUTION
    isi = np.diff(np.asarray(spike_times, dtype=float))
    if len(isi) < 4:
        return "too few spikes"
    late = isi[len(isi) // 2:]
    if late.max() > 3 * late.min():
        return "bursting"
    if any(isi[i + 1] > 3 * isi[i] for i in range(3)):
        return "initial burst"
    if isi[-1] > 1.5 * isi[0]:
        return "adapting"
    return "tonic"
    ### END SOLUTION
"""))

add(t("test_classify_firing", """
assert classify_firing(np.arange(0.0, 100.0, 10.0)) == "tonic", "equal intervals are tonic"
assert classify_firing(np.array([0.0, 10.0])) == "too few spikes", "two spikes are too few"
assert classify_firing(np.cumsum([0.0, 10, 14, 18, 22, 26, 30])) == "adapting", "steadily growing intervals: adapting"
""", "classify_firing", "classify_firing", 3))

add(code("patterns_plot", """
with needs("simulate_adex", "classify_firing"):
    n_pat = 6000    # 600 ms
    t_pat = np.arange(n_pat) * DT_ADEX
    fig, axes = plt.subplots(len(NAUD), 1, figsize=(10, 8), sharex=True)
    for ax, (name, (params, amplitude)) in zip(axes, NAUD.items()):
        v, w, s = simulate_adex(np.full(n_pat, amplitude), DT_ADEX, params)
        spike_times = t_pat[s]
        ax.plot(t_pat, np.where(s, 0.0, v), linewidth=0.8)
        ax.set(ylabel="V (mV)", title=f"Naud et al. 2008 '{name}' ({amplitude:g} pA): classified as '{classify_firing(spike_times)}'")
    axes[-1].set_xlabel("time (ms)")
    fig.tight_layout()
    plt.show()
"""))

add(md("isi_task", r"""
### Task 5.6: first-ISI and steady-state rates (1 point)

Write `isi_rates(spike_times)` returning `(first, steady)` in Hz: `1000 / (t[1] - t[0])` and
`1000 / (t[-1] - t[-2])` (times in ms), or `(0.0, 0.0)` with fewer than two spikes. The next cell
uses it for the F-I curves of ELIF and AdEx: all currents run at once (one column each), 1 s.
"""))

add(answer("isi_rates", """
def isi_rates(spike_times):
    ### BEGIN SOLUTION
    t = np.asarray(spike_times, dtype=float)
    if len(t) < 2:
        return 0.0, 0.0
    return 1000.0 / (t[1] - t[0]), 1000.0 / (t[-1] - t[-2])
    ### END SOLUTION
"""))

add(t("test_isi_rates", """
assert np.allclose(isi_rates(np.array([0.0, 10.0, 30.0, 60.0])), (100.0, 1000 / 30)), "first ISI 10 ms, last 30 ms"
assert tuple(isi_rates(np.array([3.0]))) == (0.0, 0.0), "one spike: (0, 0)"
""", "isi_rates", "isi_rates", 1))

add(code("adex_fi_plot", """
with needs("simulate_adex", "isi_rates", "adex_rheobase"):
    currents_adex = np.arange(0.0, 2001.0, 100.0)
    n_fi = 10000     # 1 s
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, params in (("ELIF", ELIF), ("AdEx", RS)):
        _, _, s = simulate_adex(np.tile(currents_adex, (n_fi, 1)), DT_ADEX, params)
        rates = np.array([isi_rates(np.flatnonzero(s[:, j]) * DT_ADEX) for j in range(len(currents_adex))])
        plot_fi_curve(currents_adex, rates[:, 0], ax=ax, fmt="o-", label=f"{name} first ISI")
        plot_fi_curve(currents_adex, rates[:, 1], ax=ax, fmt="s--", label=f"{name} steady state")
        ax.axvline(adex_rheobase(params), color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="I (pA)", title="F-I curves (dotted: rheobase from the nullclines)")
    ax.legend(fontsize="small")
    plt.show()
"""))

# ===== Part 6 =====================================================================================
add(md("sliders_md", r"""
## Part 6. Sliders

Move the sliders to redraw the AdEx response (V and w) to a 300 ms step, and the HH response to a
constant current. (In JupyterLab the figure updates when you release a handle.)
"""))

add(code("adex_slider", """
def draw_adex(amplitude=1000.0, a=4.0, b=80.5, tau_w=144.0, delta_t=2.0, v_r=-70.6):
    with needs("simulate_adex"):
        n = 4000
        t = np.arange(n) * DT_ADEX
        current = np.where((t >= 50.0) & (t < 350.0), amplitude, 0.0)
        v, w, s = simulate_adex(current, DT_ADEX, dict(RS, a=a, b=b, tau_w=tau_w, delta_t=delta_t, v_r=v_r))
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
        ax1.plot(t, v)
        ax1.set(ylabel="V (mV)", title=f"AdEx: {s.sum()} spikes")
        ax2.plot(t, w, color="C1")
        ax2.set(ylabel="w (pA)", xlabel="time (ms)")
        plt.show()


interactive_plot(draw_adex,
                 amplitude=float_slider("I (pA)", 1000.0, 0.0, 2000.0, 50.0),
                 a=float_slider("a (nS)", 4.0, -10.0, 40.0, 1.0),
                 b=float_slider("b (pA)", 80.5, 0.0, 300.0, 5.0),
                 tau_w=float_slider("tau_w (ms)", 144.0, 10.0, 1000.0, 0.05, log=True),
                 delta_t=float_slider("Delta_T (mV)", 2.0, 0.5, 6.0, 0.5),
                 v_r=float_slider("V_r (mV)", -70.6, -75.0, -45.0, 0.5))
""", tags=("nbval-ignore-output",)))

add(code("hh_slider", """
def draw_hh(i_e=100.0):
    with needs("hh_rates", "simulate_hh"):
        v = simulate_hh(i_e, 100.0)
        t = np.arange(len(v)) * DT_HH
        rate = crossing_rate(v, DT_HH, t_start=20.0)
        plot_membrane(t, v, xlabel="time (ms)", ylabel="V (mV)", title=f"HH, I_e/A = {i_e:g} nA/mm$^2$: {rate:.0f} Hz after 20 ms")
        plt.show()


interactive_plot(draw_hh, i_e=float_slider("I_e/A (nA/mm^2)", 100.0, 0.0, 300.0, 5.0))
""", tags=("nbval-ignore-output",)))


def main():
    out = ROOT / "source" / A / f"{A}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    write(notebook(CELLS), out)
    print(f"wrote {out} ({len(CELLS)} cells)")


if __name__ == "__main__":
    main()
