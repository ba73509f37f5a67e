"""One function per job: validate → prepare → upload → create → wait → download → write.

`run` is what the dock widgets and the ``youcam run`` command call; `plan` is its
free dry run (validate and prepare, nothing sent); `resume` (``youcam resume``)
finishes a job from its folder when `run` stopped after the task was created;
`find_faces` serves the face pickers. Results and a JSON sidecar (`JobRecord`) land in
`default_results_dir()` (or ``out_dir``) before either returns, and each results
folder keeps an index of its jobs (`JobStore`, ``youcam-jobs.sqlite``) from which
an identical job is answered without paying twice.
"""

# batch runs and tables over past jobs (issue 8 §4, §6, §7)
from napari_youcam.workflow.batch import Batch, BatchPlan, BatchReport, check_inputs, expand_paths, pair_masks
from napari_youcam.workflow.jobs import JobRecord, JobStatus, content_hash, reuse_key
from napari_youcam.workflow.plan import Plan, Upload, plan
from napari_youcam.workflow.resume import check_record, needs_service, read_job, resume
from napari_youcam.workflow.run import find_faces, parse_face_boxes, run, run_plan
from napari_youcam.workflow.sidecar import SIDECAR_NAME, default_results_dir
from napari_youcam.workflow.steps import (
    STAGES,
    CancelledError,
    JobResult,
    ResultSavedError,
    resume_command,
)
from napari_youcam.workflow.store import STORE_NAME, JobStore, RebuildReport
from napari_youcam.workflow.tables import JobRow, costs, find_job, list_jobs, write_skin_table

__all__ = [
    "SIDECAR_NAME",
    "STAGES",
    "STORE_NAME",
    "CancelledError",
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
    "run_plan",
    "Batch",
    "BatchPlan",
    "BatchReport",
    "JobRow",
    "check_inputs",
    "costs",
    "expand_paths",
    "find_job",
    "list_jobs",
    "pair_masks",
    "write_skin_table",
]
