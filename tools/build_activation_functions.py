"""Write source/activation_functions/activation_functions.ipynb (run from the repository root).

    .venv/bin/python tools/build_activation_functions.py

Then execute it in place and release it (README, "Instructor workflow"). The committed notebook
is the source of truth; this script is how it was written and the easiest way to change it.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from nbbuild import answer, code, md, notebook, test, write, written  # noqa: E402

A = "activation_functions"

# Appended to a test cell's visible part, whose last line is the 4-space indent before its closing
# quotes; the cell is dedented as a whole afterwards.
HIDDEN = '''### BEGIN HIDDEN TESTS
    from course.checking import check
    check("activation_functions.{name}", {target})
    ### END HIDDEN TESTS'''


def hidden(name, target=None):
    return HIDDEN.format(name=name, target=target or name)


CELLS = [
    md("intro", r"""
    # From firing rates to artificial neurons: activation functions, derivatives and a network trained by hand

    A neuron's firing rate is a nonlinear function of its input: in `lif_neuron` you derived the
    F-I curve of the leaky integrate-and-fire neuron, which is zero below a threshold current and
    rises steeply above it. Artificial neural networks keep exactly this picture and drop the
    spikes: a unit computes a weighted sum of its inputs and passes it through an **activation
    function** $f$, so its output is $f(w\cdot x + b)$. Networks learn by gradient descent, and
    every gradient is a product of derivatives $f'$, so the shape of $f'$ decides what a network
    can learn. In this assignment you

    1. write the logistic sigmoid, tanh and ReLU derivatives as numpy functions (a numerically
       stable sigmoid among them) and find where their gradients vanish;
    2. differentiate $f(wx + b)$ by the chain rule and check it against finite differences;
    3. build a network with one hidden layer of ReLU units in plain numpy, with backpropagation
       written by hand, and train it on two rings of points, once with 5 and once with 1000
       hidden units;
    4. use the LIF neuron's F-I curve as an activation function and look at its derivative at
       the threshold;
    5. explore the network with sliders.

    Parts 1 and 2 follow question 4 of Jeff Orchard's first assignment for CS 489/698 *Neural
    Networks* (University of Waterloo, 2019); Part 3 follows problem 2 of Kameron Decker
    Harris's *Neural networks: HW 1* (CNEURO summer school, 2022), including its data set.

    **How this notebook is graded (33 points).** Each task names the function to write, its
    arguments, what it returns, and its points. Replace every `raise NotImplementedError()` (and
    every "YOUR ANSWER HERE") with your answer; do not rename functions or change their arguments.

    * **25 points are graded automatically.** Below each function is a test cell. Its visible
      `assert`s check the shape, the type and one easy case, so you can run it and fix problems
      right away. When your notebook is graded, the same cell also runs **hidden tests** that call
      your function on other inputs (edge cases included) and compare the results with a
      reference solution or with finite differences. A test cell scores all its points or none.
      If your results match a common mistake, the feedback names it.
    * **8 points are graded by hand**: three written answers, one of them together with a figure.

    Use `numpy`, `matplotlib`, scikit-learn's data functions and the `course` helpers imported
    below; no deep-learning library. Wherever randomness is involved, use the random generator
    (`rng`) you are given. Before you submit, run **Kernel -> Restart Kernel and Run All Cells**
    and check that no cell fails.
    """),
    code("imports", """
    import functools
    import time
    import warnings

    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.datasets import make_circles
    from sklearn.model_selection import train_test_split

    from course.ann import choice_slider, plot_decision_region
    from course.notebook import needs
    from course.widgets import interactive_plot
    """),

    # ----- part 1 --------------------------------------------------------------------------------
    md("activations_intro", r"""
    ## Part 1. Activation functions and their derivatives

    Three activation functions and their derivatives (each is applied to every element of an
    array $z$ separately):

    | name | $f(z)$ | $f'(z)$ |
    |---|---|---|
    | logistic sigmoid | $\sigma(z) = \dfrac{1}{1 + e^{-z}}$ | $\sigma(z)\,\bigl(1 - \sigma(z)\bigr)$ |
    | hyperbolic tangent | $\tanh(z)$ | $1 - \tanh^2(z)$ |
    | rectified linear unit | $\mathrm{ReLU}(z) = \max(z, 0)$ | $1$ for $z > 0$, $0$ for $z < 0$ |

    **ReLU at 0.** ReLU has a corner at $z = 0$: its slope is 0 from the left and 1 from the
    right, so $\mathrm{ReLU}'(0)$ does not exist (every value in $[0, 1]$ is a *subgradient*).
    Software must pick one value; **in this course $\mathrm{ReLU}'(0) = 0$**, the choice of
    PyTorch and JAX. Your `relu_prime` must return exactly 0 at $z = 0$ (a hidden test checks
    it). In the network of Part 3 either value is fine, because there a pre-activation is never
    exactly 0.

    **A sigmoid that does not overflow.** The largest float64 is about $1.8\cdot 10^{308}
    \approx e^{709.8}$. For $z = -1000$ the textbook formula needs $e^{1000}$: numpy returns
    `inf`, prints `RuntimeWarning: overflow encountered in exp`, and only then gets the right
    answer $1/(1 + \infty) = 0$. In a larger computation that `inf` can turn into `nan`. Write
    the sigmoid so that `np.exp` only ever sees arguments $\le 0$: with $e = e^{-|z|} \in (0, 1]$,

    $$\sigma(z) = \frac{1}{1 + e}\ \ (z \ge 0), \qquad \sigma(z) = \frac{e}{1 + e}\ \ (z < 0).$$

    Careful: `np.where(cond, a, b)` computes **both** `a` and `b` for every element before it
    chooses, so `np.where(z >= 0, 1 / (1 + np.exp(-z)), ...)` still overflows; compute `e` first
    and combine the two safe expressions. The hidden test calls your `sigmoid` at $|z| = 1000$
    with warnings switched on: **a warning costs the points of the test.**

    ### Task 1.1: five functions (2 + 1 + 1 + 1 + 1 points)

    Write `sigmoid(z)`, `sigmoid_prime(z)`, `tanh_prime(z)`, `relu(z)` and `relu_prime(z)`
    (for tanh itself use `np.tanh`). Each takes a float or a numpy array of any shape and returns
    a float array of the same shape. `sigmoid_prime` must also give finite values (0) at
    $|z| = 1000$.
    """),
    answer("activation_functions", """
    def sigmoid(z):
        ### BEGIN SOLUTION
        z = np.asarray(z, dtype=float)
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        ### END SOLUTION


    def sigmoid_prime(z):
        ### BEGIN SOLUTION
        s = sigmoid(z)
        return s * (1 - s)
        ### END SOLUTION


    def tanh_prime(z):
        ### BEGIN SOLUTION
        return 1 - np.tanh(np.asarray(z, dtype=float)) ** 2
        ### END SOLUTION


    def relu(z):
        ### BEGIN SOLUTION
        return np.maximum(np.asarray(z, dtype=float), 0.0)
        ### END SOLUTION


    def relu_prime(z):
        ### BEGIN SOLUTION
        return np.where(np.asarray(z, dtype=float) > 0, 1.0, 0.0)
        ### END SOLUTION
    """),
    test("test_sigmoid", """
    z3 = np.array([-1.0, 0.0, 2.0])
    s3 = sigmoid(z3)
    assert isinstance(s3, np.ndarray) and s3.shape == (3,), "an array of 3 inputs gives an array of 3 outputs"
    assert np.allclose(s3, [0.2689414213699951, 0.5, 0.8807970779778823]), f"sigmoid(-1, 0, 2) should be (0.2689, 0.5, 0.8808); got {s3}"
    assert sigmoid(np.zeros((2, 3))).shape == (2, 3), "arrays of any shape keep their shape"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)   # here a warning becomes an error
        try:
            far = sigmoid(np.array([-1000.0, 1000.0]))
        except RuntimeWarning as problem:
            raise AssertionError(f"sigmoid is not stable at |z| = 1000: {problem}") from None
    assert far[0] == 0.0 and far[1] == 1.0, f"sigmoid(-1000) = 0 and sigmoid(1000) = 1 in float64; got {far}"
    """ + hidden("sigmoid"), 2),
    test("test_sigmoid_prime", """
    d3 = sigmoid_prime(np.array([-2.0, 0.0, 2.0]))
    assert isinstance(d3, np.ndarray) and d3.shape == (3,), "an array of 3 inputs gives an array of 3 outputs"
    assert np.isclose(d3[1], 0.25), f"sigma'(0) = 0.5 * (1 - 0.5) = 0.25; got {d3[1]}"
    assert np.isclose(d3[0], d3[2]) and np.isclose(d3[2], 0.10499358540350652), f"sigma'(+-2) = 0.105; got {d3}"
    assert np.all(np.isfinite(sigmoid_prime(np.array([-1000.0, 1000.0])))), "sigma' must be finite (0) at |z| = 1000"
    """ + hidden("sigmoid_prime"), 1),
    test("test_tanh_prime", """
    t3 = tanh_prime(np.array([-1.0, 0.0, 1.0]))
    assert isinstance(t3, np.ndarray) and t3.shape == (3,), "an array of 3 inputs gives an array of 3 outputs"
    assert np.allclose(t3, [0.41997434161402614, 1.0, 0.41997434161402614]), f"tanh'(-1, 0, 1) = (0.42, 1, 0.42); got {t3}"
    """ + hidden("tanh_prime"), 1),
    test("test_relu", """
    r4 = relu(np.array([[-2.0, 0.0], [0.5, 3.0]]))
    assert isinstance(r4, np.ndarray) and r4.shape == (2, 2), "a (2, 2) array gives a (2, 2) array (elementwise maximum with 0)"
    assert np.array_equal(r4, [[0.0, 0.0], [0.5, 3.0]]), f"relu([[-2, 0], [0.5, 3]]) = [[0, 0], [0.5, 3]]; got {r4}"
    """ + hidden("relu"), 1),
    test("test_relu_prime", """
    g3 = relu_prime(np.array([-1.0, 2.0, 0.0]))
    assert isinstance(g3, np.ndarray) and g3.shape == (3,), "an array of 3 inputs gives an array of 3 outputs"
    assert g3[0] == 0.0 and g3[1] == 1.0, f"ReLU'(-1) = 0 and ReLU'(2) = 1; got {g3[:2]}"
    assert g3[2] == 0.0, f"this course's convention: ReLU'(0) = 0; got {g3[2]}"
    """ + hidden("relu_prime"), 1),
    md("regions_task", r"""
    ### Task 1.2: where gradients vanish and where they peak (2 points)

    On a grid of points $z_k$ we call a derivative **vanishing** where $|f'(z_k)| \le \varepsilon$
    and **largest** where $f'(z_k) \ge \max_j f'(z_j) - \varepsilon$ (every point within
    $\varepsilon$ of the maximum, not only the single best one).

    Write `gradient_regions(dfdz, eps)`: `dfdz` is an array of derivative values $f'(z_k)$ (any
    shape) and `eps` a positive float. Return a tuple `(vanishing, largest)` of two boolean arrays
    of the shape of `dfdz`.
    """),
    answer("gradient_regions", """
    def gradient_regions(dfdz, eps):
        ### BEGIN SOLUTION
        dfdz = np.asarray(dfdz, dtype=float)
        return np.abs(dfdz) <= eps, dfdz >= dfdz.max() - eps
        ### END SOLUTION
    """),
    test("test_gradient_regions", """
    small, top = gradient_regions(np.array([0.0, 0.3, 1.0, 0.995, -0.5, 0.004]), 0.01)
    assert isinstance(small, np.ndarray) and small.dtype == bool and small.shape == (6,), "return boolean arrays of the input's shape"
    assert small.tolist() == [True, False, False, False, False, True], f"|f'| <= 0.01 at positions 0 and 5; got {small.tolist()}"
    assert top.tolist() == [False, False, True, True, False, False], f"within 0.01 of the maximum 1.0: positions 2 and 3; got {top.tolist()}"
    """ + hidden("gradient_regions"), 2),
    md("regions_demo_md", r"""
    The next cell applies your functions to 1201 points on $[-6, 6]$ (the range of the CS 489/698
    question) with $\varepsilon = 0.01$ and prints the intervals it finds.
    """),
    code("regions_demo", """
    Z = np.linspace(-6.0, 6.0, 1201)
    EPS_REGION = 0.01


    def intervals(mask):
        # the runs of True in a boolean mask over Z, as "[a, b]" strings
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
        return ", ".join(f"[{Z[a]:.2f}, {Z[b - 1]:.2f}]" for a, b in zip(edges[::2], edges[1::2])) or "nowhere"


    with needs("sigmoid_prime", "tanh_prime", "relu_prime", "gradient_regions"):
        for name, derivative in (("sigmoid", sigmoid_prime), ("tanh", tanh_prime), ("ReLU", relu_prime)):
            vanishing, largest = gradient_regions(derivative(Z), EPS_REGION)
            print(f"{name:8s} |f'| <= {EPS_REGION}: {intervals(vanishing)}")
            print(f"{'':8s} largest (max f' = {derivative(Z).max():.3f}): {intervals(largest)}")
    """),
    md("plot_task", r"""
    ### Task 1.3: plot the functions and their derivatives (part of the 3 points below, graded by hand)

    In the next cell, plot each of the three functions and its derivative on $[-6, 6]$ (use `Z`
    from above): one panel per activation, the function and its derivative in the same panel,
    with a legend and labelled axes. Shade (for example with `ax.fill_between` or `ax.axvspan`)
    where the derivative vanishes and mark where it is largest.
    """),
    answer("activation_figure", """
    ### BEGIN SOLUTION
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharex=True)
    pairs = (("logistic sigmoid", sigmoid, sigmoid_prime), ("tanh", np.tanh, tanh_prime), ("ReLU", relu, relu_prime))
    for ax, (name, f, fprime) in zip(axes, pairs):
        vanishing, largest = gradient_regions(fprime(Z), EPS_REGION)
        ax.plot(Z, f(Z), label="$f(z)$")
        ax.plot(Z, fprime(Z), label="$f'(z)$")
        bottom, top = ax.get_ylim()
        ax.fill_between(Z, bottom, top, where=vanishing, color="0.85", label=f"$|f'| \\\\leq {EPS_REGION}$")
        ax.fill_between(Z, bottom, top, where=largest, color="C2", alpha=0.25, label="$f'$ largest")
        ax.set(xlabel="z", ylabel="value", title=name, ylim=(bottom, top))
        ax.legend(fontsize="small")
    fig.tight_layout()
    plt.show()
    ### END SOLUTION
    """),
    md("vanishing_question", r"""
    ### Task 1.4: vanishing gradients (3 points with the figure, graded by hand)

    Use your figure and the printed intervals. (a) For each activation, give the values of $z$ in
    $[-6, 6]$ where the derivative is (nearly) zero and where it is largest, and the largest
    value. (b) In a network, the gradient that reaches an early layer is a product of one such
    derivative per layer above it (times weights). What happens to it in a deep network of
    sigmoid units, even in the best case, and when the units' inputs are large? (c) Why does ReLU
    help, and what is its own way of losing the gradient? (1 point for the figure, 2 for the
    answer.)
    """),
    written("vanishing_gradients", r"""
    ### BEGIN SOLUTION
    (a) Sigmoid: $\sigma' \le 0.01$ for $|z| \gtrsim 4.6$, largest at $z = 0$ with $\sigma'(0) = 0.25$
    (within 0.01 of it for $|z| \lesssim 0.4$). Tanh: $\tanh' \le 0.01$ for $|z| \gtrsim 3.0$, largest at
    $z = 0$ with $\tanh'(0) = 1$ (within 0.01 for $|z| \lesssim 0.1$). ReLU: $\mathrm{ReLU}' = 0$ for all
    $z \le 0$ (exactly zero, not just small) and equal to its maximum 1 for every $z > 0$.
    (b) Backpropagation multiplies one factor $f'(z)$ per layer. For the sigmoid each factor is at
    most 1/4, so after $L$ layers the gradient is at most $4^{-L}$ times the weights' product: the
    early layers barely learn. Large inputs put units in the flat (saturated) tails, where
    $f' \approx e^{-|z|}$, and the gradient vanishes even faster. Tanh is better (slope 1 at 0) but
    saturates as well.
    (c) ReLU's slope is exactly 1 wherever the unit is active, so a product of many factors does not
    shrink, and it never saturates for large positive inputs. Its weakness is the other side: a unit
    whose input is negative for every sample has slope 0 everywhere, receives no gradient and never
    recovers (a "dead" unit).
    ### END SOLUTION
    """, 3),

    # ----- part 2 --------------------------------------------------------------------------------
    md("chain_intro", r"""
    ## Part 2. The chain rule for $f(wx + b)$

    A unit with one input computes $f(u)$ with $u = wx + b$ ($w$, $x$, $b$ real numbers, $f$
    differentiable). By the chain rule, $\frac{d}{dx}f(wx+b) = f'(u)\,\frac{\partial u}{\partial x}$,
    and likewise for $w$ and $b$:

    $$\frac{d}{dx} f(wx + b) = f'(wx + b)\,w, \qquad \frac{d}{dw} f(wx + b) = f'(wx + b)\,x, \qquad
    \frac{d}{db} f(wx + b) = f'(wx + b).$$

    The derivative with respect to a weight is proportional to the input it multiplies, and the
    derivative with respect to the input is proportional to the weight: this is all that
    backpropagation does, layer after layer.

    ### Task 2.1: `chain_rule` (3 points)

    Write `chain_rule(fprime, w, x, b)`. `fprime` is a function that returns $f'(u)$ for an array
    $u$ (for example your `sigmoid_prime`, or `np.cos` for $f = \sin$); `w`, `x`, `b` are floats or
    arrays that broadcast together. Return a tuple `(d_dx, d_dw, d_db)` of three float arrays, each
    of the broadcast shape of `w`, `x` and `b` (`np.broadcast_to` helps for `d_db` when only some
    inputs are arrays).

    **How it is graded: finite differences.** The hidden test calls your function with several
    $f$ (sin, tanh, softplus) at random points and compares each result with the central difference
    $D(h) = \frac{g(t+h) - g(t-h)}{2h}$ of $g(t) = f(wt + b)$ (and of the same expression as a
    function of $w$ or $b$), computed in float64. $D(h)$ has a truncation error of about
    $\frac{h^2}{6}g'''$ and a rounding error of about $\varepsilon_{64}\,|g|/h$ with
    $\varepsilon_{64} = 2.2\cdot 10^{-16}$. With $h = 10^{-4}\max(1, |t|)$ and one Richardson step,
    $\frac{4D(h) - D(2h)}{3}$, the tolerance is computed from the numbers themselves:
    $4\,|D(h) - D(2h)| + 16\,\varepsilon_{64}\max|g|/h$, a few $10^{-8}$ here. This is the idea of
    PyTorch's `torch.autograd.gradcheck` (central differences in float64 against the analytic
    gradient), with a tolerance derived for each value instead of a fixed one. Any correct formula
    passes by orders of magnitude; a forgotten factor does not.
    """),
    answer("chain_rule", """
    def chain_rule(fprime, w, x, b):
        ### BEGIN SOLUTION
        w, x, b = (np.asarray(a, dtype=float) for a in (w, x, b))
        slope = fprime(w * x + b)
        shape = np.broadcast_shapes(w.shape, x.shape, b.shape)
        return (np.broadcast_to(slope * w, shape).astype(float),
                np.broadcast_to(slope * x, shape).astype(float),
                np.broadcast_to(slope, shape).astype(float))
        ### END SOLUTION
    """),
    test("test_chain_rule", """
    d_dx, d_dw, d_db = chain_rule(np.cos, 2.0, 0.5, -0.3)   # f = sin, u = 2 * 0.5 - 0.3 = 0.7
    assert np.allclose([d_dx, d_dw, d_db], [2.0 * np.cos(0.7), 0.5 * np.cos(0.7), np.cos(0.7)]), \\
        f"f = sin, w = 2, x = 0.5, b = -0.3: expected (2 cos 0.7, 0.5 cos 0.7, cos 0.7); got {(d_dx, d_dw, d_db)}"
    h = 1e-5
    numeric = (np.sin(2.0 * (0.5 + h) - 0.3) - np.sin(2.0 * (0.5 - h) - 0.3)) / (2 * h)
    assert abs(d_dx - numeric) < 1e-8, f"d/dx disagrees with the central difference {numeric}"
    parts = chain_rule(np.cos, np.array([[1.0], [2.0]]), np.array([0.5, -1.0, 2.0]), 0.1)
    assert len(parts) == 3 and all(np.shape(p) == (2, 3) for p in parts), \\
        "w of shape (2, 1), x of shape (3,) and a float b broadcast to (2, 3): all three results have that shape"
    """ + hidden("chain_rule"), 3),
    code("chain_demo", """
    # Your chain rule for the sigmoid against central differences at 5 random points.
    rng_demo = np.random.default_rng(5)
    w_demo, x_demo, b_demo = rng_demo.normal(size=(3, 5))
    h = 1e-6
    with needs("chain_rule", "sigmoid_prime", "sigmoid"):
        d_dx, d_dw, d_db = chain_rule(sigmoid_prime, w_demo, x_demo, b_demo)
        numeric_dx = (sigmoid(w_demo * (x_demo + h) + b_demo) - sigmoid(w_demo * (x_demo - h) + b_demo)) / (2 * h)
        numeric_dw = (sigmoid((w_demo + h) * x_demo + b_demo) - sigmoid((w_demo - h) * x_demo + b_demo)) / (2 * h)
        numeric_db = (sigmoid(w_demo * x_demo + b_demo + h) - sigmoid(w_demo * x_demo + b_demo - h)) / (2 * h)
        for name, analytic, numeric in (("d/dx", d_dx, numeric_dx), ("d/dw", d_dw, numeric_dw), ("d/db", d_db, numeric_db)):
            print(f"{name}: largest |analytic - central difference| = {np.max(np.abs(analytic - numeric)):.1e}")
    """),

    # ----- part 3 --------------------------------------------------------------------------------
    md("network_intro", r"""
    ## Part 3. A small network trained by hand

    **The data.** scikit-learn's `make_circles` draws points on two concentric circles, the inner
    one with 0.3 times the radius of the outer one, with Gaussian noise of standard deviation 0.05:
    class 0 on the outer circle, class 1 on the inner one. A straight line cannot separate them.
    The next cell makes the 400 points of the CNEURO homework and splits them, stratified by class,
    into 300 training and 100 test points (`train_test_split`'s default of 25 % for testing).
    """),
    code("data", """
    X, y = make_circles(n_samples=400, factor=0.3, noise=0.05, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    print(f"training: {X_train.shape}, {y_train.mean():.0%} class 1;  test: {X_test.shape}, {y_test.mean():.0%} class 1")

    fig, ax = plt.subplots(figsize=(4.2, 4))
    for label, marker in ((0, "o"), (1, "s")):
        ax.scatter(*X_train[y_train == label].T, s=12, marker=marker, label=f"class {label} (training)")
    ax.scatter(*X_test.T, s=30, facecolors="none", edgecolors="k", linewidths=0.6, label="test points")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal", title="make_circles, factor 0.3, noise 0.05")
    ax.legend(fontsize="small", loc="upper right")
    plt.show()
    """),
    md("network_model", r"""
    **The network.** For an input $x \in \mathbb{R}^2$ (a row of `X`), $H$ hidden ReLU units and one
    linear readout unit:

    $$a = x W_1 + b_1 \in \mathbb{R}^H, \qquad h = \mathrm{ReLU}(a), \qquad z = h \cdot w_2 + b_2 \in \mathbb{R}.$$

    The readout $z$ is a *logit*: the network says class 1 with probability $\sigma(z)$, and
    predicts class 1 where $z > 0$. For all $n$ samples at once, `X` has shape `(n, 2)`, `X @ W1 + b1`
    shape `(n, H)` and the logits shape `(n,)`. The parameters live in a dict

    `params = {"W1": array (2, H), "b1": array (H,), "w2": array (H,), "b2": float}`.

    **The loss.** The logistic (cross-entropy) loss of one sample with label $y \in \{0, 1\}$ is

    $$\ell(z, y) = -y\log\sigma(z) - (1 - y)\log\bigl(1 - \sigma(z)\bigr) = \log(1 + e^{z}) - y\,z .$$

    The right-hand form follows from $\log\sigma(z) = z - \log(1 + e^z)$ and
    $\log(1 - \sigma(z)) = -\log(1 + e^z)$. It matters: once $\sigma(z)$ rounds to exactly 0 or 1
    ($|z| \gtrsim 37$), the left-hand form takes $\log 0 = -\infty$ and returns `inf` or `nan`,
    while the right-hand form stays finite if $\log(1 + e^z)$ (the *softplus*) is computed stably:
    `np.logaddexp(0, z)` does exactly that. **Mean or sum:** the loss of the whole data set may be
    the mean of $\ell$ over the samples (what we use) or their sum; both are accepted, as long as
    your gradients are the gradients of the loss you return.

    **Backpropagation.** Write $\delta_i = \partial L / \partial z_i$. For the mean loss,
    $\delta_i = (\sigma(z_i) - y_i)/n$ (for the sum, leave out the $1/n$). Then, by the chain rule
    of Part 2 applied layer by layer,

    $$\frac{\partial L}{\partial w_2} = \sum_i \delta_i\,h_i, \quad \frac{\partial L}{\partial b_2} = \sum_i \delta_i, \quad
    \frac{\partial L}{\partial a_{ij}} = \delta_i\,w_{2,j}\,\mathrm{ReLU}'(a_{ij}), \quad
    \frac{\partial L}{\partial W_1} = X^\top \frac{\partial L}{\partial a}, \quad
    \frac{\partial L}{\partial b_1} = \sum_i \frac{\partial L}{\partial a_{i\cdot}} .$$

    Each sum over $i$ runs over the **samples**. In matrix form $\partial L/\partial a$ has the
    shape `(n, H)` of `a`, and each gradient has the shape of its parameter. You may use either
    value of $\mathrm{ReLU}'(0)$ here (the hidden tests use weights for which no pre-activation
    $a_{ij}$ is 0).

    **Initialisation.** We initialise like PyTorch's `nn.Linear` (the homework's suggested
    library): each weight and bias of a layer with $m$ inputs (its *fan-in*) is drawn uniformly
    from $[-1/\sqrt{m},\ 1/\sqrt{m}]$, so `W1` and `b1` from $\pm 1/\sqrt{2}$ and `w2` and `b2`
    from $\pm 1/\sqrt{H}$.

    ### Task 3.1: `init_params` (1 point)

    Write `init_params(n_in, n_hidden, rng)` that returns the parameter dict, drawing with
    `rng.uniform(low, high, size=...)` in this order: `W1` (size `(n_in, n_hidden)`), `b1` (size
    `n_hidden`), `w2` (size `n_hidden`), `b2` (one number: `float(rng.uniform(low, high))`). Use only
    the generator `rng` you are given, so the same generator state gives the reference's weights.
    """),
    answer("init_params", """
    def init_params(n_in, n_hidden, rng):
        ### BEGIN SOLUTION
        a, c = 1 / np.sqrt(n_in), 1 / np.sqrt(n_hidden)
        W1 = rng.uniform(-a, a, size=(n_in, n_hidden))
        b1 = rng.uniform(-a, a, size=n_hidden)
        w2 = rng.uniform(-c, c, size=n_hidden)
        b2 = float(rng.uniform(-c, c))
        return {"W1": W1, "b1": b1, "w2": w2, "b2": b2}
        ### END SOLUTION
    """),
    test("test_init_params", """
    p0 = init_params(2, 5, np.random.default_rng(0))
    assert isinstance(p0, dict) and set(p0) == {"W1", "b1", "w2", "b2"}, "return a dict with the keys W1, b1, w2, b2"
    assert p0["W1"].shape == (2, 5) and p0["b1"].shape == (5,) and p0["w2"].shape == (5,), "shapes (2, 5), (5,), (5,)"
    assert np.isscalar(p0["b2"]) or np.shape(p0["b2"]) == (), "b2 is one number"
    assert np.all(np.abs(p0["W1"]) <= 1 / np.sqrt(2)) and np.all(np.abs(p0["w2"]) <= 1 / np.sqrt(5)), "W1 within +-1/sqrt(2), w2 within +-1/sqrt(5)"
    p1 = init_params(2, 5, np.random.default_rng(0))
    assert np.array_equal(p0["W1"], p1["W1"]) and p0["b2"] == p1["b2"], "the same seed must give the same weights (use rng)"
    """ + hidden("init_params"), 1),
    md("forward_task", r"""
    ### Task 3.2: `forward` (2 points)

    Write `forward(params, X)` that returns the tuple `(hidden, logits)`: `hidden` the array
    $h = \mathrm{ReLU}(X W_1 + b_1)$ of shape `(n, H)` and `logits` the array $z$ of shape `(n,)`.
    """),
    answer("forward", """
    def forward(params, X):
        ### BEGIN SOLUTION
        hidden = relu(X @ params["W1"] + params["b1"])
        return hidden, hidden @ params["w2"] + params["b2"]
        ### END SOLUTION
    """),
    test("test_forward", """
    p_small = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([0.0, 0.5]), "w2": np.array([2.0, 1.0]), "b2": -1.0}
    hidden, logits = forward(p_small, np.array([[1.0], [-2.0]]))
    assert hidden.shape == (2, 2) and logits.shape == (2,), f"2 samples, 2 hidden units: shapes (2, 2) and (2,); got {hidden.shape}, {logits.shape}"
    # x = 1: a = (1, -0.5), h = (1, 0), z = 2 - 1 = 1;  x = -2: a = (-2, 2.5), h = (0, 2.5), z = 2.5 - 1 = 1.5
    assert np.allclose(hidden, [[1.0, 0.0], [0.0, 2.5]]), f"expected hidden [[1, 0], [0, 2.5]]; got {hidden}"
    assert np.allclose(logits, [1.0, 1.5]), f"expected logits [1, 1.5]; got {logits}"
    """ + hidden("forward"), 2),
    md("loss_task", r"""
    ### Task 3.3: `logistic_loss` (2 points)

    Write `logistic_loss(logits, y)`: `logits` of shape `(n,)`, labels `y` of shape `(n,)` with
    values 0 and 1. Return the loss of the data set (the mean of $\ell(z_i, y_i)$, or the sum) as a
    float, computed stably: finite, and without a warning, for $|z| = 1000$. The hidden test
    switches warnings on.
    """),
    answer("logistic_loss", """
    def logistic_loss(logits, y):
        ### BEGIN SOLUTION
        z = np.asarray(logits, dtype=float)
        return float(np.mean(np.logaddexp(0.0, z) - np.asarray(y) * z))
        ### END SOLUTION
    """),
    test("test_logistic_loss", """
    L2 = logistic_loss(np.array([0.0, 0.0]), np.array([0, 1]))
    assert np.isclose(L2, np.log(2)) or np.isclose(L2, 2 * np.log(2)), f"z = 0 gives log 2 per sample (mean log 2, sum 2 log 2); got {L2}"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            L_far = logistic_loss(np.array([1000.0, -1000.0, 1000.0]), np.array([0, 1, 1]))
        except RuntimeWarning as problem:
            raise AssertionError(f"the loss is not stable at |z| = 1000: {problem}") from None
    assert np.isclose(L_far, 2000 / 3) or np.isclose(L_far, 2000), f"two samples on the wrong side by 1000 and one right: mean 666.7 or sum 2000; got {L_far}"
    """ + hidden("logistic_loss"), 2),
    md("gradients_task", r"""
    ### Task 3.4: backpropagation (3 points)

    Write `loss_and_gradients(params, X, y)` that returns the tuple `(loss, grads)`: `loss` the
    same number `logistic_loss(forward(params, X)[1], y)` gives, and `grads` a dict with the keys
    `"W1"`, `"b1"`, `"w2"`, `"b2"` holding $\partial L/\partial W_1$ (shape `(2, H)`),
    $\partial L/\partial b_1$ `(H,)`, $\partial L/\partial w_2$ `(H,)` and $\partial L/\partial b_2$
    (a float). The hidden test compares with the reference on fixed weights (a factor $n$ is
    allowed if your loss is the sum) **and** with central differences of your own loss.
    """),
    answer("loss_and_gradients", """
    def loss_and_gradients(params, X, y):
        ### BEGIN SOLUTION
        a = X @ params["W1"] + params["b1"]
        hidden = relu(a)
        z = hidden @ params["w2"] + params["b2"]
        loss = logistic_loss(z, y)
        delta = (sigmoid(z) - y) / len(y)
        d_a = np.outer(delta, params["w2"]) * (a > 0)   # ReLU'(a), with ReLU'(0) = 0
        grads = {"W1": X.T @ d_a, "b1": d_a.sum(axis=0), "w2": hidden.T @ delta, "b2": float(delta.sum())}
        return loss, grads
        ### END SOLUTION
    """),
    test("test_loss_and_gradients", """
    # fixed weights, so this test does not depend on your init_params
    p_check = {"W1": np.array([[0.5, -0.3, 0.2, -0.6], [0.4, 0.1, -0.5, 0.3]]), "b1": np.array([0.1, -0.2, 0.05, 0.0]),
               "w2": np.array([0.7, -0.4, 0.3, 0.5]), "b2": 0.1}
    L_check, g_check = loss_and_gradients(p_check, X_train[:10], y_train[:10])
    assert isinstance(g_check, dict) and set(g_check) == {"W1", "b1", "w2", "b2"}, f"grads has the keys W1, b1, w2, b2; got {sorted(g_check) if isinstance(g_check, dict) else type(g_check).__name__}"
    assert g_check["W1"].shape == (2, 4) and g_check["b1"].shape == (4,) and g_check["w2"].shape == (4,), \\
        f"each gradient has the shape of its parameter: (2, 4), (4,), (4,); got {np.shape(g_check['W1'])}, {np.shape(g_check['b1'])}, {np.shape(g_check['w2'])}"
    assert np.isclose(L_check, 0.8278772224725139) or np.isclose(L_check, 8.278772224725139), \\
        f"the loss of these weights on the first 10 training points is 0.82788 (mean) or 8.27877 (sum); got {L_check}"
    h = 1e-6
    for key, index in (("w2", 1), ("b1", 2)):
        up = {k: np.copy(v) for k, v in p_check.items()}
        down = {k: np.copy(v) for k, v in p_check.items()}
        up[key][index] += h
        down[key][index] -= h
        numeric = (loss_and_gradients(up, X_train[:10], y_train[:10])[0] - loss_and_gradients(down, X_train[:10], y_train[:10])[0]) / (2 * h)
        assert abs(g_check[key][index] - numeric) < 1e-7, f"d loss / d {key}[{index}]: central difference {numeric:.8f}, your gradient {g_check[key][index]:.8f}"
    """ + hidden("loss_and_gradients"), 3),
    md("train_task", r"""
    ### Task 3.5: training (2 points)

    Write `train(params, X, y, n_steps=300, learning_rate=...)` that trains on all of `X`, `y` at
    every step (full batch) and returns `(trained_params, losses)`, where `losses` is a list of
    `n_steps` floats and `losses[k]` is the loss **before** update `k` (so `losses[0]` is the loss
    of the initial weights). Do not change the dict you are given (copy its arrays first). Choose
    the optimiser and put your choice in a comment:

    * **gradient descent**: $\theta \leftarrow \theta - \eta\,\partial L/\partial\theta$ for every
      parameter, with a learning rate $\eta$ around 1 for the mean loss (divide it by $n$ for the
      sum);
    * **Adam** (Kingma & Ba, 2015), which the reference uses with $\eta = 0.05$: keep running
      averages $m \leftarrow \beta_1 m + (1 - \beta_1) g$ and $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$
      of each gradient $g$ (with $\beta_1 = 0.9$, $\beta_2 = 0.999$, starting at 0), and at step
      $t = 1, 2, \dots$ update $\theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + 10^{-8})$ with
      $\hat m = m/(1 - \beta_1^t)$, $\hat v = v/(1 - \beta_2^t)$.

    The hidden test trains a network with 1000 hidden units from fixed initial weights for
    `n_steps=100` with your default learning rate and requires a training and test accuracy of at
    least 0.95, a falling loss, one loss per step, and the right initial loss.
    """),
    answer("train", """
    def train(params, X, y, n_steps=300, learning_rate=0.05):
        ### BEGIN SOLUTION
        # Adam, full batch (beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8)
        params = {k: np.array(v, dtype=float) for k, v in params.items()}
        m = {k: np.zeros_like(v) for k, v in params.items()}
        v = {k: np.zeros_like(val) for k, val in params.items()}
        losses = []
        for t in range(1, n_steps + 1):
            loss, grads = loss_and_gradients(params, X, y)
            losses.append(loss)
            for k in params:
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                step = (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8)
                params[k] = params[k] - learning_rate * step
        params["b2"] = float(params["b2"])
        return params, losses
        ### END SOLUTION
    """),
    test("test_train", """
    # fixed weights, so this test does not depend on your init_params
    p_start = {"W1": np.array([[0.5, -0.3, 0.2, -0.6, 0.1], [0.4, 0.1, -0.5, 0.3, -0.2]]), "b1": np.array([0.1, -0.2, 0.05, 0.0, 0.1]),
               "w2": np.array([0.7, -0.4, 0.3, 0.5, -0.1]), "b2": 0.1}
    w_before = p_start["W1"].copy()
    p_trained, losses_short = train(p_start, X_train, y_train, n_steps=20)
    assert len(losses_short) == 20, f"n_steps=20 gives 20 losses; got {len(losses_short)}"
    assert np.array_equal(p_start["W1"], w_before), "train must not change the dict it is given"
    assert set(p_trained) == {"W1", "b1", "w2", "b2"} and p_trained["W1"].shape == (2, 5), "return a parameter dict of the same shapes"
    assert np.isclose(losses_short[0], 0.7545163570011) or np.isclose(losses_short[0], 300 * 0.7545163570011), \\
        f"losses[0] is the loss of the initial weights: 0.75452 (mean) or 226.355 (sum over the 300 points); got {losses_short[0]}"
    assert losses_short[-1] < losses_short[0], f"the loss should fall during training: {losses_short[0]:.4f} -> {losses_short[-1]:.4f}"
    """ + hidden("train"), 2),
    md("restart_task", r"""
    ### Task 3.6: restart until the network is good (2 points)

    Small networks often get stuck: a unit can die (Part 1) or the units can settle in a poor
    arrangement. The CNEURO homework's advice is to restart from new random weights until the
    network does well. Write

    `train_until_good(X_train, y_train, X_test, y_test, n_hidden, rng, target=0.95, max_restarts=20)`

    which repeatedly draws new weights with `init_params(X_train.shape[1], n_hidden, rng)`, trains
    them with your `train` (its defaults), and stops at the first network whose **test** accuracy
    (the fraction of test points with `(logits > 0) == (y == 1)`) is at least `target`. Return
    `(params, restarts, losses)`: that network, the number of failed attempts before it, and its
    training losses. After `max_restarts` failures return the last attempt with
    `restarts = max_restarts`. All randomness comes from `rng`, so the same seed gives the same
    result. (Choosing a network by its test accuracy makes that accuracy an optimistic estimate;
    a separate validation set would be cleaner. We follow the homework here.)
    """),
    answer("train_until_good", """
    def train_until_good(X_train, y_train, X_test, y_test, n_hidden, rng, target=0.95, max_restarts=20):
        ### BEGIN SOLUTION
        restarts = 0
        while True:
            params, losses = train(init_params(X_train.shape[1], n_hidden, rng), X_train, y_train)
            accuracy = np.mean((forward(params, X_test)[1] > 0) == (y_test == 1))
            if accuracy >= target or restarts == max_restarts:
                return params, restarts, losses
            restarts += 1
        ### END SOLUTION
    """),
    test("test_train_until_good", """
    net_a, restarts_a, losses_a = train_until_good(X_train, y_train, X_test, y_test, 5, np.random.default_rng(3))
    net_b, restarts_b, _ = train_until_good(X_train, y_train, X_test, y_test, 5, np.random.default_rng(3))
    assert restarts_a == restarts_b and np.array_equal(net_a["W1"], net_b["W1"]), "the same seed must give the same result (draw everything from rng)"
    logits_a = np.maximum(0.0, X_test @ net_a["W1"] + net_a["b1"]) @ net_a["w2"] + net_a["b2"]   # the network's output, written out
    accuracy_a = np.mean((logits_a > 0) == (y_test == 1))
    assert accuracy_a >= 0.95 or restarts_a == 20, f"stop at the first network with test accuracy >= 0.95; got {accuracy_a} after {restarts_a} restarts"
    """ + hidden("train_until_good"), 2),
    md("experiments_md", r"""
    **Experiments.** The next cell runs `train_until_good` with 5 hidden units for the 20 random
    seeds 0, ..., 19 (`np.random.default_rng(seed)`) and counts the restarts, then trains a network
    with 1000 hidden units once (random seed 0, no restarts, 100 steps: the wide network needs
    fewer) and times it. It draws the decision regions on the test points (a failed 5-unit attempt
    too, if one of the random seeds produced one) and the training curves.
    """),
    code("experiments", """
    N_SEEDS = 20          # random seeds 0 .. 19 for np.random.default_rng
    N_STEPS_WIDE = 100    # a wide network needs fewer steps (see its training curve)
    NETWORK_FUNCTIONS = ("train_until_good", "train", "init_params", "loss_and_gradients", "forward",
                         "logistic_loss", "sigmoid", "relu", "relu_prime")
    with needs(*NETWORK_FUNCTIONS):
        t0 = time.perf_counter()
        runs = [train_until_good(X_train, y_train, X_test, y_test, 5, np.random.default_rng(seed)) for seed in range(N_SEEDS)]
        restart_counts = np.array([r[1] for r in runs])
        print(f"5 hidden units ({time.perf_counter() - t0:.1f} s), restarts for random seeds 0-19: {restart_counts.tolist()}")
        print(f"  the first random draw succeeds for {np.count_nonzero(restart_counts == 0)} of {N_SEEDS}; "
              f"{restart_counts.sum()} failed attempts out of {restart_counts.sum() + N_SEEDS}")

        t0 = time.perf_counter()
        net1000, losses1000 = train(init_params(2, 1000, np.random.default_rng(0)), X_train, y_train, n_steps=N_STEPS_WIDE)
        print(f"training the 1000-unit network for {N_STEPS_WIDE} steps took {time.perf_counter() - t0:.2f} s")
        nets = [("5 hidden units (rng 0)", runs[0][0], runs[0][2]), ("1000 hidden units", net1000, losses1000)]
        failed = [s for s in range(N_SEEDS) if restart_counts[s] > 0]
        if failed:   # the first attempt of that random seed, which failed
            nets.insert(1, (f"5 units, failed (rng {failed[0]})",
                            *train(init_params(2, 5, np.random.default_rng(failed[0])), X_train, y_train)))
        for name, net, _ in nets:
            train_acc = np.mean((forward(net, X_train)[1] > 0) == (y_train == 1))
            test_acc = np.mean((forward(net, X_test)[1] > 0) == (y_test == 1))
            print(f"{name:28s} training accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")

        fig, axes = plt.subplots(1, len(nets) + 1, figsize=(4.3 * (len(nets) + 1), 4))
        for ax, (name, net, losses) in zip(axes, nets):
            plot_decision_region(lambda P, net=net: forward(net, P)[1], X_test, y_test, ax=ax, title=name)
            axes[-1].semilogy(losses, label=name)
        axes[0].legend(fontsize="small", loc="upper right")
        axes[-1].set(xlabel="training step", ylabel="training loss", title="training curves")
        axes[-1].legend(fontsize="small")
        fig.tight_layout()
        plt.show()
    """, tags=("nbval-ignore-output",)),   # it prints timings
    md("width_question", r"""
    ### Task 3.7: 5 against 1000 hidden units (3 points, graded by hand)

    Use the restart counts, the decision regions and the training curves. In a few sentences:
    (a) what does each of the 5 ReLU units contribute to the decision region, and what shape can
    the boundary of a 5-unit network have (and why is it then a polygon)? (b) Why do some 5-unit
    runs fail while the 1000-unit network trains to a low loss from any start? Discuss the
    optimisation landscape (dead or redundant units, poor local minima) and the capacity of the
    network. (c) What is the price of 1000 units, and does the wider network generalise worse
    here?
    """),
    written("width_comparison", r"""
    ### BEGIN SOLUTION
    (a) Each hidden unit is zero on one side of the line $x W_{1,\cdot j} + b_{1j} = 0$ and grows
    linearly on the other, so the logit is piecewise linear with kinks along 5 lines; the decision
    boundary $z = 0$ is made of straight pieces, a polygon with at most about 5 sides around the
    inner circle. Enclosing the inner ring needs at least 3 units pointing in different directions,
    so with 5 there is little slack.
    (b) With few units, the starting weights matter: a unit whose line misses the data is dead (its
    gradient is 0) and a few units can settle with two of them doing the same job, leaving a side
    of the polygon open; then gradient descent is stuck in a poor local minimum or plateau
    (in my runs 3 of the 20 random seeds needed one or two restarts, and the failed runs leave a
    region of class-0 points misclassified). With 1000 units there are always many units whose lines
    already pass near every useful place, so the loss landscape has no bad traps in practice: the
    network is heavily over-parameterised and descends smoothly, the training loss falls almost
    to zero and every start works. Capacity is far beyond what the data need: 1000 units could fit
    much more complicated boundaries.
    (c) The price is computation (4001 parameters instead of 21, and every step costs
    correspondingly more) and a boundary that is not simpler for it; generalisation is still good here (test accuracy about
    1) because the classes are well separated and the smooth ReLU features with gradient-descent
    training do not overfit the noise much; with noisier data the wide network would fit the noise
    more readily.
    ### END SOLUTION
    """, 3),

    # ----- part 4 --------------------------------------------------------------------------------
    md("lif_intro", r"""
    ## Part 4. Back to neurons: the F-I curve as an activation function

    In `lif_neuron` you derived the firing rate of the dimensionless LIF neuron (threshold 1, reset
    0, membrane time constant $\tau_m$, refractory period $\tau_{ref}$) for a constant drive $I$:

    $$r(I) = \frac{1}{\tau_{ref} + \tau_m \ln\frac{I}{I - 1}}\quad (I > 1), \qquad r(I) = 0 \quad (I \le 1).$$

    Used as an activation function, this is a smooth relative of ReLU: zero below the threshold
    (the *rheobase* $I = 1$), growing above it, and saturating at $1/\tau_{ref}$ for strong drive.
    The next cell gives a version of `lif_rate` (you need not copy yours).

    Its derivative for $I > 1$ follows from $r = 1/g$ with $g = \tau_{ref} + \tau_m\ln\frac{I}{I-1}$:
    $r' = -g'/g^2 = -r^2 g'$ and $g' = \tau_m\left(\frac{1}{I} - \frac{1}{I-1}\right) = -\frac{\tau_m}{I(I-1)}$, so

    $$r'(I) = \frac{\tau_m\, r(I)^2}{I\,(I - 1)} \quad (I > 1).$$

    As $I \to 1^+$ the rate goes to 0 only like $1/\ln\frac{1}{I-1}$, far more slowly than $I - 1$
    does, so $r'(I) \to +\infty$: the F-I curve starts with a **vertical tangent**. Below the
    rheobase the slope is 0.

    ### Task 4.1: `lif_rate_prime` (2 points)

    Write `lif_rate_prime(current, tau_m, tau_ref)`: `current` an array of shape `(n,)`; return the
    slopes $r'(I)$ in Hz per unit of drive, a float array of shape `(n,)`, with these rules:
    **0 where $I < 1$, `np.inf` where $I = 1$ exactly** (the slope from above; from below it is 0),
    and the formula where $I > 1$. Evaluate the logarithm only where $I > 1$ (a boolean mask), so
    that no warning is printed. The hidden test compares with central differences of `lif_rate`
    (with steps that stay on one side of $I = 1$) and checks $I = 1$ exactly.
    """),
    code("lif_rate_given", """
    TAU_M_FI, TAU_REF_FI = 0.02, 0.002   # s: tau_m = 20 ms, tau_ref = 2 ms, as in lif_neuron


    def lif_rate(current, tau_m, tau_ref):
        # firing rate (Hz) of the dimensionless LIF neuron for constant drive I: 0 for I <= 1
        current = np.asarray(current, dtype=float)
        rate = np.zeros(current.shape)
        above = current > 1
        rate[above] = 1 / (tau_ref + tau_m * np.log(current[above] / (current[above] - 1)))
        return rate
    """),
    answer("lif_rate_prime", """
    def lif_rate_prime(current, tau_m, tau_ref):
        ### BEGIN SOLUTION
        current = np.asarray(current, dtype=float)
        slope = np.zeros(current.shape)
        above = current > 1
        rate = lif_rate(current[above], tau_m, tau_ref)
        slope[above] = tau_m * rate ** 2 / (current[above] * (current[above] - 1))
        slope[current == 1] = np.inf
        return slope
        ### END SOLUTION
    """),
    test("test_lif_rate_prime", """
    slopes = lif_rate_prime(np.array([0.5, 1.0, 2.0]), TAU_M_FI, TAU_REF_FI)
    assert isinstance(slopes, np.ndarray) and slopes.shape == (3,), "an array of 3 currents gives 3 slopes"
    assert slopes[0] == 0.0, f"below the rheobase (I < 1) the slope is 0; got {slopes[0]}"
    assert slopes[1] == np.inf, f"at I = 1 exactly the text asks for np.inf; got {slopes[1]}"
    h = 1e-6
    numeric = (lif_rate(np.array([2.0 + h]), TAU_M_FI, TAU_REF_FI)[0] - lif_rate(np.array([2.0 - h]), TAU_M_FI, TAU_REF_FI)[0]) / (2 * h)
    assert np.isclose(slopes[2], numeric, rtol=1e-6), f"I = 2: central difference {numeric:.4f} Hz, your slope {slopes[2]:.4f} Hz"
    """ + hidden("lif_rate_prime"), 2),
    code("lif_activation_plot", """
    currents = np.linspace(0.0, 4.0, 2001)
    with needs("lif_rate_prime", "relu"):
        rate = lif_rate(currents, TAU_M_FI, TAU_REF_FI)
        slope = lif_rate_prime(currents, TAU_M_FI, TAU_REF_FI)
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
        axes[0].plot(currents, rate, label="LIF rate $r(I)$")
        axes[0].plot(currents, 60 * relu(currents - 1), "--", label="ReLU: $60\\\\,\\\\max(I - 1, 0)$")
        axes[0].set(xlabel="drive I (threshold 1)", ylabel="rate (Hz)", title="F-I curve as an activation function")
        axes[0].legend(fontsize="small")
        offsets = np.logspace(-8, 0.5, 300)   # I - 1, down to 1e-8 above the rheobase
        axes[1].loglog(offsets, lif_rate_prime(1 + offsets, TAU_M_FI, TAU_REF_FI), label="$r'(I)$")
        axes[1].set(xlabel="I - 1", ylabel="slope r'(I) (Hz per unit of drive)", title="the slope diverges at the rheobase")
        axes[1].legend(fontsize="small")
        fig.tight_layout()
        plt.show()
        print(f"r'(I) at I = 1.001, 1.01, 1.1, 2: {lif_rate_prime(np.array([1.001, 1.01, 1.1, 2.0]), TAU_M_FI, TAU_REF_FI).round(1)} Hz")
    """),
    md("rheobase_question", r"""
    ### Task 4.2: learning with rate neurons (2 points, graded by hand)

    Suppose a network of rate neurons uses $r(I)$ as its activation and learns by gradient
    descent, so every gradient carries a factor $r'(I)$ of each unit. Using the plot: what happens
    to the gradient of a unit whose drive is below the rheobase, just above it, and far above it?
    What problems does this cause for training, and name one way around them (for example what
    spiking-network training uses, or a change to the activation).
    """),
    written("rheobase_learning", r"""
    ### BEGIN SOLUTION
    Below the rheobase $r' = 0$: like a dead ReLU unit, a neuron that is silent for every input gets
    no gradient and its incoming weights never change. Just above it $r'$ is huge (it diverges like
    $1/((I-1)\ln^2(I-1))$), so a small step in the weights of a neuron near threshold produces an
    enormous gradient: updates explode or oscillate unless the learning rate is tiny, and the
    gradient is very sensitive to exactly where $I$ lies. Far above the rheobase the slope decays
    (the rate saturates towards $1/\tau_{ref}$), so strongly driven units learn slowly, like a
    saturated sigmoid. Together: vanishing gradients at both ends, exploding ones at threshold.
    Remedies: replace $r'$ in the backward pass by a smooth, bounded *surrogate* derivative (as in
    surrogate-gradient training of spiking networks, Neftci, Mostafa & Zenke 2019), or smooth the
    F-I curve itself with noise (the rate of a noisy LIF neuron is a soft, softplus-like function
    with a finite slope at threshold), or clip gradients.
    ### END SOLUTION
    """, 2),

    # ----- part 5 --------------------------------------------------------------------------------
    md("slider_intro", r"""
    ## Part 5. Explore with sliders

    Choose the number of hidden units and of training steps; the network is trained with your
    `train` from the same initial weights (random seed 0) and its decision region redrawn when you release a
    slider. Results are cached, so going back to a setting is instant. The title gives the test
    accuracy. When this notebook runs without a browser (e.g. while it is graded) the cell simply
    draws the starting values once.
    """),
    code("sliders", """
    @functools.lru_cache(maxsize=64)
    def trained_network(n_hidden, n_steps):
        params = init_params(2, n_hidden, np.random.default_rng(0))
        return train(params, X_train, y_train, n_steps=n_steps)


    def draw_network(n_hidden=5, n_steps=300):
        with needs(*NETWORK_FUNCTIONS):
            net, losses = trained_network(n_hidden, n_steps)
            accuracy = np.mean((forward(net, X_test)[1] > 0) == (y_test == 1))
            fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
            plot_decision_region(lambda P: forward(net, P)[1], X_test, y_test, ax=axes[0],
                                 title=f"{n_hidden} hidden units, {n_steps} steps: test accuracy {accuracy:.2f}")
            axes[1].semilogy(losses)
            axes[1].set(xlabel="training step", ylabel="training loss", title="training curve")
            fig.tight_layout()
            plt.show()


    interactive_plot(
        draw_network,
        n_hidden=choice_slider("hidden units", [1, 2, 3, 4, 5, 10, 20, 50, 200, 1000], 5),
        n_steps=choice_slider("training steps", [10, 25, 50, 100, 200, 300], 300),
    );
    """, tags=("nbval-ignore-output",)),
]


def main():
    path = ROOT / "source" / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    write(notebook(CELLS), path)
    print(f"wrote {path.relative_to(ROOT)} ({len(CELLS)} cells)")


if __name__ == "__main__":
    main()
