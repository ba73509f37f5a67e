"""Typed errors for the service layer, and the text users see for them.

Every failure the client raises on purpose is a `YouCamError` subclass, so callers
(the CLI, the dock widgets) can catch one type and still branch on the kind. The
service reports problems in three places (HTTP status, a request-level
``error_code`` / ``error`` in the body, and an engine ``error`` inside a 200 task
status); `error_from_response` and `TaskFailedError.from_engine` turn each into one
exception with a message that says what to change. Bodies are treated as open:
codes missing from our tables (the documented tables differ per feature and omit
some codes) still produce a readable message.
"""

from __future__ import annotations

from napari_youcam.errors import InputError, YouCamError, redact

__all__ = [
    "YouCamError",
    "InputError",
    "AuthenticationError",
    "RateLimitError",
    "InsufficientUnitsError",
    "InvalidParametersError",
    "ServerError",
    "ConnectionFailedError",
    "TaskFailedError",
    "TaskExpiredError",
    "MalformedReplyError",
    "ResultUrlExpiredError",
    "ENGINE_ERRORS",
    "friendly_engine_error",
    "error_from_response",
]


class AuthenticationError(YouCamError):
    """The key, the client id/secret or the access token was rejected (HTTP 401/403)."""


class RateLimitError(YouCamError):
    """The service said 429 and retries were exhausted. ``retry_after`` in seconds if known."""

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = 429, retry_after: float | None = None
    ):
        super().__init__(message, code=code, status=status)
        self.retry_after = retry_after


class InsufficientUnitsError(YouCamError):
    """Not enough units (credits) left for this task (``CreditInsufficiency``)."""


class InvalidParametersError(YouCamError):
    """The service rejected the request body (400 ``InvalidParameters`` and friends)."""


class ServerError(YouCamError):
    """The service failed (5xx) or answered something we cannot read, after retries."""


class ConnectionFailedError(YouCamError):
    """The service could not be reached or did not answer in time, after retries."""


class TaskFailedError(YouCamError):
    """The task ran and the engine reported an error (HTTP 200, status ``error``).

    ``code`` is the engine code (``error_no_face``...), ``friendly`` the sentence we
    show for it, ``detail`` the service's own ``error_message``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        friendly: str = "",
        detail: str = "",
        task_id: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message, code=code, status=status)
        self.friendly = friendly
        self.detail = detail
        self.task_id = task_id

    @classmethod
    def from_engine(cls, code: str | None, detail: str | None = None, task_id: str | None = None) -> TaskFailedError:
        friendly = friendly_engine_error(code)
        msg = f"task failed ({code or 'no error code'}): {friendly}"
        if detail and detail.strip() and detail.strip() != friendly:
            msg += f" [service: {redact(detail.strip())[:300]}]"
        return cls(msg, code=code, friendly=friendly, detail=detail or "", task_id=task_id)


class TaskExpiredError(YouCamError):
    """The task id is unknown or no longer valid (``InvalidTaskId``, expired window).

    ``task_id`` is set when the client knows which task it was polling.
    """

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, task_id: str | None = None):
        super().__init__(message, code=code, status=status)
        self.task_id = task_id


class MalformedReplyError(ServerError):
    """The service answered something we cannot read: not JSON, or JSON of another shape.

    ``request`` is the method and path (never the query string) of the request.
    """

    def __init__(self, message: str, *, request: str, status: int | None = None):
        super().__init__(message, code="MalformedReply", status=status)
        self.request = request


class ResultUrlExpiredError(ServerError):
    """A result download answered 401/403/404/410: the ~2-hour pre-signed URL is gone.

    ``status`` carries the HTTP status. Polling the task again returns fresh URLs.
    """


# Every engine code documented in API-V2.md §10.3 and API-V1.md §8 (plus the
# per-feature tables). The wording says what the user can change, not what broke.
ENGINE_ERRORS: dict[str, str] = {
    # EngineErrorCode enum (contracts)
    "error_exceed_max_image_size": "The image is larger than this feature accepts; use a smaller image.",
    "exceed_max_filesize": "The file is too large; keep images under 10 MB and videos under 100 MB.",
    "invalid_parameter": "A parameter value was not accepted; check the feature's settings.",
    "error_download_image": "The service could not fetch the source image; upload it again.",
    "error_download_mask": "The service could not fetch the mask image; upload it again.",
    "error_decode_image": "The source image could not be decoded; save it as a standard JPEG or PNG.",
    "error_decode_mask": "The mask could not be decoded; use a greyscale PNG of the same size as the image.",
    "error_nsfw_content_detected": "The image was flagged as inappropriate content and was not processed.",
    "error_no_face": "No face was found; use a photo with one clearly visible face.",
    "error_pose": "The body pose could not be detected; use an upright, front-facing photo.",
    "error_face_parsing": "The face could not be segmented; use a clearer, well-lit, front-facing photo.",
    "error_inference": "The AI engine failed on this input; try again or with another image.",
    "exceed_nsfw_retry_limits": "The generator kept producing inappropriate content; change the prompt or image.",
    "error_upload": "The service could not store the result; run the task again.",
    "unknown_internal_error": "The service hit an internal error; try again later.",
    # v1 global table and per-feature tables
    "error_download_video": "The service could not fetch the source video; upload it again.",
    "error_decode_video": "The video could not be decoded; use MP4 (H.264) with AAC/MP3 audio.",
    "error_unsupported_video": "This video format is not supported; use MP4/MOV, H.264, at most 30 fps.",
    "error_multiple_people": "More than one person was found; use a photo with a single person.",
    "error_no_shoulder": "Shoulders are not visible; use a photo showing the head and both shoulders.",
    "error_large_face_angle": "The face is turned too far; use a front-facing photo.",
    "error_hair_too_short": "The hair is too short for this effect; choose another style or photo.",
    "error_bald_image": "No hair was detected; this effect needs visible hair.",
    "error_unsupport_ratio": "The aspect ratio is not supported; crop the image closer to square.",
    "error_unexpected_video_duration": "The video length differs from dst_duration; set it to the video's real length.",
    "error_insufficient_landmarks": "Not enough facial landmarks were found; use a clear, front-facing full face.",
    "error_face_pose": "The head pose is outside the accepted range; face the camera more directly.",
    "error_below_min_image_size": "The image is smaller than this feature's minimum size; use a larger image.",
    "error_src_face_too_small": "The face is too small; crop so the face fills most of the image width.",
    "error_src_face_out_of_bound": "The face is cut off by the image border; use a photo with the whole face inside.",
    "error_lighting_dark": "The photo is too dark; use an evenly lit photo.",
    "error_invalid_params": "A parameter value was not accepted; check the feature's settings.",
    # face analyzer
    "error_face_position_invalid": "The face position is not usable; centre one face in the photo.",
    "error_face_position_too_small": "The face is too small; it should cover more than 60% of the image width.",
    "error_face_position_out_of_boundary": "The face is partly outside the image; keep the whole face in frame.",
    "error_face_not_forward_facing": "The face is not looking forward; use a front-facing photo.",
    "error_face_angle_upward": "The face tilts upward; look straight at the camera.",
    "error_face_angle_downward": "The face tilts downward; look straight at the camera.",
    "error_face_angle_leftward": "The face is turned left; look straight at the camera.",
    "error_face_angle_rightward": "The face is turned right; look straight at the camera.",
    "error_face_angle_left_tilt": "The head is tilted to the left; keep the head level.",
    "error_face_angle_right_tilt": "The head is tilted to the right; keep the head level.",
    # makeup transfer
    "error_src_no_face": "No face was found in your photo; use one clear, front-facing face.",
    "error_ref_no_face": "No face was found in the reference look; choose a reference with a clear face.",
    "error_ref_face_too_small": "The face in the reference look is too small; use a closer reference.",
    "error_src_large_face_angle": "Your face is turned too far; use a front-facing photo.",
    "error_ref_large_face_angle": "The reference face is turned too far; use a front-facing reference.",
    "error_src_eye_closed": "The eyes in your photo are closed; use a photo with open eyes.",
    "error_ref_eye_closed": "The eyes in the reference are closed; use a reference with open eyes.",
    "error_src_eye_occluded": "The eyes in your photo are covered; remove glasses/hair from the eyes.",
    "error_ref_eye_occluded": "The eyes in the reference are covered; choose another reference.",
    "error_src_lip_occluded": "The lips in your photo are covered; use a photo with visible lips.",
    "error_ref_lip_occluded": "The lips in the reference are covered; choose another reference.",
    "error_inappropriate_ref_case01": "The reference look is not suitable for makeup transfer; choose another.",
    "error_inappropriate_ref_case02": "The reference look is not suitable for makeup transfer; choose another.",
    # clothes / fabric
    "error_invalid_ref": "The garment reference is not usable; use a single front-facing garment photo.",
    "error_invalid_src": "The person photo is not usable; use one upright person facing forward.",
    "error_apply_region_mismatch": "The garment does not match the chosen body region; check garment_category.",
    "error_apply_region_not_detected": "The body region to dress was not found; show face, shoulders and abdomen.",
    "error_editing_failed": "The try-on could not be generated; try another photo or garment.",
    # documented only in the background-replace table
    "size_mismatch_on_input_image_and_mask": "The mask must have exactly the same width and height as the image.",
    # face-lift / face-reshape document UPPER_CASE codes
    "RUNTIME_ERROR": "The face engine failed at runtime; try again or with another photo.",
    "PHOTO_DETECTION_FAIL": "No usable face was detected; use a clear, front-facing photo.",
    "OBJECT_DETECTION_FAIL": "The face could not be located; use a clear, front-facing photo.",
    "PHOTO_CHECK_INVALID": "The photo failed the quality check; use a sharper, well-lit photo.",
    "INPUT_ERROR": "The input was not accepted; check the image and the parameters.",
    "INPUT_MAIN_IMAGE_EMPTY": "The source image was empty; upload the image again.",
    # request-level code that may surface as a task failure
    "TaskTimeout": "The service gave no answer in the expected time; run the task again.",
}

# Request-level codes (API-V2.md §10.2) → (exception type, text).
_REQUEST_CODES: dict[str, tuple[type[YouCamError], str]] = {
    "InvalidApiKey": (AuthenticationError, "the API key is not recognised; check YOUCAM_API_KEY"),
    "InactiveApiKey": (AuthenticationError, "the API key is inactive; activate it in the API console"),
    "ExpiredApiKey": (AuthenticationError, "the API key has expired; create a new one in the API console"),
    "InvalidAccessToken": (AuthenticationError, "the access token was rejected; check YOUCAM_CLIENT_ID/SECRET"),
    "CreditInsufficiency": (InsufficientUnitsError, "not enough units left for this task; top up your account"),
    "InvalidParameters": (InvalidParametersError, "the service rejected the request parameters"),
    "BadRequest": (InvalidParametersError, "the service rejected the request (unexpected parameter)"),
    "InvalidStyleGroup": (InvalidParametersError, "unknown style group; list the styles again"),
    "InvalidStyle": (InvalidParametersError, "unknown style; list the styles again"),
    "OperationNotSupport": (InvalidParametersError, "this task id cannot be used here; use the id from the run"),
    "OperationInvalid": (InvalidParametersError, "the task is not finished yet"),
    "InvalidTaskId": (TaskExpiredError, "the task id is unknown or expired (tasks must be polled at least every 10 s)"),
    "TaskTimeout": (TaskFailedError, "the task gave no response in the expected time; run it again"),
    "TooManyRequests": (RateLimitError, "too many requests; slow down and try again later"),
}


def friendly_engine_error(code: str | None) -> str:
    """The sentence for an engine error code; generic text for unknown codes."""
    if not code:
        return "The task failed without an error code."
    if code in ENGINE_ERRORS:
        return ENGINE_ERRORS[code]
    low = code.lower()
    if low in ENGINE_ERRORS:
        return ENGINE_ERRORS[low]
    if low.startswith("error_face_angle"):
        return "The face angle is outside the accepted range; look straight at the camera."
    if low.startswith("error_face_position"):
        return "The face position is not usable; centre one large face in the photo."
    return f"The service reported '{code}'."


def _body_fields(body: object) -> tuple[str | None, str | None]:
    if isinstance(body, dict):
        code = body.get("error_code")
        err = body.get("error")
        return (str(code) if code else None, str(err) if err else None)
    return None, None


def error_from_response(
    status: int,
    body: object,
    *,
    what: str = "request",
    retry_after: float | None = None,
    secrets: tuple[str | None, ...] = (),
) -> YouCamError:
    """Map an HTTP error reply to the typed exception (never includes secrets).

    The status decides first (401 is always authentication, 429 always rate limit,
    whatever code the body gives: the documents' codes for these disagree), then
    ``error_code``, then the free ``error`` text.
    """
    code, err = _body_fields(body)
    if code is None and err:
        # Some documented error bodies carry only an ``error`` text, no error_code:
        # recognise those texts.
        low = err.lower()
        if "invalid task id" in low:
            code = "InvalidTaskId"
        elif "timed out" in low and status >= 500:
            code = "TaskTimeout"
        elif "too many" in low:
            code = "TooManyRequests"
    detail = redact(err, *secrets)[:300] if err else ""
    suffix = f" [service: {detail}]" if detail else ""
    if status in (401, 403):
        text = _REQUEST_CODES.get(code or "", (None, "credentials were rejected"))[1]
        return AuthenticationError(
            f"{what}: authentication failed ({status}): {text}{suffix}", code=code, status=status
        )
    if status == 429:
        return RateLimitError(
            f"{what}: rate limit reached (429); try again later{suffix}",
            code=code or "TooManyRequests",
            status=status,
            retry_after=retry_after,
        )
    if code in _REQUEST_CODES:
        cls, text = _REQUEST_CODES[code]
        if cls is TaskFailedError:
            return TaskFailedError(
                f"{what}: {text}{suffix}",
                code=code,
                friendly=ENGINE_ERRORS["TaskTimeout"],
                detail=err or "",
                status=status,
            )
        return cls(f"{what}: {text}{suffix}", code=code, status=status)
    if status == 404:
        return InvalidParametersError(f"{what}: not found (404){suffix}", code=code, status=status)
    if 400 <= status < 500:
        return InvalidParametersError(f"{what}: rejected ({status}){suffix}", code=code, status=status)
    return ServerError(f"{what}: service error ({status}){suffix}", code=code, status=status)
