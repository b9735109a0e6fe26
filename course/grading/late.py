"""The course's late-work policy, as an nbgrader late-submission plugin.

nbgrader's `AssignLatePenalties` asks the plugin for a penalty when a submission's timestamp
(`timestamp.txt`, set by intake from the collected hand-in) is after the assignment's due date
(`nbgrader db assignment add A --duedate="2026-12-01 17:00:00 UTC"`, or the formgrader's
"Manage Assignments" page). Configured in nbgrader_config.py.
"""
from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class PerDayPenalty(LateSubmissionPlugin):
    """Take `fraction_per_day` of the notebook's points for every started day late (after
    `grace_minutes`), at most all of them."""

    fraction_per_day = Float(0.1, help="share of the score lost per started day late").tag(
        config=True)
    grace_minutes = Float(0.0, help="minutes after the due date that still count as on time").tag(
        config=True)

    def days_late(self, total_seconds_late: float) -> int:
        late = float(total_seconds_late or 0) - 60.0 * self.grace_minutes
        return math.ceil(late / 86400.0) if late > 0 else 0

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        days = self.days_late(total_seconds_late)
        if days == 0:
            return 0.0
        penalty = min(float(score), float(score) * self.fraction_per_day * days)
        self.log.info("%s is %d day(s) late: penalty %g of %g points", student_id, days,
                      penalty, score)
        return penalty
