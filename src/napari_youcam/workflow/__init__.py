"""One function per job: validate → prepare → upload → create → wait → download → write.

`run` is what the dock widgets and the ``youcam run`` command call; `plan` is its
free dry run (validate and prepare, nothing sent); `resume` (``youcam resume``)
finishes a job from its folder when `run` stopped after the task was created;
`find_faces` serves the face pickers. Results and a JSON sidecar (`JobRecord`) land in
`default_results_dir()` (or ``out_dir``) before either returns, and each results
folder keeps an index of its jobs (`JobStore`, ``youcam-jobs.sqlite``) from which
an identical job is answered without paying twice.
"""

from napari_youcam.workflow.jobs import JobError, JobRecord, JobStatus, content_hash, reuse_key
from napari_youcam.workflow.plan import Plan, Upload, plan
from napari_youcam.workflow.resume import check_record, needs_service, read_job, resume
from napari_youcam.workflow.run import find_faces, parse_face_boxes, run
from napari_youcam.workflow.sidecar import SIDECAR_NAME, default_results_dir
from napari_youcam.workflow.steps import (
    STAGES,
    CancelledError,
    JobResult,
    ResultSavedError,
    resume_command,
)
from napari_youcam.workflow.store import STORE_NAME, JobStore, RebuildReport

__all__ = [
    "SIDECAR_NAME",
    "STAGES",
    "STORE_NAME",
    "CancelledError",
    "JobError",
    "JobRecord",
    "JobResult",
    "JobStatus",
    "JobStore",
    "Plan",
    "RebuildReport",
    "ResultSavedError",
    "Upload",
    "check_record",
    "content_hash",
    "default_results_dir",
    "find_faces",
    "needs_service",
    "parse_face_boxes",
    "plan",
    "read_job",
    "resume",
    "resume_command",
    "reuse_key",
    "run",
]
