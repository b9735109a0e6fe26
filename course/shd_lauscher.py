"""Spoken digits turned into spikes the way the Spiking Heidelberg Digits were made.

Instructor tool, run at data-generation time only::

    pip install -e ".[data]"          # lauscher, and with it numba and soundfile
    python -m course.shd_lauscher     # writes course/data/spoken_digits.npz

The audio is the course's own synthetic speech (`course.shd_synth.synth_digit`, nothing is
downloaded). It is converted by `lauscher` (on PyPI), the conversion chain of the SHD authors
(Cramer et al., IEEE TNNLS 33:2744-2757, 2022): RMS normalisation, a Hanning window, a
hydrodynamic basilar-membrane model, Meddis' inner-hair-cell model and bushy cells (LIF neurons
fed by 40 stochastic auditory-nerve fibres each), 700 channels. As in SHD, channel 0 is the
basal end of the basilar membrane, the HIGHEST frequency, and channel 699 the lowest.

The result is small and reproducible bit for bit on one installation: the synthetic audio comes
from a seeded generator, lauscher draws its fibre spikes from numpy's global random state, which
is seeded before each digit, and the file is written with fixed zip timestamps. Spike times are
stored as whole samples of the chain's output rate (lauscher's basilar membrane halves the audio
rate: 8 kHz for the course's 16 kHz audio), so nothing is lost by rounding.

Students never need lauscher: `course.data.load_digits()` reads the shipped file.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from course.shd_synth import SAMPLE_RATE, save_npz, synth_digit

WORDS = ("one", "three", "five")
SEED = 2026
N_CHANNELS = 700
DATA_FILE = Path(__file__).resolve().parent / "data" / "spoken_digits.npz"


def digit_spikes(word: str, seed: int = SEED, n_channels: int = N_CHANNELS,
                 sample_rate: int = SAMPLE_RATE, jobs: int | None = None,
                 seconds: float | None = None, start: float = 0.0) -> dict:
    """Synthesise `word` and convert it with lauscher's Wave2Spike chain.

    `seconds` keeps only that much of the audio from `start` (s) on, for quick tests; None keeps
    it all.

    Returns {"samples": uint32 spike times in samples of "rate", "units": uint16 channels
    (0 = highest frequency), "rate": spikes' sample rate (Hz), "duration": audio length (s)}.
    """
    from lauscher.audiowaves import MonoAudioWave
    from lauscher.helpers import CommandLineArguments
    from lauscher.transformations.wave2spike import Wave2Spike

    CommandLineArguments().num_concurrent_jobs = jobs
    sound = synth_digit(word, sample_rate, np.random.default_rng(seed))
    if seconds is not None:
        first = int(round(start * sample_rate))
        sound = sound[first:first + int(round(seconds * sample_rate))]
    np.random.seed(seed)            # lauscher's fibres use numpy's global random state
    train = MonoAudioWave(sound, sample_rate).transform(Wave2Spike(num_channels=n_channels))
    rate = sample_rate // 2         # the rate of lauscher's basilar-membrane output
    samples = np.rint(np.asarray(train.spike_times) * rate).astype(np.uint32)
    units = np.asarray(train.spike_labels).astype(np.uint16)
    order = np.lexsort((units, samples))
    return {"samples": samples[order], "units": units[order], "rate": rate,
            "duration": sound.size / sample_rate}


def main(path: Path = DATA_FILE, words=WORDS, seed: int = SEED) -> None:
    arrays = {"words": np.array(words), "n_channels": np.int64(N_CHANNELS)}
    for k, word in enumerate(words):
        one = digit_spikes(word, seed + k)
        arrays[f"{word}_samples"] = one["samples"]
        arrays[f"{word}_units"] = one["units"]
        arrays[f"{word}_duration"] = np.float64(one["duration"])
        arrays["rate"] = np.int64(one["rate"])
        print(f"{word}: {one['samples'].size} spikes, {one['duration']:.3f} s", flush=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_npz(path, arrays)
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
