"""Generate a small "Spiking Heidelberg Digits"-like spike recording.

The Spiking Heidelberg Digits (SHD, Cramer et al. 2022) are spoken digits
turned into spikes of 700 channels by a model of the inner ear.  This module
builds a sample of the same kind from scratch, without any recorded audio:

1. :func:`synth_digit` makes a crude spoken digit by source-filter synthesis
   (glottal pulses + noise through time-varying formant resonators).
2. :func:`gammatone_filterbank` splits it into 700 frequency channels
   (4th-order gammatone filters, ERB-spaced centre frequencies).
3. :func:`lif_encode` turns each channel into spikes with a leaky
   integrate-and-fire (LIF) neuron.
4. :func:`make_sample` ties the three together; :func:`main` writes the file
   shipped with the course, ``course/data/shd_like_digit.npz``.

Run ``python -m course.shd_synth`` to regenerate the shipped file.  Only
numpy and scipy are used; nothing is downloaded.

Conventions: time in seconds (s), frequency in hertz (Hz), sample rates in
samples per second.  Channel 0 is the lowest centre frequency.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from scipy import signal as sps

SAMPLE_RATE = 16000
N_CHANNELS = 700
DEFAULT_WORD = "three"
DEFAULT_SEED = 2022
DATA_FILE = Path(__file__).resolve().parent / "data" / "shd_like_digit.npz"

# --------------------------------------------------------------------------
# 1. Source-filter synthesis of a spoken digit
# --------------------------------------------------------------------------

# Phoneme targets: formants F1, F2, F3 (Hz), amplitude of the voiced source,
# amplitude of aspiration noise (sent through the formants) and, for
# fricatives and bursts, RMS level (relative to the RMS of the vowels) and
# band (Hz) of frication noise (added in parallel, bypassing the formants).
# Values are rough textbook averages for an adult male voice.
PHONEMES = {
    "sil": dict(formants=(500, 1500, 2500), voice=0.0, asp=0.0),
    "z": dict(formants=(300, 1700, 2500), voice=0.25, asp=0.0, fric=(0.2, (3500, 7800))),
    "s": dict(formants=(300, 1700, 2500), voice=0.0, asp=0.0, fric=(0.25, (3800, 7800))),
    "th": dict(formants=(350, 1500, 2500), voice=0.0, asp=0.0, fric=(0.06, (1500, 7800))),
    "f": dict(formants=(350, 1200, 2400), voice=0.0, asp=0.0, fric=(0.07, (1200, 7800))),
    "v": dict(formants=(300, 1200, 2400), voice=0.3, asp=0.0, fric=(0.05, (1200, 7800))),
    "t_cl": dict(formants=(300, 1700, 2600), voice=0.0, asp=0.0),
    "t": dict(formants=(400, 1700, 2600), voice=0.0, asp=0.0, fric=(0.3, (2500, 7000))),
    "h": dict(formants=(400, 1500, 2500), voice=0.0, asp=0.5),
    "w": dict(formants=(300, 650, 2200), voice=0.6, asp=0.0),
    "r": dict(formants=(380, 1250, 1650), voice=0.7, asp=0.0),
    "n": dict(formants=(260, 1500, 2500), voice=0.3, asp=0.0),
    "ih": dict(formants=(420, 1900, 2550), voice=1.0, asp=0.0),
    "iy": dict(formants=(280, 2250, 2900), voice=1.0, asp=0.0),
    "ah": dict(formants=(640, 1190, 2390), voice=1.0, asp=0.0),
    "ao": dict(formants=(570, 850, 2400), voice=1.0, asp=0.0),
    "ow": dict(formants=(500, 900, 2400), voice=1.0, asp=0.0),
    "uw": dict(formants=(320, 1000, 2250), voice=0.9, asp=0.0),
    "aa": dict(formants=(730, 1100, 2450), voice=1.0, asp=0.0),
}

# Each word: a sequence of (phoneme, duration in s).  Short leading and
# trailing silences are added by synth_digit.
WORDS = {
    "zero": [("z", 0.10), ("ih", 0.08), ("r", 0.08), ("ow", 0.14), ("uw", 0.12)],
    "one": [("w", 0.08), ("ah", 0.18), ("n", 0.16)],
    "two": [("t_cl", 0.04), ("t", 0.02), ("h", 0.05), ("uw", 0.30)],
    "three": [("th", 0.12), ("r", 0.07), ("iy", 0.30)],
    "four": [("f", 0.12), ("ao", 0.18), ("r", 0.14)],
    "five": [("f", 0.11), ("aa", 0.14), ("iy", 0.12), ("v", 0.08)],
}

EXTRA_FORMANTS = (3500.0, 4500.0)  # fixed F4, F5 (Hz)
SILENCE_BEFORE = 0.08  # s
SILENCE_AFTER = 0.12  # s


def _segment_tracks(segments, n_samples, sample_rate, key):
    """Piecewise-linear track of one phoneme parameter over time.

    Parameters
    ----------
    segments : list of (phoneme, start_s, end_s)
    n_samples : int
        Length of the output.
    sample_rate : float
        Samples per second.
    key : callable
        ``key(phoneme_dict) -> float``, the parameter to follow.

    Returns
    -------
    np.ndarray, shape (n_samples,)
        The parameter is held at its target in the middle half of each
        segment and moves linearly to the next target in between.
    """
    knots_t, knots_v = [], []
    for name, start, end in segments:
        quarter = 0.25 * (end - start)
        value = key(PHONEMES[name])
        knots_t += [start + quarter, end - quarter]
        knots_v += [value, value]
    t = np.arange(n_samples) / sample_rate
    return np.interp(t, knots_t, knots_v)


def glottal_source(f0, sample_rate, rng):
    """Glottal pulse train with a given pitch contour.

    Parameters
    ----------
    f0 : np.ndarray, shape (n_samples,)
        Instantaneous pitch (Hz).
    sample_rate : float
        Samples per second.
    rng : np.random.Generator
        Used for a 1 % pitch-period jitter.

    Returns
    -------
    np.ndarray, shape (n_samples,)
        Unit impulses at the glottal closures, low-passed twice (about
        -12 dB/octave, the spectrum of a glottal flow pulse).
    """
    jitter = 1.0 + 0.01 * rng.standard_normal(f0.shape)
    phase = np.cumsum(f0 * jitter) / sample_rate  # in periods
    pulses = np.diff(np.floor(phase), prepend=0.0)
    flow = sps.lfilter([1.0], [1.0, -0.97], pulses)
    return sps.lfilter([1.0], [1.0, -0.97], flow)


def resonator(x, freq, bandwidth, sample_rate):
    """Second-order IIR resonator (Klatt 1980) with time-varying frequency.

    ``y[n] = A x[n] + B y[n-1] + C y[n-2]`` with ``C = -exp(-2 pi bw T)``,
    ``B = 2 exp(-pi bw T) cos(2 pi f T)``, ``A = 1 - B - C`` (unit gain at
    0 Hz, so resonators can be cascaded).

    Parameters
    ----------
    x : np.ndarray, shape (n_samples,)
        Input signal.
    freq : np.ndarray, shape (n_samples,) or float
        Resonance frequency (Hz) at each sample.
    bandwidth : float
        Bandwidth (Hz).
    sample_rate : float
        Samples per second.

    Returns
    -------
    np.ndarray, shape (n_samples,)
    """
    period = 1.0 / sample_rate
    freq = np.broadcast_to(np.asarray(freq, dtype=float), x.shape)
    c = -np.exp(-2.0 * np.pi * bandwidth * period)
    b = 2.0 * np.exp(-np.pi * bandwidth * period) * np.cos(2.0 * np.pi * freq * period)
    a = 1.0 - b - c
    y = np.zeros_like(x, dtype=float)
    y1 = y2 = 0.0
    for n in range(len(x)):  # plain loop: coefficients change every sample
        y0 = a[n] * x[n] + b[n] * y1 + c * y2
        y[n] = y0
        y2, y1 = y1, y0
    return y


def frication(n_samples, sample_rate, start, end, amplitude, band, rng):
    """Band-limited noise burst for a fricative (/s/, /θ/, /f/) or a /t/ burst.

    Parameters
    ----------
    n_samples : int
        Length of the output.
    sample_rate : float
        Samples per second.
    start, end : float
        Segment boundaries (s).
    amplitude : float
        RMS inside the segment (dimensionless).
    band : (float, float)
        Pass band (Hz) of a 4th-order Butterworth band-pass.
    rng : np.random.Generator

    Returns
    -------
    np.ndarray, shape (n_samples,)
        Noise with 10 ms linear on/off ramps inside [start, end], zero
        elsewhere.
    """
    sos = sps.butter(4, band, btype="bandpass", fs=sample_rate, output="sos")
    noise = sps.sosfilt(sos, rng.standard_normal(n_samples))
    t = np.arange(n_samples) / sample_rate
    ramp = min(0.01, 0.5 * (end - start))
    envelope = np.clip(np.minimum(t - start, end - t) / ramp, 0.0, 1.0)
    return amplitude * envelope * noise / (noise.std() + 1e-12)


def synth_digit(word="three", sample_rate=SAMPLE_RATE, rng=None):
    """Synthesise a crude spoken digit by source-filter synthesis.

    A glottal pulse train (pitch about 120 Hz, falling slightly over the
    word) plus a little aspiration noise goes through a cascade of five
    formant resonators whose frequencies follow the phoneme targets of the
    word; fricatives and bursts add band-limited noise.  Random speaker
    variation (pitch, vocal-tract length, speaking rate), jitter and noise
    come from ``rng``.

    Parameters
    ----------
    word : str
        One of ``WORDS`` ("zero", "one", "two", "three", "four", "five").
    sample_rate : float
        Samples per second (Hz).
    rng : np.random.Generator or None
        Source of randomness; ``None`` means ``np.random.default_rng(0)``.

    Returns
    -------
    np.ndarray, shape (n_samples,), float64
        The waveform, peak amplitude 0.9, about 0.6-0.85 s long
        (``n_samples = duration * sample_rate``).
    """
    if word not in WORDS:
        raise ValueError(f"unknown word {word!r}; choose one of {sorted(WORDS)}")
    rng = np.random.default_rng(0) if rng is None else rng
    rate = rng.uniform(1.0, 1.25)  # slowness: factor on phoneme durations
    tract = rng.uniform(0.95, 1.05)  # formant scale (vocal-tract length)
    pitch = 120.0 * rng.uniform(0.9, 1.1)  # mean pitch (Hz)

    segments, t = [("sil", 0.0, SILENCE_BEFORE)], SILENCE_BEFORE
    for name, dur in WORDS[word]:
        segments.append((name, t, t + dur * rate))
        t += dur * rate
    segments.append(("sil", t, t + SILENCE_AFTER))
    n_samples = int(round((t + SILENCE_AFTER) * sample_rate))
    time = np.arange(n_samples) / sample_rate

    def track(key):
        return _segment_tracks(segments, n_samples, sample_rate, key)

    # Source: glottal pulses (pitch rising a little, then falling) + aspiration.
    progress = time / time[-1]
    f0 = pitch * (1.0 + 0.08 * np.sin(np.pi * progress) - 0.12 * progress)
    voice = track(lambda p: p["voice"]) * glottal_source(f0, sample_rate, rng)
    breath = 0.02 * track(lambda p: p["voice"]) + track(lambda p: p["asp"])
    source = voice + 0.15 * breath * rng.standard_normal(n_samples)

    # Filter: cascade of formant resonators, then lip radiation (+6 dB/oct).
    out = source
    for i, bw in enumerate((80.0, 100.0, 140.0)):
        formant = tract * track(lambda p, i=i: p["formants"][i])
        out = resonator(out, formant, bw, sample_rate)
    for f, bw in zip(EXTRA_FORMANTS, (250.0, 300.0)):
        out = resonator(out, tract * f, bw, sample_rate)
    out = np.diff(out, prepend=0.0)
    vowels = track(lambda p: p["voice"]) > 0.5
    out /= np.sqrt(np.mean(out[vowels] ** 2))  # vowels at RMS 1

    # Fricatives and bursts, in parallel.
    for name, start, end in segments:
        if "fric" in PHONEMES[name]:
            amplitude, band = PHONEMES[name]["fric"]
            out += frication(n_samples, sample_rate, start, end, amplitude, band, rng)
    return 0.9 * out / np.abs(out).max()


# --------------------------------------------------------------------------
# 2. Ear: middle-ear pre-emphasis and gammatone filterbank
# --------------------------------------------------------------------------


def middle_ear(signal, coefficient=0.95):
    """Pre-emphasis ``y[n] = x[n] - coefficient * x[n-1]``, a crude middle ear.

    Speech loses about 6 dB per octave above a few hundred hertz; the outer
    and middle ear (and the hair cells) partly make up for it.  Without this
    step only the first formant would make the LIF neurons fire.

    Parameters
    ----------
    signal : np.ndarray, shape (n_samples,)
        Waveform (arbitrary units).
    coefficient : float
        Between 0 (no change) and 1 (pure first difference).

    Returns
    -------
    np.ndarray, shape (n_samples,)
        High-passed waveform, about +6 dB/octave above
        ``(1 - coefficient) * sample_rate / (2 pi)`` Hz.
    """
    return sps.lfilter([1.0, -coefficient], [1.0], np.asarray(signal, dtype=float))


def erb(f):
    """Equivalent rectangular bandwidth (Hz) at frequency ``f`` (Hz).

    Glasberg & Moore (1990): ``ERB(f) = 24.7 (4.37 f / 1000 + 1)``.
    Works element-wise on arrays of any shape.
    """
    return 24.7 * (4.37 * np.asarray(f, dtype=float) / 1000.0 + 1.0)


def erb_space(f_min=50.0, f_max=8000.0, n_channels=N_CHANNELS):
    """Centre frequencies (Hz) equally spaced on the ERB-number scale.

    The ERB-number scale is ``21.4 log10(4.37 f / 1000 + 1)``.

    Returns
    -------
    np.ndarray, shape (n_channels,)
        Increasing, from ``f_min`` to ``f_max`` inclusive.
    """
    def to_erb(f):
        return 21.4 * np.log10(4.37 * f / 1000.0 + 1.0)

    e = np.linspace(to_erb(f_min), to_erb(f_max), n_channels)
    return (10.0 ** (e / 21.4) - 1.0) * 1000.0 / 4.37


def gammatone_impulse_responses(centre_freqs, sample_rate, order=4):
    """FIR approximations of gammatone filters, unit gain at their centre.

    ``g(t) = t^(order-1) exp(-2 pi b t) cos(2 pi fc t)`` with
    ``b = 1.019 ERB(fc)``, truncated when the envelope has decayed below
    about 1e-5 of its peak (length set by the lowest centre frequency).

    Parameters
    ----------
    centre_freqs : np.ndarray, shape (n,)
        Centre frequencies fc (Hz).
    sample_rate : float
        Samples per second.
    order : int
        Filter order (4 for the standard gammatone).

    Returns
    -------
    np.ndarray, shape (n, n_taps)
        Impulse responses, each scaled so that its gain at fc is exactly 1.
    """
    fc = np.asarray(centre_freqs, dtype=float)[:, None]
    b = 1.019 * erb(fc)
    n_taps = int(np.ceil(20.0 / (2.0 * np.pi * b.min()) * sample_rate))
    t = np.arange(n_taps)[None, :] / sample_rate
    envelope = t ** (order - 1) * np.exp(-2.0 * np.pi * b * t)
    ir = envelope * np.cos(2.0 * np.pi * fc * t)
    gain = np.abs(np.sum(ir * np.exp(-2j * np.pi * fc * t), axis=1, keepdims=True))
    return ir / gain


def gammatone_filterbank(signal, sample_rate, n_channels=N_CHANNELS, f_min=50.0,
                         f_max=8000.0, block=100):
    """Split a signal into gammatone frequency channels.

    Parameters
    ----------
    signal : np.ndarray, shape (n_samples,)
        Sound pressure waveform (arbitrary units).
    sample_rate : float
        Samples per second.
    n_channels : int
        Number of channels, centre frequencies from :func:`erb_space`.
    f_min, f_max : float
        Lowest and highest centre frequency (Hz).
    block : int
        Channels filtered at once (bounds the memory used, about
        ``block * (n_samples + n_taps) * 16`` bytes per block).

    Returns
    -------
    np.ndarray, shape (n_channels, n_samples), float64
        Filter outputs, channel 0 = lowest frequency, same units as
        ``signal`` (unit gain at each centre frequency).
    """
    signal = np.asarray(signal, dtype=float)
    centre = erb_space(f_min, f_max, n_channels)
    out = np.empty((n_channels, signal.size))
    for lo in range(0, n_channels, block):
        ir = gammatone_impulse_responses(centre[lo:lo + block], sample_rate)
        full = sps.fftconvolve(ir, signal[None, :], axes=1)
        out[lo:lo + block] = full[:, :signal.size]
    return out


# --------------------------------------------------------------------------
# 3. Spikes: leaky integrate-and-fire neurons
# --------------------------------------------------------------------------


def compress(drive, gain=1.0, percentile=99.0):
    """Half-wave rectify, cube-root compress and normalise filter outputs.

    The cube root squeezes a 60 dB range of sound levels into 20 dB, a
    rough stand-in for the compression of the inner ear.  The result is
    divided by a high percentile (not the maximum, which a single click
    could set) of all its values, so that the overall level of the sound
    does not matter.

    Parameters
    ----------
    drive : np.ndarray, shape (n_channels, n_samples)
        Filterbank output (arbitrary units).
    gain : float
        Value (dimensionless) given to the ``percentile``-th percentile.
    percentile : float
        Which percentile (0-100) of the compressed values maps to ``gain``.

    Returns
    -------
    np.ndarray, shape (n_channels, n_samples), dimensionless
        ``gain * c / percentile(c)`` with ``c = cbrt(max(drive, 0))``.  A
        constant positive drive gives ``gain`` everywhere; all-zero input
        stays zero.
    """
    c = np.cbrt(np.maximum(np.asarray(drive, dtype=float), 0.0))
    reference = np.percentile(c, percentile)
    return gain * c / reference if reference > 0 else c


def lif_encode(drive, sample_rate, tau=0.005, threshold=0.35, refractory=0.002,
               gain=1.0):
    """Encode each channel into spikes with a leaky integrate-and-fire neuron.

    The input current is ``I = compress(drive, gain)`` (half-wave
    rectified, cube-root compressed, 99th percentile = ``gain``).  Each
    channel has one neuron ``tau dv/dt = I - v``, integrated exactly for
    piecewise-constant input; when ``v >= threshold`` the neuron spikes,
    ``v`` is reset to 0 and held there for ``refractory`` seconds.  For a
    constant input ``I > threshold`` the inter-spike interval is
    ``tau ln(I / (I - threshold)) + refractory`` (up to one time step).

    Parameters
    ----------
    drive : np.ndarray, shape (n_channels, n_samples)
        Filterbank output, time along the last axis.
    sample_rate : float
        Samples per second of ``drive``; the time step is ``1/sample_rate``.
    tau : float
        Membrane time constant (s).
    threshold : float
        Firing threshold (same dimensionless units as ``I``).
    refractory : float
        Absolute refractory period (s), rounded to whole time steps.
    gain : float
        Largest input current, see :func:`compress`.

    Returns
    -------
    times : np.ndarray, shape (n_spikes,), float64
        Spike times (s).  Step ``n`` integrates the input ``I[:, n]`` from
        ``n / sample_rate`` to ``(n + 1) / sample_rate``; a threshold crossing
        in that step is reported at its end, ``(n + 1) / sample_rate``.
    units : np.ndarray, shape (n_spikes,), int64
        Channel index of each spike.  Sorted by time, then by channel.
    """
    current = compress(drive, gain)
    if current.ndim != 2:
        raise ValueError(f"drive must have shape (n_channels, n_samples), got {current.shape}")
    dt = 1.0 / sample_rate
    decay = np.exp(-dt / tau)
    ref_steps = int(round(refractory / dt))
    v = np.zeros(current.shape[0])
    wait = np.zeros(current.shape[0], dtype=int)  # refractory steps left
    steps, units = [], []
    for n in range(current.shape[1]):
        active = wait == 0
        v = np.where(active, current[:, n] + (v - current[:, n]) * decay, 0.0)
        wait = np.maximum(wait - 1, 0)
        fired = np.flatnonzero(v >= threshold)
        if fired.size:
            v[fired] = 0.0
            wait[fired] = ref_steps
            steps.append(np.full(fired.size, n))
            units.append(fired)
    steps = np.concatenate(steps) if steps else np.zeros(0, dtype=int)
    units = np.concatenate(units) if units else np.zeros(0, dtype=int)
    order = np.lexsort((units, steps))
    return (steps[order] + 1) * dt, units[order].astype(np.int64)


# --------------------------------------------------------------------------
# 4. Putting it together
# --------------------------------------------------------------------------


def make_sample(word=DEFAULT_WORD, seed=DEFAULT_SEED, n_channels=N_CHANNELS,
                sample_rate=SAMPLE_RATE):
    """Synthesise a digit and encode it into SHD-like spikes.

    Parameters
    ----------
    word : str
        Digit to say, see :data:`WORDS`.
    seed : int
        Seed of the ``np.random.Generator`` used for all randomness.
    n_channels : int
        Number of cochlear channels / neurons (700 as in SHD).
    sample_rate : float
        Audio sample rate (Hz).

    Returns
    -------
    dict
        ``times``: float32 array (n_spikes,), spike times (s), sorted;
        ``units``: uint16 array (n_spikes,), channel of each spike;
        ``label``: str, the word; ``n_channels``: int;
        ``duration``: float, length of the recording (s).
    """
    rng = np.random.default_rng(seed)
    sound = synth_digit(word, sample_rate, rng)
    drive = gammatone_filterbank(middle_ear(sound), sample_rate, n_channels)
    times, units = lif_encode(drive, sample_rate)
    return dict(
        times=times.astype(np.float32),
        units=units.astype(np.uint16),
        label=word,
        n_channels=int(n_channels),
        duration=float(sound.size / sample_rate),
    )


def save_npz(path, arrays):
    """Write arrays like ``np.savez_compressed``, but byte-for-byte reproducible.

    ``np.savez_compressed`` stamps each member with the current time; here
    every member gets the fixed date 1980-01-01, so the same arrays always
    give the same file.  ``np.load`` reads the result as usual.

    Parameters
    ----------
    path : str or Path
        Output file (``.npz``).
    arrays : dict of str -> array_like
        Name and value of each member (no object arrays).
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue())


def main(path=DATA_FILE):
    """Regenerate the shipped sample ``course/data/shd_like_digit.npz``."""
    sample = make_sample(DEFAULT_WORD, DEFAULT_SEED)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_npz(path, sample)
    print(f"wrote {path} ({path.stat().st_size} bytes): {sample['times'].size} spikes, "
          f"label {sample['label']!r}, {sample['duration']:.3f} s")


if __name__ == "__main__":
    main()
