"""Speed of the `spiking_networks` engines on a random excitatory/inhibitory network.

    PYTHONPATH=. python benchmarks/network_speed.py [--sizes 100 1000 10000] [--t-max 1.0]

Network (`solutions.network.random_ei_network`): n LIF neurons (tau_m 20 ms, tau_s 50 ms,
tau_ref 2 ms), each ordered pair connected with p = 0.1, 80 % excitatory (weight 2 / (p n)) and
20 % inhibitory (-5 times that), each neuron driven by its own 40 Hz Poisson input through 0.03;
1 s at dt = 0.1 ms. Input spikes are snapped to at most one per input and step, so Brian2's
SpikeGeneratorGroup (one spike per neuron and step) gets exactly the same input.

Engines: the reference `NetworkArrays` (numpy + scipy.sparse), the object-per-neuron
`SpikingNetwork` (for n >= --object-full-max only --object-t-max seconds are simulated and the
time is scaled to --t-max: marked "extrapolated"), and Brian2 with its numpy and cython targets
(set-up and code generation/compilation = the first `run` of one step, reported separately; the
cython disk cache is cleared first, but Brian2 also keeps compiled code in memory, so within one
process only the first size's figure includes the compilation). Brian2 gets the same equations
and Euler scheme; our refractory clamp is Brian2's refractoriness of tau_ref + dt (see
tests/test_network_solutions.py). Spike counts are compared: the engines differ only in rounding
(Brian2 adds a neuron's incoming weights in another order than we do), and in a recurrent network
a rounding-sized difference can move one threshold crossing and, from there, later spikes, so
totals agree closely but not exactly.

Measured on the shared 2-core development machine (heavily loaded by other jobs, so wall times
are inflated; 2026-12-01), 1 s of network time:

      n  arrays (ours)  objects (ours)      brian2 numpy  brian2 cython   LIF spikes (all)
    100        2.41 s        31.58 s            8.00 s      2.07 s (+316 s compile)    17002
   1000        4.03 s       372.69 s           11.25 s      4.16 s                     97278
  10000       60.92 s     ~8956 s (extrap.)   221.61 s     74.80 s                    176895

The spike counts of all engines were identical at every size.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solutions import network as N  # noqa: E402

DT = 1e-4


def snapped(desc):
    """At most one input spike per input and step, in the middle of its step (see docstring)."""
    out = dict(desc)
    out["inputs"] = [(np.unique(np.floor(t / DT).astype(np.int64)) + 0.5) * DT
                     for t in desc["inputs"]]
    return out


def run_arrays(desc, t_max):
    start = time.perf_counter()
    engine = N.ei_as_arrays(desc)
    built = time.perf_counter()
    engine.simulate(t_max, DT)
    done = time.perf_counter()
    return built - start, done - built, sum(len(s) for s in engine.spikes[:desc["n"]])


def run_objects(desc, t_max):
    start = time.perf_counter()
    net = N.ei_as_objects(desc)
    built = time.perf_counter()
    net.simulate(t_max, DT)
    done = time.perf_counter()
    return built - start, done - built, sum(len(x.spikes) for x in net.neurons[:desc["n"]])


def run_brian(desc, t_max, target):
    import brian2 as b2

    if target == "cython":
        cache = Path(os.path.expanduser("~/.cython/brian_extensions"))
        shutil.rmtree(cache, ignore_errors=True)
    b2.start_scope()
    b2.prefs.codegen.target = target
    b2.defaultclock.dt = DT * b2.second
    n = desc["n"]
    start = time.perf_counter()
    eqs = """dv/dt = (s - v) / tau_m : 1 (unless refractory)
             ds/dt = -s / tau_s : 1
             tau_m : second (constant)
             tau_s : second (constant)"""
    group = b2.NeuronGroup(n, eqs, threshold="v >= 1", reset="v = 0",
                           refractory=(desc["tau_ref"] + DT) * b2.second, method="euler")
    group.tau_m = desc["tau_m"] * b2.second
    group.tau_s = desc["tau_s"] * b2.second
    owners = np.concatenate([np.full(len(t), k) for k, t in enumerate(desc["inputs"])])
    times = np.concatenate([np.floor(t / DT) * DT for t in desc["inputs"]])
    source = b2.SpikeGeneratorGroup(n, owners, times * b2.second)
    feed = b2.Synapses(source, group, "w : second", on_pre="s_post += w / tau_s_post")
    feed.connect(j="i")
    feed.w = desc["input_weight"] * b2.second
    coo = desc["weights"].tocoo()
    rec = b2.Synapses(group, group, "w : second", on_pre="s_post += w / tau_s_post")
    rec.connect(i=coo.col, j=coo.row)
    rec.w = coo.data * b2.second
    monitor = b2.SpikeMonitor(group)
    net = b2.Network(group, source, feed, rec, monitor)
    net.run(DT * b2.second, namespace={})          # set-up + code generation (+ compilation)
    first = time.perf_counter()
    net.run((t_max - DT) * b2.second, namespace={})
    done = time.perf_counter()
    return first - start, done - first, int(monitor.num_spikes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--t-max", type=float, default=1.0)
    parser.add_argument("--object-full-max", type=int, default=1000,
                        help="largest n for which the object network runs the whole t-max")
    parser.add_argument("--object-t-max", type=float, default=0.02)
    parser.add_argument("--no-brian", action="store_true")
    args = parser.parse_args()
    print(f"random E/I network, p = 0.1, {args.t_max} s at dt = {DT * 1e3} ms; times in s")
    print(f"{'n':>6} {'engine':<16} {'build/compile':>13} {'run':>9} {'LIF spikes':>11}  note")
    for n in args.sizes:
        desc = snapped(N.random_ei_network(n, t_max=args.t_max, rng=n))
        rows = [("arrays (ours)",) + run_arrays(desc, args.t_max) + ("",)]
        if n <= args.object_full_max:
            rows.append(("objects (ours)",) + run_objects(desc, args.t_max) + ("",))
        else:
            b, r, c = run_objects(desc, args.object_t_max)
            rows.append(("objects (ours)", b, r * args.t_max / args.object_t_max, c,
                         f"extrapolated from {args.object_t_max} s ({c} spikes there; a lower "
                         "bound, the network fires little at first)"))
        if not args.no_brian:
            for target in ("numpy", "cython"):
                try:
                    rows.append((f"brian2 {target}",) + run_brian(desc, args.t_max, target)
                                + ("",))
                except Exception as exc:  # report and go on (no compiler, no brian2, ...)
                    rows.append((f"brian2 {target}", float("nan"), float("nan"), -1,
                                 f"failed: {type(exc).__name__}: {exc}"[:100]))
        ours = rows[0][2]
        for name, build, run, spikes, note in rows:
            speed = f"  x{run / ours:.1f} of arrays" if name != "arrays (ours)" and run == run else ""
            print(f"{n:>6} {name:<16} {build:>13.2f} {run:>9.2f} {spikes:>11}  {note}{speed}",
                  flush=True)


if __name__ == "__main__":
    main()
