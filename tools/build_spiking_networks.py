"""Write source/spiking_networks/spiking_networks.ipynb (instructor notebook, not executed).

Run from the repository root: `python tools/build_spiking_networks.py`, then execute the notebook
in place (README, "Author") and `course release spiking_networks`.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from nbbuild import answer, code, md, notebook, test, write, written  # noqa: E402

A = "spiking_networks"
HIDDEN = '''### BEGIN HIDDEN TESTS
from course.checking import check
check("spiking_networks.{name}", {target})
### END HIDDEN TESTS'''


def hidden(name, target):
    return HIDDEN.format(name=name, target=target)


CELLS = []
add = CELLS.append

add(md("intro", r"""
# Spiking networks: from one neuron to networks that remember, inhibit and oscillate

In `lif_neuron` you built a leaky integrate-and-fire (LIF) neuron and drove it with one input. Here
you connect such neurons into networks. You will

1. write a `SpikingNetwork` class that updates all neurons step by step and passes spikes along
   weighted connections;
2. measure the firing-rate curve of one LIF neuron driven by a ramped Poisson input and compare it
   with a prediction from Campbell's theorem;
3. build two neurons that keep each other firing after their input has stopped;
4. switch that activity off with an inhibitory neuron;
5. build a ring of eight neurons along which a wave of bursts travels, measure its period and
   explore it with sliders;
6. write the step of a vectorised network engine that holds all neurons in arrays and the
   connections in a sparse weight matrix, and compare its speed with the object version.

The experiments and their parameters follow Jeff Orchard's assignment "Modelling Neurons" for
CS 489/698 Neural Networks at the University of Waterloo (2019), questions 2 and 3 and its
Figure 1.

**How this notebook is graded (29 points).** Each task names the function or class to write, its
arguments, what it returns, and its points. Replace every `raise NotImplementedError()` (and every
"YOUR ANSWER HERE") with your answer; do not rename functions or change their arguments.

* **22 points are graded automatically.** Below each function is a test cell. Its visible
  `assert`s check the shape, the type and one easy case, so you can run it and fix problems right
  away. When your notebook is graded, the same cell also runs **hidden tests** that call your code
  on other inputs and compare the results with a reference solution. A test cell scores all its
  points or none. If your results match a common mistake, the feedback names it.
* **7 points are graded by hand**: five written answers.

Use `numpy`, `scipy`, `matplotlib` and the `course` helpers imported below. Before you submit, run
**Kernel -> Restart Kernel and Run All Cells** and check that no cell fails.
"""))

add(code("imports", r"""
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp

from course.plotting import plot_fi_curve, plot_membrane, raster_plot
from course.spikes import InputNeuron, generate_spike_train
from course.widgets import float_slider, interactive_plot
"""))

add(md("neuron_md", r"""
## The neuron (given)

All networks here are made of the dimensionless LIF neuron of `lif_neuron`: a membrane $v$ with
threshold 1 and reset 0, driven by an input current $s$ (times in seconds),

$$\tau_m\frac{dv}{dt} = s - v, \qquad \tau_s\frac{ds}{dt} = -s,$$

where an incoming spike of weight $w$ adds $w/\tau_s$ to $s$, so that the current one spike
injects has the area $w$. The class below is that neuron, complete, so this assignment does not
depend on your solution of `lif_neuron`: Euler steps of length $\Delta t$, the spike time found by
linear interpolation, $v$ held at 0 for the refractory period $\tau_{ref}$. What a network needs
from it:

* `step(dt)` advances the neuron from `t` to `t + dt` and **returns 1 if it spiked in that step,
  else 0**; it appends to `spikes`, `v_history` and `t_history`;
* `receive(weight)` delivers an incoming spike;
* `spikes_between(t0, t1)` counts its spikes with $t_0 \le t < t_1$.

`InputNeuron(spike_times)` from `course.spikes` looks the same from outside: its `step(dt)`
returns **the number** of its spikes in $[t, t + \Delta t)$ (0, 1, or more), and `receive` does
nothing. `generate_spike_train(rates, ends, rng=...)` makes a Poisson train with rate `rates[i]`
(Hz) until `ends[i]` (s). Run the cell (do not edit it).
"""))

add(code("lif_neuron_given", r"""
class LIFNeuron:
    # Dimensionless LIF neuron (threshold 1, reset 0). Times in seconds.

    def __init__(self, tau_m=0.02, tau_s=0.1, tau_ref=0.002):
        self.tau_m = tau_m        # membrane time constant (s)
        self.tau_s = tau_s        # synaptic time constant (s)
        self.tau_ref = tau_ref    # absolute refractory period (s)
        self.v = 0.0              # membrane potential
        self.s = 0.0              # input current
        self.t = 0.0              # time of the current state (s)
        self.ref_end = -np.inf    # v is held at 0 in steps that start before this time
        self.spikes = []          # spike times (s)
        self.v_history = [self.v]
        self.t_history = [self.t]

    def receive(self, weight):
        self.s += weight / self.tau_s

    def step(self, dt):
        dvdt = (self.s - self.v) / self.tau_m
        dsdt = -self.s / self.tau_s
        t = self.t
        spiked = 0
        self.s = self.s + dt * dsdt
        if t < self.ref_end:
            self.v = 0.0
        else:
            v_new = self.v + dt * dvdt
            if v_new >= 1.0:
                t_spike = t + dt * (1.0 - self.v) / (v_new - self.v)   # linear interpolation
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
        return sum(1 for t in self.spikes if t0 <= t < t1)
"""))

add(md("network_task", r"""
## Part 1. A network of spiking neurons

### Task 1.1: `SpikingNetwork` (5 points)

Complete the class below.

* `__init__(self)`: an empty network: `self.neurons = []`, `self.connections = []`, the current time
  `self.t = 0.0` and `self.t_history = [0.0]`.
* `add_neuron(self, neuron)`: append `neuron` (an `LIFNeuron`, an `InputNeuron`, or anything else
  with `step` and `receive`) to `self.neurons` and return it.
* `connect(self, pre, post, weight)`: a connection from neuron `pre` to neuron `post`: every spike
  of `pre` delivers `weight` to `post`. Append the tuple `(pre, post, weight)` to
  `self.connections`. Negative weights are inhibitory. The same pair may be connected twice (the
  weights then add up), and a neuron may be connected to itself.
* `simulate(self, t_max, dt)`: run `n = round(t_max / dt)` steps (use `int(round(t_max / dt))`).
  **One step** is:
  1. call `step(dt)` of every neuron once, in the order they were added, and remember the neurons
     whose `step` returned a count greater than 0, with that count;
  2. **after all neurons have stepped**, deliver each of these spikes along every connection that
     starts at its neuron: `post.receive(weight * count)`;
  3. `self.t = self.t + dt`, and append `self.t` to `self.t_history`.

**When a spike arrives.** A spike fired during the step from $t_k$ to $t_{k+1}$ is delivered at the
end of that step, so it changes its targets' $s$ from $t_{k+1}$ on and first moves their $v$ in the
next step: a transmission delay of one step, **whatever order the neurons were added in**. Nothing is
left over between calls: a second `simulate` call continues exactly where the first stopped, so
`simulate(a, dt)` followed by `simulate(b, dt)` gives the same result as `simulate(a + b, dt)`. Keep
every list inside the instance (create it in `__init__`), so that two networks never share
neurons or histories.
"""))

add(answer("spiking_network", r"""
class SpikingNetwork:

    def __init__(self):
        ### BEGIN SOLUTION
        self.neurons = []
        self.connections = []
        self.t = 0.0
        self.t_history = [self.t]
        ### END SOLUTION

    def add_neuron(self, neuron):
        ### BEGIN SOLUTION
        self.neurons.append(neuron)
        return neuron
        ### END SOLUTION

    def connect(self, pre, post, weight):
        ### BEGIN SOLUTION
        self.connections.append((pre, post, weight))
        ### END SOLUTION

    def simulate(self, t_max, dt):
        ### BEGIN SOLUTION
        outgoing = {}
        for pre, post, weight in self.connections:
            outgoing.setdefault(id(pre), []).append((post, weight))
        for _ in range(int(round(t_max / dt))):
            fired = []
            for neuron in self.neurons:
                count = neuron.step(dt)
                if count > 0:
                    fired.append((neuron, count))
            for neuron, count in fired:
                for post, weight in outgoing.get(id(neuron), []):
                    post.receive(weight * count)
            self.t = self.t + dt
            self.t_history.append(self.t)
        ### END SOLUTION
"""))

add(test("test_spiking_network", r"""
class Recorder:
    # a stand-in neuron: fires in the steps listed in `fire_at`, logs what arrived before each step
    def __init__(self, fire_at=()):
        self.fire_at, self.k, self.pending, self.log = set(fire_at), 0, 0.0, []
    def receive(self, weight):
        self.pending += weight
    def step(self, dt):
        self.log.append(self.pending)
        self.pending = 0.0
        self.k += 1
        return 1 if self.k - 1 in self.fire_at else 0

for first_a in (True, False):
    a, b = Recorder(fire_at=[1]), Recorder()
    net = SpikingNetwork()
    for neuron in ((a, b) if first_a else (b, a)):
        assert net.add_neuron(neuron) is neuron, "add_neuron returns the neuron"
    net.connect(a, b, 0.5)
    net.simulate(0.004, 0.001)
    assert len(b.log) == 4, f"t_max = 4 ms with dt = 1 ms is 4 steps; got {len(b.log)}"
    assert np.allclose(b.log, [0, 0, 0.5, 0]), \
        f"A spikes in step 1, so B must receive 0.5 before step 2 (order A first: {first_a}); got {b.log}"
    assert a.log == [0, 0, 0, 0], "connections go from pre to post only"
assert np.allclose(net.t_history, [0, 0.001, 0.002, 0.003, 0.004]), "t_history starts at 0, one entry per step"
net.simulate(0.002, 0.001)
assert len(net.t_history) == 7 and np.isclose(net.t, 0.006), "a second call continues from t = 4 ms"
assert SpikingNetwork().t_history == [0.0], "a new network starts with its own, fresh history"
""" + hidden("network", "SpikingNetwork"), 5))

add(md("one_neuron_md", r"""
Run the next cell to check your network on the first experiment of the assignment we follow: an input
neuron firing at about 30 Hz drives one LIF neuron ($\tau_m$ = 20 ms, $\tau_s$ = 100 ms,
$\tau_{ref}$ = 2 ms) through the weight 0.05 for 1 s, with $\Delta t$ = 1 ms, the time step of **every**
simulation in this notebook. The plot shows the LIF neuron's `v_history` against the network's
`t_history` and the raster of both neurons.
"""))

add(code("one_neuron_plot", r"""
DT = 0.001   # s: the time step of every experiment (Orchard 2019, question 3)

try:
    net_a = SpikingNetwork()
    source_a = net_a.add_neuron(InputNeuron(generate_spike_train([30], [1.0], rng=2019)))
    lif_a = net_a.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.1, tau_ref=0.002))
    net_a.connect(source_a, lif_a, 0.05)
    net_a.simulate(1.0, DT)
except NotImplementedError:
    print("write `SpikingNetwork` above first")
else:
    fig, axes = plt.subplots(2, 1, figsize=(9, 4.5), sharex=True)
    plot_membrane(net_a.t_history, lif_a.v_history, ax=axes[0], threshold=1.0, xlabel="",
                  title="one LIF neuron driven by a 30 Hz input through w = 0.05")
    raster_plot({"input": source_a.spikes, "LIF": lif_a.spikes}, ax=axes[1], t_max=1.0)
    fig.tight_layout()
    plt.show()
"""))

add(md("rate_curve_task", r"""
## Part 2. The firing-rate curve of one LIF neuron

Now ramp the input up: 5 Hz for 2 s, then 10 Hz for the next 2 s, and so on in steps of 5 Hz up to
100 Hz (20 rates, 40 s in all). The input drives one LIF neuron through the weight 0.03.

| quantity | value | source |
|---|---|---|
| input rates | 5, 10, ..., 100 Hz, each for 2 s | Orchard (2019), question 3b |
| input weight | 0.03 | Orchard (2019), question 3b |
| $\tau_m$, $\tau_s$, $\tau_{ref}$ | 20 ms, 100 ms, 2 ms | Orchard (2019), Figure 1a (the network of question 3a, copied in 3b) |
| $\Delta t$ | 1 ms | Orchard (2019), question 3 |

**A prediction.** By Campbell's theorem (Part 2 of `lif_neuron`), Poisson input of rate $\nu$
through weight $w$ gives the current $s$ the mean $E[s] = w\,\nu$. If $s$ were held at that mean, the
neuron would fire at the constant-drive rate

$$r(I) = \frac{1}{\tau_{ref} + \tau_m \ln\frac{I}{I-1}} \quad (I > 1), \qquad r(I) = 0 \quad (I \le 1),
\qquad I = w\,\nu .$$

### Task 2.1: the mean-drive prediction (1 point)

Write `mean_drive_rate(input_rates, weight, tau_m, tau_ref)`: `input_rates` is an array of shape
`(n,)` in Hz; return $r(w\nu)$ in Hz as a float array of shape `(n,)` (0 where $w\nu \le 1$; compute
the logarithm only where $w\nu > 1$, e.g. with a boolean mask).
"""))

add(answer("mean_drive_rate", r"""
def mean_drive_rate(input_rates, weight, tau_m, tau_ref):
    ### BEGIN SOLUTION
    drive = weight * np.asarray(input_rates, dtype=float)
    rate = np.zeros(drive.shape)
    above = drive > 1
    rate[above] = 1.0 / (tau_ref + tau_m * np.log(drive[above] / (drive[above] - 1)))
    return rate
    ### END SOLUTION
"""))

add(test("test_mean_drive_rate", r"""
r = mean_drive_rate(np.array([20.0, 50.0]), 0.03, 0.02, 0.002)
assert isinstance(r, np.ndarray) and r.shape == (2,), "2 input rates give 2 output rates"
assert r[0] == 0, "20 Hz x 0.03 = 0.6 < 1: the mean drive never reaches the threshold"
assert np.isclose(r[1], 1 / (0.002 + 0.02 * np.log(1.5 / 0.5))), f"50 Hz x 0.03 = 1.5: expected {1 / (0.002 + 0.02 * np.log(3)):.2f} Hz; got {r[1]}"
""" + hidden("mean_drive_rate", "mean_drive_rate"), 1))

add(md("firing_rate_curve_task", r"""
### Task 2.2: simulate the ramp (3 points)

Write `firing_rate_curve(input_times)`:

* build a `SpikingNetwork` with an `InputNeuron(input_times)` connected to one `LIFNeuron` with the
  parameters in the table (weight 0.03);
* simulate all 40 s with **one** call `simulate(40.0, DT)`;
* count the LIF neuron's spikes in each 2-s interval $[2i, 2i + 2)$ s, $i = 0, \dots, 19$, with its
  `spikes_between`, and divide by 2 s;
* return the tuple `(rates, net)`: `rates` a float array of shape `(20,)` in Hz, `net` the network.

`RAMP_RATES` and `RAMP_ENDS` below are the input's rates and the end of each interval; the test
passes you a train made by `generate_spike_train(RAMP_RATES, RAMP_ENDS, rng=...)`.
"""))

add(code("ramp_parameters", r"""
RAMP_RATES = np.arange(5.0, 101.0, 5.0)          # Hz: 5, 10, ..., 100
RAMP_ENDS = 2.0 * np.arange(1, 21)                # s: each rate is held for 2 s
ramp_input = generate_spike_train(RAMP_RATES, RAMP_ENDS, rng=2020)
print(f"{len(RAMP_RATES)} rates, {len(ramp_input)} input spikes in {RAMP_ENDS[-1]:.0f} s")
"""))

add(answer("firing_rate_curve", r"""
def firing_rate_curve(input_times):
    ### BEGIN SOLUTION
    net = SpikingNetwork()
    source = net.add_neuron(InputNeuron(input_times))
    lif = net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.1, tau_ref=0.002))
    net.connect(source, lif, 0.03)
    net.simulate(40.0, DT)
    rates = np.array([lif.spikes_between(2.0 * i, 2.0 * i + 2.0) / 2.0 for i in range(20)])
    return rates, net
    ### END SOLUTION
"""))

add(test("test_firing_rate_curve", r"""
ramp_rates_out, ramp_net = firing_rate_curve(ramp_input)
assert isinstance(ramp_rates_out, np.ndarray) and ramp_rates_out.shape == (20,), "one rate per 2-s interval: shape (20,)"
assert len(ramp_net.t_history) == 40001, f"40 s in steps of 1 ms are 40000 steps; got {len(ramp_net.t_history) - 1}"
assert np.all(ramp_rates_out * 2 == np.round(ramp_rates_out * 2)), "a rate is a spike count divided by 2 s"
assert ramp_rates_out[:2].sum() < ramp_rates_out[-2:].sum(), "the neuron should fire faster at 100 Hz input than at 5 Hz"
""" + hidden("firing_rate_curve", "firing_rate_curve"), 3))

add(md("rate_curve_plot_md", r"""
The next cell plots your measured rates against the input rate (20 points) together with the
mean-drive prediction. The shaded band, $\pm\sqrt{N}/2$ Hz for $N$ spikes in 2 s, is the counting error a
Poisson count would have; treat it as a lower bound.
"""))

add(code("rate_curve_plot", r"""
try:
    curve_rates, _ = firing_rate_curve(ramp_input)
    curve_prediction = mean_drive_rate(RAMP_RATES, 0.03, 0.02, 0.002)
except NotImplementedError:
    print("write `mean_drive_rate` and `firing_rate_curve` above first")
else:
    fine = np.linspace(1.0, 100.0, 400)
    ax = plot_fi_curve(fine, mean_drive_rate(fine, 0.03, 0.02, 0.002), fmt="k-",
                       label="mean-drive prediction", xlabel="input rate (Hz)",
                       ylabel="LIF firing rate (Hz)")
    ax.fill_between(RAMP_RATES, curve_rates - np.sqrt(curve_rates * 2) / 2,
                    curve_rates + np.sqrt(curve_rates * 2) / 2, color="C0", alpha=0.2)
    plot_fi_curve(RAMP_RATES, curve_rates, ax=ax, fmt="o", label="simulated (2-s counts)")
    ax.axvline(1 / 0.03, color="grey", ls=":", lw=1)
    ax.set_title("input -> LIF through w = 0.03: threshold of the mean drive at 33.3 Hz")
    plt.show()
    for nu, measured, predicted in zip(RAMP_RATES[::3], curve_rates[::3], curve_prediction[::3]):
        print(f"input {nu:5.0f} Hz: measured {measured:5.1f} Hz, mean-drive prediction {predicted:5.1f} Hz")
"""))

add(md("rate_curve_question", r"""
### Task 2.3: where and why do they differ? (2 points, graded by hand)

In a few sentences: at which input rates does the simulation differ most from the mean-drive
prediction, and in which direction? Explain why, using the fluctuations of $s$ (Campbell's theorem
also gives $\mathrm{Var}[s] = w^2\nu/(2\tau_s)$). Which differences are just counting noise of 2-s
windows?
"""))

add(written("rate_curve_explanation", r"""
### BEGIN SOLUTION
Below and near the threshold of the mean drive ($w\nu = 1$ at $\nu = 33.3$ Hz) the prediction is
exactly 0, but the simulated neuron already fires at 20-30 Hz input: $s$ fluctuates around its mean
with standard deviation $\sqrt{w^2\nu/(2\tau_s)}$ (0.34 at 25 Hz, against a mean of 0.75), and $v$
reaches 1 whenever a few input spikes arrive close together. The fluctuations smooth the sharp onset
of the curve. Above threshold the measured rates lie systematically a few Hz (here 5-8 Hz) below the
prediction: the rate formula is concave there, so fluctuations of $s$ lower the mean rate
($E[r(s)] < r(E[s])$), and with $\Delta t$ = 1 ms each spike costs a little extra time (the reset
takes effect at the end of its step and the 2-ms refractory period is counted in whole steps),
which matters most at high rates. Much of the scatter from point to point is noise of the 2-s windows: a window
with $N$ output spikes has an error of at least $\sqrt{N}/2$ Hz (6-7 Hz at 90 Hz), and more,
because the input count in 2 s is itself Poisson (160 $\pm$ 13 spikes at 80 Hz) and $s$ varies
slowly ($\tau_s$ = 100 ms), so a single window can be off by 10-20 Hz.
### END SOLUTION
""", 2))

add(md("windows_task", r"""
## Part 3. Measuring activity from spike times

### Task 3.1: rates in windows (1 point)

Write `rates_in_windows(spike_times, windows)`: `spike_times` is a sequence of spike times (s),
`windows` a list of `(t0, t1)` pairs with `t1 > t0`. Return a float array of shape
`(len(windows),)` whose entry is the rate in Hz in the **half-open** window $[t_0, t_1)$: the number
of spikes with $t_0 \le t < t_1$, divided by $t_1 - t_0$. You will use it to measure what the next
networks do.
"""))

add(answer("rates_in_windows", r"""
def rates_in_windows(spike_times, windows):
    ### BEGIN SOLUTION
    times = np.asarray(spike_times, dtype=float)
    return np.array([np.count_nonzero((times >= t0) & (times < t1)) / (t1 - t0)
                     for t0, t1 in windows], dtype=float)
    ### END SOLUTION
"""))

add(test("test_rates_in_windows", r"""
rw = rates_in_windows([0.1, 0.2, 0.3, 0.9], [(0.0, 0.5), (0.2, 0.3)])
assert isinstance(rw, np.ndarray) and rw.shape == (2,), "one rate per window"
assert np.allclose(rw, [6.0, 10.0]), f"3 spikes in 0.5 s is 6 Hz; [0.2, 0.3) holds 0.2 but not 0.3: 10 Hz; got {rw}"
""" + hidden("rates_in_windows", "rates_in_windows"), 1))

add(md("pair_task", r"""
## Part 4. Two neurons that excite each other

LIF neurons A and B are connected both ways with weight 0.05; an input neuron fires at 30 Hz for the
first 0.3 s and is then silent, and drives A with weight 0.05 (Orchard 2019, question 3c and
Figure 1b). All three connections have weight 0.05; A and B have $\tau_m$ = 20 ms, $\tau_s$ = 50 ms,
$\tau_{ref}$ = 2 ms.

### Task 4.1: the pair (2 points)

Write `two_lif_network(input_times)` that builds this network, adding the neurons **in the order
input, A, B**, simulates it for 1 s with `DT`, and returns the network. The test passes you a train
`generate_spike_train([30, 0], [0.3, 1.0], rng=...)`.
"""))

add(answer("two_lif_network", r"""
def two_lif_network(input_times):
    ### BEGIN SOLUTION
    net = SpikingNetwork()
    source = net.add_neuron(InputNeuron(input_times))
    a = net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.05, tau_ref=0.002))
    b = net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.05, tau_ref=0.002))
    net.connect(source, a, 0.05)
    net.connect(a, b, 0.05)
    net.connect(b, a, 0.05)
    net.simulate(1.0, DT)
    return net
    ### END SOLUTION
"""))

add(test("test_two_lif_network", r"""
pair_input = generate_spike_train([30, 0], [0.3, 1.0], rng=1)
pair = two_lif_network(pair_input)
assert len(pair.neurons) == 3 and isinstance(pair.neurons[0], InputNeuron), "neurons in the order input, A, B"
assert len(pair.t_history) == 1001, "1 s in steps of 1 ms"
pair_a, pair_b = pair.neurons[1], pair.neurons[2]
assert len(pair_a.spikes) > 0 and len(pair_b.spikes) > 0, f"with this input both A and B fire; got {len(pair_a.spikes)} spikes of A and {len(pair_b.spikes)} of B"
assert max(pair_a.spikes) > 0.9 and max(pair_b.spikes) > 0.9, f"the activity outlasts the input: A and B still fire after 0.9 s; their last spikes are at {max(pair_a.spikes):.3f} s and {max(pair_b.spikes):.3f} s"
""" + hidden("two_lif_network", "two_lif_network"), 2))

add(code("pair_plot", r"""
try:
    pair = two_lif_network(generate_spike_train([30, 0], [0.3, 1.0], rng=1))
    pair_rates = [rates_in_windows(nrn.spikes, [(0.0, 0.3), (0.3, 1.0)]) for nrn in pair.neurons[1:]]
except NotImplementedError:
    print("write `two_lif_network` and `rates_in_windows` above first")
else:
    names = ["input", "A", "B"]
    ax = raster_plot({n: nrn.spikes for n, nrn in zip(names, pair.neurons)}, t_max=1.0,
                     title="A and B excite each other; the input stops at 0.3 s")
    ax.axvline(0.3, color="C3", ls="--", lw=1)
    plt.show()
    for n, (before, after) in zip(names[1:], pair_rates):
        print(f"{n}: {before:5.1f} Hz while the input fires, {after:5.1f} Hz after it stopped")
"""))

add(md("pair_question", r"""
### Task 4.2: why does the activity outlast the input? (1 point, graded by hand)

Explain in two or three sentences, with numbers: what does one spike of A do to B's current $s$,
is that enough to make B fire, and why does the activity then never stop by itself (what sets the
rate)? What happens when the input gives A too few spikes (try `rng=0`)?
"""))

add(written("pair_explanation", r"""
### BEGIN SOLUTION
One spike of A adds $w/\tau_s = 0.05/0.05 = 1$ to B's $s$, which then decays with 50 ms while $v$
follows $s$ with $\tau_m$ = 20 ms: a single spike lifts $v$ to only about 0.5, but A fires several
spikes once the input has started it, their currents add up, and B crosses the threshold; B's
spikes push A in the same way. The loop then sustains itself: each neuron's spikes keep the other's
$s$ far above 1, so both fire as fast as they can (200 Hz here: the refractory period plus the
1-ms grid), and nothing in the network makes the activity decay. If the input gives A too few
spikes (rng=0: three input spikes, A fires once), B never reaches threshold and the loop never
starts: the pair has two stable states, silent and active, a one-bit memory of a strong input.
### END SOLUTION
""", 1))

add(md("inhibition_task", r"""
## Part 5. Inhibition

Add a third LIF neuron C (same parameters as A and B) that inhibits **B** with weight $-0.2$, and a
second input neuron that drives C with weight 0.05. This input is silent until 0.7 s and fires at
50 Hz from 0.7 s to 1 s (Orchard 2019, question 3d and Figure 1c).

### Task 5.1: the network with inhibition (2 points)

Write `inhibition_network(input_times, inhibitor_input_times)`: the pair of Part 4 (first input into
A, all weights 0.05) plus C and its input, with the neurons added **in the order input, A, B,
second input, C**; simulate it for 1.5 s with `DT` and return the network. The test passes trains
`generate_spike_train([30, 0], [0.3, 1.0], rng=...)` and `generate_spike_train([0, 50], [0.7, 1.0], rng=...)`.
"""))

add(answer("inhibition_network", r"""
def inhibition_network(input_times, inhibitor_input_times):
    ### BEGIN SOLUTION
    net = SpikingNetwork()
    source = net.add_neuron(InputNeuron(input_times))
    a = net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.05, tau_ref=0.002))
    b = net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.05, tau_ref=0.002))
    source_c = net.add_neuron(InputNeuron(inhibitor_input_times))
    c = net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.05, tau_ref=0.002))
    net.connect(source, a, 0.05)
    net.connect(a, b, 0.05)
    net.connect(b, a, 0.05)
    net.connect(source_c, c, 0.05)
    net.connect(c, b, -0.2)
    net.simulate(1.5, DT)
    return net
    ### END SOLUTION
"""))

add(test("test_inhibition_network", r"""
inh = inhibition_network(generate_spike_train([30, 0], [0.3, 1.0], rng=1),
                         generate_spike_train([0, 50], [0.7, 1.0], rng=101))
assert len(inh.neurons) == 5 and isinstance(inh.neurons[3], InputNeuron), "neurons in the order input, A, B, input 2, C"
assert len(inh.t_history) == 1501, "1.5 s in steps of 1 ms"
inh_a, inh_b, inh_c = inh.neurons[1], inh.neurons[2], inh.neurons[4]
assert len(inh_c.spikes) > 0, "C fires once its input starts at 0.7 s; got no spike of C"
assert min(inh_c.spikes) > 0.7, f"C fires only after its input starts at 0.7 s; its first spike is at {min(inh_c.spikes):.3f} s"
assert len(inh_a.spikes) > 0 and len(inh_b.spikes) > 0, f"A and B fire before C starts; got {len(inh_a.spikes)} spikes of A and {len(inh_b.spikes)} of B"
""" + hidden("inhibition_network", "inhibition_network"), 2))

add(code("inhibition_plot", r"""
try:
    inh = inhibition_network(generate_spike_train([30, 0], [0.3, 1.0], rng=1),
                             generate_spike_train([0, 50], [0.7, 1.0], rng=101))
    windows = [(0.3, 0.7), (0.7, 1.0), (1.0, 1.5)]
    picked = {"A": inh.neurons[1], "B": inh.neurons[2], "C": inh.neurons[4]}
    inhibition_rates = {n: rates_in_windows(nrn.spikes, windows) for n, nrn in picked.items()}
except NotImplementedError:
    print("write `inhibition_network` and `rates_in_windows` above first")
else:
    names = ["input", "A", "B", "input 2", "C"]
    ax = raster_plot({n: nrn.spikes for n, nrn in zip(names, inh.neurons)}, t_max=1.5,
                     title="C (driven from 0.7 s) inhibits B")
    for t in (0.3, 0.7, 1.0):
        ax.axvline(t, color="C3", ls="--", lw=1)
    plt.show()
    print("rates (Hz) in [0.3, 0.7), [0.7, 1.0), [1.0, 1.5) s, and the last spike")
    for n, r in inhibition_rates.items():
        last = max(picked[n].spikes, default=np.nan)
        print(f"{n}: " + "  ".join(f"{x:6.1f}" for x in r) + f"   last spike {last:.3f} s")
"""))

add(md("inhibition_question", r"""
### Task 5.2: what does C do to A and B? (2 points, graded by hand)

Compare with Part 4, using the rates printed above. What happens to B and to A after C starts
firing, in which order, and why does A stop although C is not connected to it? Is the effect
permanent once C's input stops at 1 s?
"""))

add(written("inhibition_explanation", r"""
### BEGIN SOLUTION
Until 0.7 s the network behaves as in Part 4: after the input stops, A and B keep each other firing
at 200 Hz (one spike every 5 ms, the fastest the 1-ms grid and the 2-ms refractory period allow).
C starts firing soon after its input switches on at 0.7 s; each of its spikes subtracts
$0.2/0.05 = 4$ from B's $s$, much more than one spike of A adds (1), so B falls silent about 0.1 s
after C's input started (last spike near 0.80 s with this input). A is not inhibited directly, but it
was kept active only by B: without B's spikes A's $s$ decays with 50 ms and A stops some 80 ms after
B (last spike near 0.88 s). The effect is permanent: the rates in $[1.0, 1.5)$ s are 0 for both,
because once both are silent nothing restarts the loop, even after C's input stops at 1 s. C acts as
a switch that erases the memory held by the A-B loop.
### END SOLUTION
""", 2))

add(md("ring_task", r"""
## Part 6. A ring oscillator

Eight LIF neurons A, B, ..., H form a ring (Orchard 2019, question 3e and Figure 1d): each excites
the next one with weight 0.2 (A -> B, B -> C, ..., H -> A) and inhibits the previous one with
weight $-0.4$ (B -> A, C -> B, ..., A -> H). All eight have $\tau_m$ = 50 ms and $\tau_s$ = 100 ms;
$\tau_{ref}$ is not given there, so we keep the 2 ms of all other neurons. An input neuron firing at
25 Hz for the first 0.3 s drives A with weight 0.2.

### Task 6.1: the ring (2 points)

Write `ring_network(input_times, w_exc=0.2, w_inh=-0.4, tau_m=0.05, tau_s=0.1, t_max=4.0)`: add
the eight ring neurons **first, in the order A to H, then the input neuron**; connect them as
above with the weights `w_exc` and `w_inh` and the ring's `tau_m`, `tau_s`; connect the input to A
with weight 0.2; simulate for `t_max` seconds with `DT` and return the network. (The arguments are
there for the sliders below.)
"""))

add(answer("ring_network", r"""
def ring_network(input_times, w_exc=0.2, w_inh=-0.4, tau_m=0.05, tau_s=0.1, t_max=4.0):
    ### BEGIN SOLUTION
    net = SpikingNetwork()
    ring = [net.add_neuron(LIFNeuron(tau_m=tau_m, tau_s=tau_s, tau_ref=0.002)) for _ in range(8)]
    source = net.add_neuron(InputNeuron(input_times))
    for i in range(8):
        nxt = ring[(i + 1) % 8]
        net.connect(ring[i], nxt, w_exc)
        net.connect(nxt, ring[i], w_inh)
    net.connect(source, ring[0], 0.2)
    net.simulate(t_max, DT)
    return net
    ### END SOLUTION
"""))

add(test("test_ring_network", r"""
ring_input = generate_spike_train([25, 0], [0.3, 4.0], rng=5)
ring = ring_network(ring_input, t_max=1.0)
assert len(ring.neurons) == 9 and isinstance(ring.neurons[8], InputNeuron), "8 ring neurons A..H, then the input"
assert len(ring.t_history) == 1001, "t_max = 1 s in steps of 1 ms"
silent = [name for name, nrn in zip("ABCDEFGH", ring.neurons[:8]) if len(nrn.spikes) == 0]
assert not silent, f"every ring neuron fires within 1 s; these never fire: {', '.join(silent)}"
firsts = [min(nrn.spikes) for nrn in ring.neurons[:8]]
assert all(a < b for a, b in zip(firsts, firsts[1:])), f"the first spikes should run A, B, ..., H in order; got {np.round(firsts, 3)}"
""" + hidden("ring_network", "ring_network"), 2))

add(md("burst_task", r"""
### Task 6.2: burst onsets and the period of the wave (1 + 1 points)

Each ring neuron fires in **bursts**: a few spikes close together, then a long silence. Write

* `burst_onsets(spike_times, gap)`: `spike_times` sorted (s). Return a float array of the times of
  the spikes that **start** a burst: the first spike, and every spike that comes at least `gap`
  seconds after the spike before it (a silence of exactly `gap` counts). No spikes: an empty array.
* `wave_period(onsets)`: the mean time between consecutive onsets,
  $(t_{last} - t_{first})/(n - 1)$ for $n$ onsets; `np.nan` if $n < 2$. Return a float.
"""))

add(answer("burst_onsets", r"""
def burst_onsets(spike_times, gap):
    ### BEGIN SOLUTION
    times = np.asarray(spike_times, dtype=float)
    if times.size == 0:
        return times
    starts = np.concatenate([[True], np.diff(times) >= gap])
    return times[starts]
    ### END SOLUTION
"""))

add(test("test_burst_onsets", r"""
on = burst_onsets([0.01, 0.02, 0.5, 0.51, 0.9], 0.1)
assert isinstance(on, np.ndarray) and np.allclose(on, [0.01, 0.5, 0.9]), f"three bursts start at 0.01, 0.5 and 0.9 s; got {on}"
assert burst_onsets([], 0.1).shape == (0,), "no spikes: no onsets"
""" + hidden("burst_onsets", "burst_onsets"), 1))

add(answer("wave_period", r"""
def wave_period(onsets):
    ### BEGIN SOLUTION
    onsets = np.asarray(onsets, dtype=float)
    if onsets.size < 2:
        return np.nan
    return float((onsets[-1] - onsets[0]) / (onsets.size - 1))
    ### END SOLUTION
"""))

add(test("test_wave_period", r"""
assert np.isclose(wave_period(np.array([0.1, 0.5, 0.9, 1.3])), 0.4), "onsets 0.4 s apart give a period of 0.4 s"
assert np.isnan(wave_period(np.array([0.3]))), "one onset has no period: nan"
""" + hidden("wave_period", "wave_period"), 1))

add(md("ring_plot_md", r"""
The next cell simulates the ring for 4 s, draws the raster, lists the first burst of every neuron
and measures the period from neuron A's bursts (gap 0.1 s). Whether the wave keeps travelling
depends on the input: with `rng=5` it does; try `rng=1`, where A still receives input while the
first wave arrives at H, and A's inhibition of H stops it.
"""))

add(code("ring_plot", r"""
RING_NAMES = list("ABCDEFGH")
try:
    ring = ring_network(generate_spike_train([25, 0], [0.3, 4.0], rng=5))
    ring_onsets = [burst_onsets(nrn.spikes, 0.1) for nrn in ring.neurons[:8]]
    period = wave_period(ring_onsets[0])
except NotImplementedError:
    print("write `ring_network`, `burst_onsets` and `wave_period` above first")
else:
    spikes = {n: nrn.spikes for n, nrn in zip(RING_NAMES + ["input"], ring.neurons)}
    raster_plot(spikes, t_max=4.0, title=f"ring of 8 LIF neurons: period {period:.3f} s")
    plt.show()
    print("first burst onsets (s):", "  ".join(f"{n} {o[0]:.3f}" for n, o in zip(RING_NAMES, ring_onsets) if o.size))
    print(f"bursts of A: {ring_onsets[0].size}, period of the wave: {period:.3f} s")
"""))

add(md("ring_slider_md", r"""
Move the sliders to change the ring's weights and time constants; the raster (2 s, input as above) is
redrawn when you release a slider, with the period measured from A's bursts in the title. When this
notebook runs without a browser (e.g. while it is graded) the cell draws the starting values once.
"""))

add(code("ring_slider", r"""
def draw_ring(w_exc=0.2, w_inh=-0.4, tau_m_ms=50.0, tau_s_ms=100.0):
    net = ring_network(generate_spike_train([25, 0], [0.3, 4.0], rng=5), w_exc, w_inh,
                       tau_m_ms / 1e3, tau_s_ms / 1e3, t_max=2.0)
    per = wave_period(burst_onsets(net.neurons[0].spikes, 0.1))
    raster_plot({n: nrn.spikes for n, nrn in zip(RING_NAMES, net.neurons[:8])}, t_max=2.0,
                title=f"w_exc {w_exc:.2f}, w_inh {w_inh:.2f}: period {per:.3f} s")
    plt.show()

try:
    ring_network(np.array([0.0005]), t_max=0.002)
except NotImplementedError:
    print("write `ring_network` above first")
else:
    interactive_plot(
        draw_ring,
        w_exc=float_slider("w_exc", 0.2, 0.0, 0.6, 0.01),
        w_inh=float_slider("w_inh", -0.4, -1.0, 0.0, 0.01),
        tau_m_ms=float_slider("tau_m (ms)", 50.0, 10.0, 200.0, 1.0),
        tau_s_ms=float_slider("tau_s (ms)", 100.0, 10.0, 300.0, 1.0),
    )
""", tags=("nbval-ignore-output",)))

add(md("ring_question", r"""
### Task 6.3: what sets the period? (1 point, graded by hand)

Use the sliders. How does the period change with the excitatory weight and with $\tau_m$? What
happens when you make $\tau_s$ a third shorter or longer, and without inhibition ($w_{inh} = 0$)?
Explain in two or three sentences why.
"""))

add(written("ring_explanation", r"""
### BEGIN SOLUTION
The wave moves on each time a bursting neuron has charged the next one to threshold, so the period
is about eight such hand-over times. A stronger excitatory weight or a shorter $\tau_m$ charges the
next neuron faster and shortens the period (with this input: $w_{exc}$ = 0.3 gives about 0.24 s
instead of 0.34 s, $\tau_m$ = 30 ms about 0.26 s), while $w_{exc}$ = 0.15 or $\tau_m$ = 80 ms is too
slow and the wave dies after one round. The wave is fragile: with $\tau_s$ = 70 ms or 150 ms it also
dies, because it needs a balance between the excitation handed forward, which must start the next
neuron, and the inhibition coming back from it, which must end the burst before the neuron behind is
re-excited. Without inhibition ($w_{inh} = 0$) nothing ends a burst: the excitation spreads around
the ring and all eight neurons end up firing continuously at about 220 Hz, with no travelling wave.
### END SOLUTION
""", 1))

add(md("arrays_task", r"""
## Part 7. A vectorised network engine

The object network calls Python methods for every neuron in every step, and for every connection of
every spike. A vectorised engine holds the state of all $n$ neurons in arrays of shape `(n,)` and all
connections in one **weight matrix**: `weights[i, j]` is the weight from neuron $j$ (pre) to neuron
$i$ (post). If `counts[j]` is the number of spikes neuron $j$ fired in a step, the weight every
neuron receives is the matrix-vector product `weights @ counts`. In a network of 1000 neurons where
each pair is connected with probability 0.1, 90 % of the matrix is zero, so it is stored as a
**sparse** matrix (`scipy.sparse.csr_array`), which stores and multiplies only the nonzero entries.

The class below is given except its `step`. Neuron $i$ is either an LIF neuron (`is_lif[i]`, with
`tau_m[i]`, `tau_s[i]`, `tau_ref[i]`) or an input neuron that replays `trains[i]`; `from_network(net)`
builds the arrays of a `SpikingNetwork` you made of `LIFNeuron`s and `InputNeuron`s, with the neurons
in the same order. `input_counts(dt)` returns an array `(n,)` with the number of each input neuron's
spikes in $[t, t + \Delta t)$ (0 for LIF neurons) and records them in `spikes`.

### Task 7.1: the step (4 points)

Write `step(self, dt)` so that the engine gives the **same results as `SpikingNetwork` with
`LIFNeuron`**, neuron by neuron, to rounding:

1. `counts = self.input_counts(dt)`;
2. the LIF update of `LIFNeuron.step` for all neurons at once, as in the `LIFPopulation` of
   `lif_neuron`: slopes from the state at the start of the step; Euler step of `s` (all neurons);
   `refractory = t < ref_end`; `v_new`; `spiked = is_lif & ~refractory & (v_new >= 1)`; for the
   spiking neurons the interpolated spike time (append it to `self.spikes[i]`) and `ref_end`; `v` is
   0 where refractory, spiked, or an input neuron, else `v_new`. Set `counts[i] = 1` for every LIF
   neuron that spiked;
3. deliver all spikes of this step **after** the update, as in Part 1: add
   `(self.weights @ counts) / self.tau_s` to `self.s`;
4. `self.t = t + dt`; append `self.t` to `self.t_history` and a **copy** of `self.v` to
   `self.v_history`; return `counts`.
"""))

add(answer("network_arrays", r"""
class NetworkArrays:
    # All neurons of a network in arrays; weights[i, j] is the weight from neuron j to neuron i.

    def __init__(self, tau_m, tau_s, tau_ref, weights, is_input=None, trains=None):
        self.tau_m = np.array(tau_m, dtype=float)
        n = self.n = self.tau_m.size
        self.tau_s = np.broadcast_to(np.asarray(tau_s, dtype=float), (n,)).copy()
        self.tau_ref = np.broadcast_to(np.asarray(tau_ref, dtype=float), (n,)).copy()
        self.weights = sp.csr_array(weights, shape=(n, n), dtype=float)
        self.is_input = np.zeros(n, bool) if is_input is None else np.array(is_input, bool)
        self.is_lif = ~self.is_input
        self.trains = [np.sort(np.asarray(trains[i] if trains is not None and trains[i] is not None
                                          else [], dtype=float)) for i in range(n)]
        # every input spike (t >= 0) in one time-sorted list of (time, neuron)
        owner = np.concatenate([np.full(np.count_nonzero(tr >= 0), i) for i, tr in enumerate(self.trains)]
                               + [np.zeros(0, int)])
        when = np.concatenate([tr[tr >= 0] for tr in self.trains] + [np.zeros(0)])
        order = np.argsort(when, kind="stable")
        self._event_times, self._event_owner = when[order], owner[order].astype(int)
        self._next_event = 0
        self.v = np.zeros(n)
        self.s = np.zeros(n)
        self.t = 0.0
        self.ref_end = np.full(n, -np.inf)
        self.spikes = [[] for _ in range(n)]
        self.t_history = [self.t]
        self.v_history = [self.v.copy()]

    @classmethod
    def from_network(cls, net):
        index = {id(nrn): i for i, nrn in enumerate(net.neurons)}
        n = len(net.neurons)
        is_input = [isinstance(nrn, InputNeuron) for nrn in net.neurons]
        par = np.array([(1.0, 1.0, 0.0) if inp else (nrn.tau_m, nrn.tau_s, nrn.tau_ref)
                        for nrn, inp in zip(net.neurons, is_input)], dtype=float).reshape(n, 3)
        trains = [nrn.train if inp else None for nrn, inp in zip(net.neurons, is_input)]
        rows = [index[id(post)] for _, post, _ in net.connections]
        cols = [index[id(pre)] for pre, _, _ in net.connections]
        vals = [w for _, _, w in net.connections]
        weights = sp.coo_array((vals, (rows, cols)), shape=(n, n)).tocsr()   # repeated pairs add up
        return cls(par[:, 0], par[:, 1], par[:, 2], weights, is_input, trains)

    def input_counts(self, dt):
        stop = int(np.searchsorted(self._event_times, self.t + dt, side="left"))
        owners = self._event_owner[self._next_event:stop]
        for i, ts in zip(owners.tolist(), self._event_times[self._next_event:stop].tolist()):
            self.spikes[i].append(ts)
        self._next_event = stop
        return np.bincount(owners, minlength=self.n).astype(float)

    def simulate(self, t_max, dt):
        for _ in range(int(round(t_max / dt))):
            self.step(dt)
        return self

    def step(self, dt):
        ### BEGIN SOLUTION
        counts = self.input_counts(dt)
        t = self.t
        dvdt = (self.s - self.v) / self.tau_m
        dsdt = -self.s / self.tau_s
        self.s = self.s + dt * dsdt
        refractory = t < self.ref_end
        v_new = self.v + dt * dvdt
        spiked = self.is_lif & ~refractory & (v_new >= 1.0)
        for i in np.flatnonzero(spiked):
            t_spike = t + dt * (1.0 - self.v[i]) / (v_new[i] - self.v[i])
            self.spikes[i].append(t_spike)
            self.ref_end[i] = t_spike + self.tau_ref[i]
        self.v = np.where(refractory | spiked | self.is_input, 0.0, v_new)
        counts[spiked] = 1.0
        self.s = self.s + (self.weights @ counts) / self.tau_s
        self.t = t + dt
        self.t_history.append(self.t)
        self.v_history.append(self.v.copy())
        return counts
        ### END SOLUTION
"""))

add(test("test_network_arrays", r"""
# neuron 0: input with spikes at 1.5 ms and 2.5 ms; neuron 1: LIF; weights[1, 0] = 0.5
probe = NetworkArrays([1.0, 0.02], [1.0, 0.1], [0.0, 0.002], [[0.0, 0.0], [0.5, 0.0]],
                      is_input=[True, False], trains=[[0.0015, 0.0025], None])
for _ in range(4):
    c = probe.step(0.001)
assert isinstance(c, np.ndarray) and c.shape == (2,), "step returns the counts of the step, shape (n,)"
assert len(probe.v_history) == 5 and np.array(probe.v_history).shape == (5, 2), "v_history: the initial v and one copy per step"
# s of the LIF: 0 until the end of step 1, then 5, decays by 0.99 and gets another 5 at the end of step 2
assert np.isclose(probe.s[1], (5 * 0.99 + 5) * 0.99), f"expected s = {(5 * 0.99 + 5) * 0.99:.4f} after 4 steps; got {probe.s[1]}"
assert probe.v_history[2][1] == 0 and probe.v_history[3][1] > 0, "input of step 1 must move v only from step 2 on"
assert np.all(np.array(probe.v_history)[:, 0] == 0), "v of an input neuron stays 0"
""" + hidden("network_arrays", "NetworkArrays"), 4))

add(md("arrays_compare_md", r"""
The next cell rebuilds the networks of Parts 4 to 6 with `from_network`, runs the arrays, and
compares all spike times with the object version (the 40-s ramp of Part 2 agrees as well; it is
left out here to save time). Then it times both on a random network of
excitatory and inhibitory neurons: each ordered pair of the $n$ LIF neurons is connected with
probability 0.1, 80 % of the neurons are excitatory (weight $2/(0.1\,n)$) and 20 % inhibitory
(5 times stronger and negative), and every neuron has its own Poisson input of 40 Hz through
weight 0.03. These weights are our choice (an inhibition-dominated network in the style of
Brunel, J. Comput. Neurosci. 8:183, 2000), scaled so that the total input to a neuron does not
depend on $n$.
"""))

add(code("random_network_helper", r"""
def random_ei_network(n, t_max, rng, p=0.1):
    # SpikingNetwork of n LIF neurons (tau_m 20 ms, tau_s 50 ms, tau_ref 2 ms) + n Poisson inputs
    gen = np.random.default_rng(rng)
    w_exc = 2.0 / (p * n)
    net = SpikingNetwork()
    lifs = [net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.05, tau_ref=0.002)) for _ in range(n)]
    for i in range(n):
        for j in np.flatnonzero(gen.random(n) < p):
            if j != i:
                net.connect(lifs[j], lifs[i], w_exc if j < 0.8 * n else -5 * w_exc)
    for i in range(n):
        times = np.sort(gen.uniform(0.0, t_max, gen.poisson(40.0 * t_max)))
        net.connect(net.add_neuron(InputNeuron(times)), lifs[i], 0.03)
    return net
"""))

add(code("arrays_compare", r"""
def same_spikes(net_objects, engine):
    return all(len(a.spikes) == len(b) and np.allclose(a.spikes, b, rtol=0, atol=1e-9)
               for a, b in zip(net_objects.neurons, engine.spikes))

try:
    builders = {
        "pair": lambda: two_lif_network(generate_spike_train([30, 0], [0.3, 1.0], rng=1)),
        "inhibition": lambda: inhibition_network(generate_spike_train([30, 0], [0.3, 1.0], rng=1),
                                                 generate_spike_train([0, 50], [0.7, 1.0], rng=101)),
        "ring": lambda: ring_network(generate_spike_train([25, 0], [0.3, 4.0], rng=5)),
    }
    for name, build in builders.items():
        done = build()                               # the object network, already simulated
        engine = NetworkArrays.from_network(done)    # reads only parameters, weights and trains
        engine.simulate(done.t_history[-1], DT)
        print(f"{name:12s}: {sum(map(len, engine.spikes)):5d} spikes, same spike times as the objects: "
              f"{same_spikes(done, engine)}")
except NotImplementedError:
    print("write the networks of Parts 4-6 and `NetworkArrays.step` above first")
"""))

add(code("speed_test", r"""
T_SPEED = 0.1      # s: 100 steps of DT = 1 ms (the neurons start firing after about 50 ms)
try:
    speed = {}
    for n in (100, 1000):
        net = random_ei_network(n, T_SPEED, rng=n)
        engine = NetworkArrays.from_network(net)
        start = time.perf_counter()
        net.simulate(T_SPEED, DT)
        t_objects = time.perf_counter() - start
        start = time.perf_counter()
        engine.simulate(T_SPEED, DT)
        t_arrays = time.perf_counter() - start
        speed[n] = (t_objects, t_arrays)
        print(f"n = {n:5d}: objects {t_objects:6.2f} s, arrays {t_arrays:6.3f} s "
              f"({t_objects / t_arrays:5.1f} x faster), {sum(len(x.spikes) for x in net.neurons[:n])} "
              f"LIF spikes, same spike times: {same_spikes(net, engine)}")
except NotImplementedError:
    print("write `SpikingNetwork` and `NetworkArrays.step` above first")
""", tags=("nbval-ignore-output",)))

add(md("speed_question", r"""
### Task 7.2: where does the time go? (1 point, graded by hand)

Compare the two timings for 100 and 1000 neurons. Why is the array version faster, and why does its
advantage grow with $n$? What does the array version still do in Python for every step?
"""))

add(written("speed_explanation", r"""
### BEGIN SOLUTION
The object version executes Python code for every neuron in every step (a method call with a dozen
attribute look-ups) and a `receive` call for every connection of every spike, so its cost per step
grows like $n$ plus the number of spikes times the fan-out, each paid at Python speed (around a
microsecond). The array version performs the same arithmetic in a few numpy operations on arrays of
length $n$ and one sparse matrix-vector product, whose loops run in compiled code; its fixed cost per
step (tens of microseconds of Python and numpy call overhead) dominates at $n = 100$, so the speed-up
is modest there and grows with $n$ until the array work itself dominates. In Python it still loops
over the time steps, and over the spikes of each step (input spikes in `input_counts`, LIF spikes
in `step`) to record their times.
### END SOLUTION
""", 1))


def main():
    out = ROOT / "source" / A / f"{A}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    write(notebook(CELLS), out)
    print(f"wrote {out} ({len(CELLS)} cells)")


if __name__ == "__main__":
    main()
