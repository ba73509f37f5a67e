"""What a job's progress display shows, and when it may change, without Qt.

Workflow reports `(stage, fraction)` as often as it likes (every poll, every
downloaded chunk). Redrawing a progress bar's text on each report relayouts the
dock and, through it, the main window, which stalled napari for 64–228 ms per job.
`ProgressModel.update` turns the reports into display updates: the text changes
only when the stage changes, the bar moves at most `max_rate` times a second, and
the waiting stage (the service working, length unknown) shows elapsed time and a
busy bar instead of an invented percentage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What the user reads for each workflow stage, in the order they happen.
STAGE_TEXT = {
    "validating": "checking inputs",
    "preparing": "preparing image",
    "uploading": "uploading",
    "creating": "starting task",
    "waiting": "waiting for the service",
    "downloading": "downloading result",
    "writing": "saving result",
    "done": "done",
}
ORDER = list(STAGE_TEXT)
BUSY_STAGES = frozenset({"waiting"})  # no meaningful fraction: show time instead


@dataclass(frozen=True)
class Update:
    """One change to apply to the display.

    `text` is None when the stage did not change (keep the current text);
    `value` is the whole job's progress in 0..1000, or None for a busy bar.
    """

    stage: str
    text: str | None
    value: int | None
    stage_index: int


@dataclass
class ProgressModel:
    """Throttles and words the progress of one job."""

    label: str = ""
    max_rate: float = 4.0  # display updates per second, at most
    started_at: float = 0.0
    stage: str | None = None
    stages: list[str] = field(default_factory=list)  # every stage seen, in order
    _last_at: float = -1e9
    _last_value: int | None = -1

    def start(self, now: float) -> None:
        self.started_at = now
        self.stage = None
        self.stages = []
        self._last_at = -1e9
        self._last_value = -1

    def text_for(self, stage: str) -> str:
        text = STAGE_TEXT.get(stage, stage)
        return f"{self.label}: {text}" if self.label else text

    def update(self, stage: str, frac: float, now: float) -> Update | None:
        """The display change for a report, or None when nothing should be redrawn now."""
        new_stage = stage != self.stage
        if new_stage:
            self.stage = stage
            self.stages.append(stage)
        elif now - self._last_at < 1.0 / self.max_rate:
            return None
        idx = ORDER.index(stage) if stage in ORDER else 0
        if stage in BUSY_STAGES:
            value: int | None = None
        else:
            overall = (idx + max(0.0, min(1.0, frac))) / (len(ORDER) - 1)
            value = int(min(1.0, overall) * 1000)
        if not new_stage and value == self._last_value:
            return None
        self._last_at, self._last_value = now, value
        return Update(stage, self.text_for(stage) if new_stage else None, value, idx)

    def elapsed_text(self, now: float) -> str:
        """ "12 s" / "2 min 05 s" since the job started."""
        s = max(0, int(now - self.started_at))
        return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"
