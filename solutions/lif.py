"""Reference solutions of the `lif_neuron` assignment (instructor only; imported by the grader).

Two versions of the leaky integrate-and-fire (LIF) neuron appear in the assignment:

* Parts 1-3 work in physical units (SI: seconds, volts, amperes, ohms) with the membrane equation
  ``tau_m dV/dt = E_L - V + R I(t)``, threshold ``V_th`` and reset ``V_reset``, sampled on a fixed
  grid ``t_k = k dt`` (spike times are grid times).
* Parts 4-7 use the dimensionless neuron of seed 000 (threshold 1, reset 0): membrane ``v`` and
  input current ``s`` with ``tau_m dv/dt = s - v`` and ``tau_s ds/dt = -s``; an incoming spike of
  weight ``w`` adds ``w / tau_s`` to ``s``; spike times are found by linear interpolation between
  grid points, so they lie between grid times.

Conventions shared with the notebook and with ``course.checks.lif_neuron``:

* Synaptic convention ``s += w / tau_s``: the current a spike injects then has the area
  ``integral s dt = w`` whatever ``tau_s`` is, so changing ``tau_s`` reshapes a synaptic current
  without changing the total charge it delivers. It is also the only reading under which the
  seed's experiments produce spikes (30 Hz x 0.05 gives a mean drive ``w nu = 1.5 > 1``; with
  ``s += w`` the mean drive would be ``w nu tau_s = 0.15`` and the neuron would never fire).
* Refractory clamp of the class: a spike at ``t*`` holds ``v`` at 0 during every step that
  *starts* before ``t* + tau_ref``. When ``tau_ref`` is a whole number m of steps this is the same
  as holding ``v`` for the m steps after the step with the spike.
* ``spikes_between(t0, t1)`` counts spikes with ``t0 <= t < t1``.
"""
from __future__ import annotations

import math

import numpy as np

# ----- parameters of parts 1-3 (physical units) --------------------------------------------------
# Neuromatch Academy precourse, Python Workshop 1 ("W0D1", the LIF neuron), the model behind
# seed 003 (study-group slides on that material):
TAU_M = 20e-3        # membrane time constant, s
E_L = -60e-3         # leak (resting) potential, V
V_RESET = -70e-3     # reset potential, V
V_TH = -50e-3        # spike threshold, V
R_M = 100e6          # membrane resistance, ohm (100 MOhm)
I_MEAN = 25e-11      # mean input current, A (250 pA)
T_MAX = 150e-3       # simulated time, s
# Neuromatch Academy precourse, Python Workshop 2 ("W0D2", spikes and refractory periods):
T_REF = 10e-3        # absolute refractory period, s
# Our choice: the workshops step at 1 ms; 0.1 ms samples the 10 ms sine period 100 times.
DT = 0.1e-3          # time step, s
# Seed 003: I(t) = I_mean (1 + sin(2 pi t / 0.01)) and I(t) = I_mean (1 + 0.1 sqrt(t_max/dt) xi).
SINE_PERIOD = 0.01   # s
NOISE_SCALE = 0.1    # dimensionless

# ----- parameters of parts 4-7 (dimensionless LIF, time in s) ------------------------------------
# Seed 000 (CS 489/698 assignment "Modelling Neurons", experiment 3a and Figure 1a):
EXP_TAU_M = 0.02     # s
EXP_TAU_S = 0.1      # s
EXP_TAU_REF = 0.002  # s
EXP_DT = 0.001       # s ("use a time step of 1 ms")
EXP_WEIGHT = 0.05    # connection weight (area of one synaptic current pulse)
EXP_RATE = 30.0      # Hz, input firing rate
EXP_DURATION = 1.0   # s


# ===== Part 1: the membrane equation ==============================================================

def euler_step(v, i_inj, dt, tau_m=TAU_M, e_l=E_L, r_m=R_M):
    """One forward-Euler step of ``tau_m dV/dt = E_L - V + R I``.

    v: membrane potential(s) in V, float or array; i_inj: current(s) in A, same shape or
    broadcastable; dt, tau_m in s; e_l in V; r_m in ohm. Returns V(t + dt) in V, same shape.
    """
    return v + dt / tau_m * (e_l - v + r_m * i_inj)


def sinusoidal_current(t, i_mean=I_MEAN):
    """``I(t) = I_mean (1 + sin(2 pi t / 0.01 s))`` in A; `t` in s (float or array; same shape)."""
    return i_mean * (1.0 + np.sin(2.0 * np.pi * np.asarray(t, dtype=float) / SINE_PERIOD))


def noisy_current(n_steps, i_mean, t_max, dt, rng):
    """``I_k = I_mean (1 + 0.1 sqrt(t_max/dt) xi_k)``, xi_k ~ U(-1, 1) independent, in A.

    The noise values come from ONE call ``rng.uniform(-1, 1, size=n_steps)`` (rng: a
    ``numpy.random.Generator``). Returns an array of shape (n_steps,).
    """
    xi = rng.uniform(-1.0, 1.0, size=n_steps)
    return i_mean * (1.0 + NOISE_SCALE * math.sqrt(t_max / dt) * xi)


def simulate_lif(i_inj, dt, tau_m=TAU_M, e_l=E_L, r_m=R_M, v_th=V_TH, v_reset=V_RESET):
    """LIF neuron on the grid t_k = k dt, started at rest, without refractory period.

    i_inj: currents I_k in A, shape (n_steps,). Returns (v, spike_times): v of shape (n_steps,)
    in V with v[0] = E_L and v[k+1] = euler_step(v[k], I_k); whenever v[k+1] >= V_th, the spike
    time (k+1) dt is recorded and v[k+1] is set to V_reset.
    spike_times: float array (n_spikes,) in s.
    """
    return simulate_lif_refractory(i_inj, dt, 0.0, tau_m, e_l, r_m, v_th, v_reset)


def simulate_lif_refractory(i_inj, dt, t_ref=T_REF, tau_m=TAU_M, e_l=E_L, r_m=R_M, v_th=V_TH,
                            v_reset=V_RESET):
    """`simulate_lif` plus an absolute refractory period of ``n_ref = round(t_ref / dt)`` steps.

    After a spike at index k (v[k] = V_reset), v[k+1], ..., v[k+n_ref] are held at V_reset and
    integration resumes from v[k+n_ref]. Returns (v (n_steps,) in V, spike_times (n_spikes,) in s).
    """
    return run_lif(i_inj, dt, int(round(t_ref / dt)), tau_m, e_l, r_m, v_th, v_reset)


def run_lif(i_inj, dt, n_ref, tau_m, e_l, r_m, v_th, v_reset, update=euler_step):
    """The simulation loop shared by the references above (and, with another `update` or
    `v_reset`, by the known mistakes in `solutions.lif_mistakes`). `n_ref` in steps;
    `v_reset=None` records spikes without resetting or clamping."""
    i_inj = np.asarray(i_inj, dtype=float)
    v = np.empty(i_inj.shape[0])
    v[0] = e_l
    spikes = []
    clamp = 0
    for k in range(i_inj.shape[0] - 1):
        if clamp > 0:
            v[k + 1] = v_reset
            clamp -= 1
            continue
        v[k + 1] = update(v[k], i_inj[k], dt, tau_m, e_l, r_m)
        if v[k + 1] >= v_th:
            spikes.append((k + 1) * dt)
            if v_reset is not None:
                v[k + 1] = v_reset
                clamp = n_ref
    return v, np.array(spikes, dtype=float)


# ===== Part 2: ensemble statistics and Campbell's theorem =========================================

def sample_statistics(x):
    """Sample mean and variance over trials (axis 0), the variance normalised by N - 1.

    x: array (N, T) with N >= 2 trials of T samples. Returns (mean (T,), variance (T,)).
    """
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=0)
    return mean, ((x - mean) ** 2).sum(axis=0) / (x.shape[0] - 1)


def sample_autocovariance(x):
    """Sample autocovariance C[j, k] = sum_n (x_n(t_j) - <x(t_j)>)(x_n(t_k) - <x(t_k)>) / (N - 1).

    x: array (N, T) of N >= 2 trials. Returns a symmetric array (T, T); its diagonal is the
    sample variance.
    """
    x = np.asarray(x, dtype=float)
    d = x - x.mean(axis=0)
    return d.T @ d / (x.shape[0] - 1)


def synaptic_current(counts, weight, tau_s, dt):
    """Euler integration of ``tau_s ds/dt = -s`` with ``s += weight / tau_s`` per input spike.

    counts: integer array (N, T): number of input spikes of trial n in the step [t_k, t_k + dt).
    Returns s of shape (N, T + 1) with s[:, 0] = 0 and
    s[:, k+1] = s[:, k] - dt s[:, k] / tau_s + (weight / tau_s) counts[:, k]
    (units of weight per second).
    """
    counts = np.asarray(counts, dtype=float)
    s = np.zeros((counts.shape[0], counts.shape[1] + 1))
    for k in range(counts.shape[1]):
        s[:, k + 1] = s[:, k] - dt * s[:, k] / tau_s + weight / tau_s * counts[:, k]
    return s


def campbell_moments(rate, weight, tau_s, dt=None):
    """Stationary mean and variance of s for Poisson input (Campbell's theorem).

    Each spike adds J = weight / tau_s and s decays with tau_s, so s is a sum of kernels
    J exp(-t / tau_s): E[s] = rate J tau_s = rate weight and
    Var[s] = rate J^2 tau_s / 2 = rate weight^2 / (2 tau_s). With `dt` the variance of the
    Euler-discretised process (as `synaptic_current` computes it) is returned instead:
    Var = rate weight^2 / (2 tau_s) / (1 - dt / (2 tau_s)); the mean is unchanged.
    """
    mean = rate * weight
    var = rate * weight ** 2 / (2.0 * tau_s)
    if dt is not None:
        var = var / (1.0 - dt / (2.0 * tau_s))
    return mean, var


def free_membrane_moments(n_steps, dt, i_mean=I_MEAN, t_max=T_MAX, tau_m=TAU_M, e_l=E_L, r_m=R_M):
    """Exact mean and variance of the Euler membrane without threshold driven by `noisy_current`.

    V_0 = E_L, V_{k+1} = V_k + h (E_L - V_k + R I_k), h = dt / tau_m, I_k = I_mean (1 + a xi_k),
    a = 0.1 sqrt(t_max / dt), Var[xi] = 1/3. Then with q = 1 - h:
    E[V_k] = E_L + R I_mean (1 - q^k),  Var[V_k] = (h R I_mean a)^2 / 3 (1 - q^(2k)) / (1 - q^2),
    and Cov[V_j, V_k] = q^|k - j| Var[V_min(j,k)].
    Returns (mean (n_steps,) in V, var (n_steps,) in V^2).
    """
    h = dt / tau_m
    q = 1.0 - h
    a = NOISE_SCALE * math.sqrt(t_max / dt)
    k = np.arange(n_steps)
    mean = e_l + r_m * i_mean * (1.0 - q ** k)
    var = (h * r_m * i_mean * a) ** 2 / 3.0 * (1.0 - q ** (2 * k)) / (1.0 - q ** 2)
    return mean, var


# ===== Part 3: spikes, windows and binary rasters ================================================

def spikes_in_window(spike_dict, t0, t1):
    """Keep the spikes with t0 <= t < t1 (boolean indexing).

    spike_dict: {neuron: spike times (array-like, s)}. Returns a dict with the same keys whose
    values are float arrays of the kept times, in their original order.
    """
    out = {}
    for key, times in spike_dict.items():
        times = np.asarray(times, dtype=float)
        out[key] = times[(times >= t0) & (times < t1)]
    return out


def binary_raster(spike_dict, n_bins, dt):
    """Binary raster matrix of a {neuron: spike times} dict.

    Row i belongs to the i-th key of ``sorted(spike_dict)``; column k is time step k. A spike at
    time t falls into column round(t / dt) (bins centred on the grid times k dt); spikes whose
    column is outside 0 .. n_bins - 1 are ignored. Returns an int array (n_neurons, n_bins) of
    0 and 1 (1: at least one spike in that bin).
    """
    keys = sorted(spike_dict)
    raster = np.zeros((len(keys), n_bins), dtype=int)
    for row, key in enumerate(keys):
        cols = np.rint(np.asarray(spike_dict[key], dtype=float) / dt).astype(int)
        cols = cols[(cols >= 0) & (cols < n_bins)]
        raster[row, cols] = 1
    return raster


# ===== Part 4: the LIF neuron class (dimensionless, seed 000) ====================================

class LIFNeuron:
    """Dimensionless LIF: ``tau_m dv/dt = s - v``, ``tau_s ds/dt = -s``; threshold 1, reset 0.

    Times in s. State: v (membrane), s (input current), t (current time). After construction
    v = s = t = 0. Attributes recorded: `spikes` (list of spike times), `v_history` and
    `t_history` (lists starting with the initial v = 0 and t = 0, one entry appended per step),
    `dvdt`, `dsdt` (last slopes), `ref_end` (time until which v is held at 0).
    ``tau_s = inf`` keeps s constant (constant drive).
    """

    def __init__(self, tau_m=EXP_TAU_M, tau_s=EXP_TAU_S, tau_ref=EXP_TAU_REF):
        self.tau_m = tau_m
        self.tau_s = tau_s
        self.tau_ref = tau_ref
        self.v = 0.0
        self.s = 0.0
        self.t = 0.0
        self.dvdt = 0.0
        self.dsdt = 0.0
        self.ref_end = -math.inf
        self.spikes = []
        self.v_history = [self.v]
        self.t_history = [self.t]

    def receive(self, weight):
        """An incoming spike of weight `weight` adds weight / tau_s to s."""
        self.s += weight / self.tau_s

    def slope(self):
        """Store and return (dv/dt, ds/dt) = ((s - v) / tau_m, -s / tau_s) at the current state."""
        self.dvdt = (self.s - self.v) / self.tau_m
        self.dsdt = -self.s / self.tau_s
        return self.dvdt, self.dsdt

    def step(self, dt):
        """Advance from t to t + dt with one Euler step; return 1 if the neuron spiked, else 0.

        s always takes the Euler step. If t < ref_end, v stays 0. Otherwise v takes the Euler
        step to v_new; if v_new >= 1 the spike time t* = t + dt (1 - v) / (v_new - v) is recorded,
        v is reset to 0 and ref_end = t* + tau_ref.
        """
        dvdt, dsdt = self.slope()
        t = self.t
        spiked = 0
        self.s = self.s + dt * dsdt
        if t < self.ref_end:
            self.v = 0.0
        else:
            v_new = self.v + dt * dvdt
            if v_new >= 1.0:
                t_spike = t + dt * (1.0 - self.v) / (v_new - self.v)
                self.spikes.append(t_spike)
                self.ref_end = t_spike + self.tau_ref
                v_new = 0.0
                spiked = 1
            self.v = v_new
        self.t = t + dt
        self.v_history.append(self.v)
        self.t_history.append(self.t)
        return spiked

    def spikes_between(self, t0, t1):
        """Number of recorded spikes with t0 <= t < t1 (s)."""
        return sum(1 for ts in self.spikes if t0 <= ts < t1)


# ===== Part 5: a population, vectorised over neurons (seed 003's class) =========================

class LIFPopulation:
    """N independent dimensionless LIF neurons updated together with numpy arrays.

    Same rules as `LIFNeuron`, neuron by neuron. Parameters may be floats or arrays of shape (n,).
    State arrays v, s, ref_end of shape (n,); t is a float. `spikes` is a list of n lists of spike
    times; `v_history` a list of arrays (n,) (copies), `t_history` a list of floats; both start
    with the initial state.
    """

    def __init__(self, n, tau_m=EXP_TAU_M, tau_s=EXP_TAU_S, tau_ref=EXP_TAU_REF):
        self.n = int(n)
        self.tau_m = np.broadcast_to(np.asarray(tau_m, dtype=float), (self.n,)).copy()
        self.tau_s = np.broadcast_to(np.asarray(tau_s, dtype=float), (self.n,)).copy()
        self.tau_ref = np.broadcast_to(np.asarray(tau_ref, dtype=float), (self.n,)).copy()
        self.v = np.zeros(self.n)
        self.s = np.zeros(self.n)
        self.t = 0.0
        self.ref_end = np.full(self.n, -np.inf)
        self.spikes = [[] for _ in range(self.n)]
        self.v_history = [self.v.copy()]
        self.t_history = [self.t]

    def receive(self, weights):
        """Add weights / tau_s to s (weights: float or array (n,); 0 for neurons without input)."""
        self.s = self.s + np.asarray(weights, dtype=float) / self.tau_s

    def slope(self):
        """Return (dv/dt, ds/dt), arrays (n,)."""
        return (self.s - self.v) / self.tau_m, -self.s / self.tau_s

    def step(self, dt):
        """Advance all neurons by dt (ODE step, spike, clamp); return a bool array (n,)."""
        dvdt, dsdt = self.slope()
        t = self.t
        self.s = self.s + dt * dsdt
        free = ~(t < self.ref_end)
        v_new = self.v + dt * dvdt
        spiked = free & (v_new >= 1.0)
        index = np.flatnonzero(spiked)
        if index.size:
            t_spike = t + dt * (1.0 - self.v[index]) / (v_new[index] - self.v[index])
            for i, ts in zip(index, t_spike):
                self.spikes[i].append(float(ts))
            self.ref_end[index] = t_spike + self.tau_ref[index]
        self.v = np.where(free & ~spiked, v_new, 0.0)
        self.t = t + dt
        self.v_history.append(self.v.copy())
        self.t_history.append(self.t)
        return spiked


# ===== Part 6: one LIF driven by an input neuron (seed 000, experiment 3a) ======================

def drive_with_input(neuron, input_neuron, weight, t_max, dt):
    """Step `input_neuron` and `neuron` together for n = round(t_max / dt) steps; return `neuron`.

    The input's spikes of step [t_k, t_k + dt) (the count `input_neuron.step(dt)` returns) reach
    the neuron at the start of the next step: ``neuron.receive(weight * count)`` before
    ``neuron.step(dt)`` of step k + 1 (a one-step transmission delay, as in seed 000's network).
    """
    n_steps = int(round(t_max / dt))
    arriving = 0
    for _ in range(n_steps):
        if arriving:
            neuron.receive(weight * arriving)
        arriving = input_neuron.step(dt)
        neuron.step(dt)
    return neuron


# ===== Part 7: firing rate for constant drive ====================================================

def lif_rate(current, tau_m, tau_ref):
    """Analytic rate (Hz) of the dimensionless LIF with constant drive I (threshold 1, reset 0).

    rate = 1 / (tau_ref + tau_m ln(I / (I - 1))) for I > 1, else 0. current: array (n,);
    returns a float array (n,).
    """
    current = np.asarray(current, dtype=float)
    rate = np.zeros(current.shape)
    above = current > 1.0
    i = current[above]
    rate[above] = 1.0 / (tau_ref + tau_m * np.log(i / (i - 1.0)))
    return rate


def euler_tau_eff(dt, tau_m):
    """Time constant that forward Euler really integrates: tau_eff = -dt / ln(1 - dt / tau_m).

    Euler's free membrane v_k = I (1 - (1 - dt/tau_m)^k) equals I (1 - exp(-k dt / tau_eff)).
    tau_eff < tau_m, tau_eff -> tau_m - dt/2 for small dt. Valid for 0 < dt < tau_m. Returns s.
    """
    return -dt / math.log1p(-dt / tau_m)


def simulated_rates(currents, dt, t_max, tau_m=EXP_TAU_M, tau_ref=EXP_TAU_REF):
    """Rates (Hz) of `LIFPopulation` neurons under constant drive, from the mean interval.

    currents: array (n,). Each neuron gets s = I with tau_s = inf. The rate is
    (number of spikes - 1) / (last - first spike time), 0 with fewer than two spikes.
    Returns a float array (n,).
    """
    currents = np.asarray(currents, dtype=float)
    pop = LIFPopulation(currents.size, tau_m=tau_m, tau_s=np.inf, tau_ref=tau_ref)
    pop.s = currents.copy()
    for _ in range(int(round(t_max / dt))):
        pop.step(dt)
    rates = np.zeros(currents.size)
    for i, times in enumerate(pop.spikes):
        if len(times) >= 2:
            rates[i] = (len(times) - 1) / (times[-1] - times[0])
    return rates


def euler_isi(current, dt, tau_m, tau_ref):
    """Interspike interval (s) that `LIFNeuron` / `LIFPopulation` produce for constant drive I > 1.

    Requires tau_ref to be a whole number m of steps. After every spike, v is 0 at the end of the
    step that contains the spike, is held for m more steps, and then follows Euler's free solution
    v_j = I (1 - (1 - dt/tau_m)^j) = I (1 - exp(-j dt / tau_eff)), which first reaches 1 after
    j = ceil(T_eff / dt) steps, T_eff = tau_eff ln(I / (I - 1)). Each cycle therefore starts at
    the same phase of the grid: the spike falls at the same fraction of its step every time and
    ISI = tau_ref + dt ceil(T_eff / dt) exactly. Compared with the exact ISI
    tau_ref + tau_m ln(I / (I - 1)) the error is -(tau_m - tau_eff) ln(I / (I - 1)) (Euler's
    faster membrane, about -dt/2 ln(I/(I-1))) plus the rounding up to whole steps, in [0, dt).
    """
    t_eff = euler_tau_eff(dt, tau_m) * math.log(current / (current - 1.0))
    return tau_ref + dt * math.ceil(t_eff / dt)
