"""One function per job: prepare → upload → run → wait → fetch → map back.

`run` is what the dock widgets and the ``youcam run`` command call; `resume`
(``youcam resume``) finishes a job from its folder when `run` stopped after the
task was created; `find_faces` serves the face pickers. Results and a JSON sidecar land in `default_results_dir()`
(or ``out_dir``) before either returns.
"""

from napari_youcam.workflow.resume import needs_service, read_job, resume
from napari_youcam.workflow.run import (
    STAGES,
    CancelledError,
    JobResult,
    ResultSavedError,
    find_faces,
    parse_face_boxes,
    resume_command,
    run,
)
from napari_youcam.workflow.sidecar import SIDECAR_NAME, default_results_dir

__all__ = [
    "SIDECAR_NAME",
    "STAGES",
    "CancelledError",
    "JobResult",
    "ResultSavedError",
    "default_results_dir",
    "find_faces",
    "needs_service",
    "parse_face_boxes",
    "read_job",
    "resume",
    "resume_command",
    "run",
]
