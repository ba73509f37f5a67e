"""One function per job: prepare → upload → run → wait → fetch → map back.

`run` is what the dock widgets and the ``youcam run`` command call; `find_faces`
serves the face pickers. Results and a JSON sidecar land in `default_results_dir()`
(or ``out_dir``) before either returns.
"""

from napari_youcam.workflow.run import (
    STAGES,
    CancelledError,
    JobResult,
    ResultSavedError,
    find_faces,
    parse_face_boxes,
    run,
)
from napari_youcam.workflow.sidecar import SIDECAR_NAME, default_results_dir

__all__ = ["run", "find_faces", "parse_face_boxes", "JobResult", "CancelledError", "ResultSavedError",
           "STAGES", "default_results_dir", "SIDECAR_NAME"]
