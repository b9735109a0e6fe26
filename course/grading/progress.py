"""A progress line per graded submission: a bar, the count, elapsed time and an ETA."""
from __future__ import annotations

import time
from typing import Callable


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Call `step(text)` after each item; it logs `[#####.....] 5/10  0:12 elapsed, ETA 0:12`."""

    def __init__(self, total: int, log: Callable[[str], None], width: int = 20):
        self.total, self.log, self.width = total, log, width
        self.done = 0
        self.started = time.monotonic()

    def step(self, text: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        remaining = elapsed / self.done * (self.total - self.done)
        filled = round(self.width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        self.log(f"[{bar}] {self.done}/{self.total}  {_clock(elapsed)} elapsed, "
                 f"ETA {_clock(remaining)}  {text}")
