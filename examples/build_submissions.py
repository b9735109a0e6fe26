"""Write the example submissions in examples/submissions/ from the release notebooks.

Each student below is a realistic hand-in with a known expected outcome (examples/expected.json):
answers are filled into the release notebook's answer cells by grade_id. Run it after changing a
release: `python examples/build_submissions.py`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "submissions"

# An independent correct solution: different loop structure, lists instead of preallocation.
CORRECT = {
    "input_data": "input_data = np.ones(1000)",
    "leaky_integrator": '''
def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):
    x = np.array(input_data, dtype=float)
    h = dt / tau
    v = v0 * np.ones(x.shape[:-1])
    trace = []
    for x_n in np.moveaxis(x, -1, 0):
        v = (1 - h) * v + h * x_n
        trace.append(v)
    return np.stack(trace, axis=-1)
''',
    "leaky_integrate_and_fire": '''
def leaky_integrate_and_fire(input_data, tau, threshold, dt=1.0, v_reset=0.0):
    x = np.array(input_data, dtype=float)
    v = np.zeros(x.shape[:-1]) + v_reset
    spikes, membrane = np.zeros(x.shape), np.zeros(x.shape)
    for n in range(x.shape[-1]):
        v += dt / tau * (x[..., n] - v)
        fired = v >= threshold
        v = np.where(fired, v_reset, v)
        spikes[..., n] = fired
        membrane[..., n] = v
    return spikes, membrane
''',
    "lif_spike_counts": '''
def lif_spike_counts(cycles, tau=PROBE_TAU, threshold=PROBE_THRESHOLD, n_steps=100):
    counts = []
    for c in cycles:
        spikes, _ = leaky_integrate_and_fire(cosine_signal(c, n_steps), tau, threshold)
        counts.append(spikes.sum())
    return np.array(counts)
''',
    "silent_cycles": "silent_cycles = 12",
    "high_pass": '''
def high_pass(input_data, tau, dt=1.0):
    return np.asarray(input_data, dtype=float) - leaky_integrator(input_data, tau, dt)
''',
    "band_pass": '''
def band_pass(input_data, tau_fast, tau_slow, dt=1.0):
    if tau_fast >= tau_slow:
        raise ValueError("need tau_fast < tau_slow")
    return leaky_integrator(input_data, tau_fast, dt) - leaky_integrator(input_data, tau_slow, dt)
''',
    "time_surfaces": '''
def time_surface(spikes, tau, dt=1.0):
    return leaky_integrator(spikes, tau, dt)

def lif_time_surface(spikes, tau, threshold, dt=1.0):
    return leaky_integrate_and_fire(spikes, tau, threshold, dt)[0]
''',
    "why_lowpass": "The membrane averages its input over about tau, so fast rhythms are smoothed "
                   "to their mean and never reach the threshold; slow ones are followed.",
    "tau_effect": "Small tau keeps only the latest spikes (sharp, sparse); large tau smears "
                  "them over time. Around 20 ms keeps the formant movements visible.",
}

# Typical mistakes: the output lags one step, and the band-pass is subtracted the wrong way.
PARTIAL = dict(CORRECT)
PARTIAL.update({
    "leaky_integrator": '''
def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):
    x = np.asarray(input_data, dtype=float)
    out = np.empty_like(x)
    v = np.full(x.shape[:-1], float(v0))
    for n in range(x.shape[-1]):
        out[..., n] = v
        v = v + dt / tau * (x[..., n] - v)
    return out
''',
    "band_pass": '''
def band_pass(input_data, tau_fast, tau_slow, dt=1.0):
    if tau_fast >= tau_slow:
        raise ValueError("need tau_fast < tau_slow")
    return high_pass(input_data, tau_fast, dt) - high_pass(input_data, tau_slow, dt)
''',
    "silent_cycles": "silent_cycles = 2.5",
    "tau_effect": None,
})

# Forgets the reset, then "fixes" the failing test by editing it and its points.
NO_RESET = dict(CORRECT)
NO_RESET["leaky_integrate_and_fire"] = '''
def leaky_integrate_and_fire(input_data, tau, threshold, dt=1.0, v_reset=0.0):
    x = np.asarray(input_data, dtype=float)
    v = np.full(x.shape[:-1], float(v_reset))
    spikes, membrane = np.zeros_like(x), np.zeros_like(x)
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v)
        spikes[..., n] = v >= threshold
        membrane[..., n] = v
    return spikes, membrane
'''


def reference_answers(assignment):
    """The source notebook's solution code (markers removed) by grade_id, plus written answers."""
    source = nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = [ln for ln in cell.source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            answers[meta["grade_id"]] = "\n".join(lines)
        elif meta.get("solution"):
            answers[meta["grade_id"]] = "My answer: see the plots above."
    return answers


def with_edits(answers, edits):
    """Copy of `answers` with text replacements {grade_id: (old, new)}; each must apply."""
    changed = dict(answers)
    for grade_id, (old, new) in edits.items():
        assert old in changed[grade_id], f"{grade_id}: {old!r} not found"
        changed[grade_id] = changed[grade_id].replace(old, new)
    return changed


def fill(nb, answers):
    """Put `answers` (grade_id -> text) into the answer cells; None leaves the stub."""
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if answers.get(grade_id) is not None and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[grade_id].strip("\n")
    return nb


def tamper(nb):
    """Edit the LIF test cell to pass and give it 100 points."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_leaky_integrate_and_fire":
            cell.source = "pass  # tests removed"
            cell.metadata["nbgrader"]["points"] = 100
    return nb


def write(student, assignment, nb=None, text=None, name=None):
    folder = OUT / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{assignment}.ipynb")
    if nb is not None:
        nbformat.write(nb, path)
    else:
        path.write_text(text)


def write_trio(assignment, reference, slips):
    """lia: the release filled with `reference`; max: filled with `slips`; cy: the blank release."""
    release = ROOT / "release" / assignment / f"{assignment}.ipynb"
    write("lia", assignment, fill(nbformat.read(release, as_version=4), reference))
    write("max", assignment, fill(nbformat.read(release, as_version=4), slips))
    write("cy", assignment, nbformat.read(release, as_version=4))


def main():
    a = "leaky_integrators"
    release = ROOT / "release" / a / f"{a}.ipynb"
    fresh = lambda: nbformat.read(release, as_version=4)  # noqa: E731
    shutil.rmtree(OUT, ignore_errors=True)
    write("ada", a, fill(fresh(), CORRECT))
    write("ben", a, fill(fresh(), PARTIAL))
    write("cy", a, fresh())
    write("dee", a, text='{"cells": [ {"cell_type": "code", "source": "x = 1"')
    write("eve", a, tamper(fill(fresh(), NO_RESET)))
    write("finn", a, fill(fresh(), CORRECT), name="Leaky Integrators (1).ipynb")

    a = "lif_neuron"
    release = ROOT / "release" / a / f"{a}.ipynb"
    reference = reference_answers(a)
    # Two classic slips: the window includes its end, and the rate forgets the refractory time.
    slips = with_edits(reference, {
        "spikes_in_window": ("(times < t1)", "(times <= t1)"),
        "lif_rate": ("1.0 / (tau_ref + tau_m", "1.0 / (tau_m"),
    })
    write_trio(a, reference, slips)
    build_spiking_networks()
    build_activation_functions()
    build_neuron_models()
    print(f"wrote {sorted(p.name for p in OUT.iterdir())} to {OUT}")


def build_spiking_networks():
    """lia: the reference answers; max: three classic slips; cy: the blank release."""
    a = "spiking_networks"
    reference = reference_answers(a)
    slips = with_edits(reference, {
        "rates_in_windows": ("(times < t1)", "(times <= t1)"),         # window includes its end
        "inhibition_network": ("net.connect(c, b, -0.2)", "net.connect(c, b, 0.2)"),   # sign
        "wave_period": ("/ (onsets.size - 1)", "/ onsets.size"),      # n instead of n - 1
    })
    write_trio(a, reference, slips)


def build_activation_functions():
    """lia: the reference answers; max: two classic slips; cy: the blank release."""
    a = "activation_functions"
    reference = reference_answers(a)
    slips = with_edits(reference, {
        # a "stable" sigmoid whose np.where still evaluates exp(-z) at z = -1000 (overflow)
        "activation_functions": ("return np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
                                 "return np.where(z >= 0, 1 / (1 + np.exp(-z)), "
                                 "np.exp(z) / (1 + np.exp(z)))"),
        # the loss averaged, its gradients summed over samples
        "loss_and_gradients": ("delta = (sigmoid(z) - y) / len(y)", "delta = sigmoid(z) - y"),
    })
    write_trio(a, reference, slips)


def build_neuron_models():
    """lia: the reference answers; max: two classic slips; cy: the blank release."""
    a = "neuron_models"
    reference = reference_answers(a)
    slips = with_edits(reference, {
        # mV vs V: the rates get V in volts (simulate_hh, which uses them, fails too)
        "hh_rates": ("    v = np.asarray(v, dtype=float)\n",
                     "    v = np.asarray(v, dtype=float) / 1000.0\n"),
        # reset to threshold: V_T instead of V_r after an AdEx spike
        "simulate_adex": ('np.where(fired, p["v_r"], v[k + 1])', 'np.where(fired, p["v_t"], v[k + 1])'),
    })
    write_trio(a, reference, slips)


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["spiking_networks"]:     # only this assignment's example folders
        build_spiking_networks()
    elif sys.argv[1:] == ["activation_functions"]:
        build_activation_functions()
    elif sys.argv[1:] == ["neuron_models"]:
        build_neuron_models()
    else:
        main()
