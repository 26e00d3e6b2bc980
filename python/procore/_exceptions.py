"""The exceptions of ``procore``: one hierarchy under :class:`ProcoreError`.

No message or repr ever contains a client secret, an access token or a refresh token: text the
server sends is scrubbed of them before it reaches an exception.
"""

from __future__ import annotations

import copyreg
from typing import Any, Dict, List, Optional, Tuple

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "MissingDependencyError",
    "NotFoundError",
    "OAuthError",
    "PartialPullError",
    "PermissionDeniedError",
    "ProcoreError",
    "RateLimitError",
    "ServerError",
    "TokenStoreError",
    "UnprocessableEntityError",
]


class ProcoreError(Exception):
    """Base class of every error raised by procore.

    Every one pickles with its fields (``status_code``, ``body``, ``retry_after``...), so an
    error raised in a worker process (``ProcessPoolExecutor``, ``multiprocessing``) reaches the
    parent whole.
    """

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> Tuple[Any, ...]:
        # `Exception` pickles as `cls(*args)`, which a class with required keyword-only fields
        # (`APIError(message, status_code=...)`) refuses. Made instead as `cls.__new__(cls,
        # *args)` (no `__init__`), with the fields restored from the instance's dict.
        state: Dict[str, Any] = dict(vars(self))
        if isinstance(self, ImportError):
            # `name` and `path` of an ImportError live outside the instance's dict.
            state.update(name=self.name, path=self.path)
        return (copyreg.__newobj__, (type(self), *self.args), state)  # type: ignore[attr-defined]


class ConfigError(ProcoreError, ValueError):
    """Bad arguments or configuration, caught before any request was sent."""


class MissingDependencyError(ProcoreError, ImportError):
    """An optional dependency is not installed; the message names the extra to install
    (``pip install "procore[pandas]"``)."""


class TokenStoreError(ProcoreError):
    """The token store file could not be read or written."""


class OAuthError(ProcoreError):
    """The token endpoint refused the request (RFC 6749 §5.2)."""

    def __init__(
        self,
        message: str,
        *,
        error: str = "",
        description: Optional[str] = None,
        status_code: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.description = description
        self.status_code = status_code


class APIError(ProcoreError):
    """The API answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        method: str = "",
        url: str = "",
        request_id: Optional[str] = None,
        attempts: int = 1,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.method = method
        self.url = url
        self.request_id = request_id
        self.attempts = attempts
        self.retry_after = retry_after


class BadRequestError(APIError):
    """400 Bad Request."""


class AuthenticationError(APIError):
    """401 Unauthorized: the token is missing, expired or revoked."""


class PermissionDeniedError(APIError):
    """403 Forbidden: the user or company may not do this."""


class NotFoundError(APIError):
    """404 Not Found."""


class ConflictError(APIError):
    """409 Conflict."""


class UnprocessableEntityError(APIError):
    """422 Unprocessable Entity: the record did not validate."""


class RateLimitError(APIError):
    """429 Too Many Requests. ``retry_after`` is the wait Procore asked for, in seconds."""


class ServerError(APIError):
    """5xx: Procore failed to answer."""


class APIConnectionError(ProcoreError):
    """No usable answer: network or TLS failure."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


class APITimeoutError(APIConnectionError):
    """The request timed out."""


_BY_STATUS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _api_error(message: str, status_code: int, **fields: Any) -> APIError:
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        cls = ServerError if status_code >= 500 else APIError
    return cls(message, status_code=status_code, **fields)


class PartialPullError(ProcoreError):
    """A pull over several projects (``project_ids=[...]``) where some projects failed.

    The message names the failed projects. ``records`` holds the records of every project that
    succeeded (a ``ResultList``, in project then page order, each record with its
    ``project_id``); ``errors`` maps each failed project's id to its error (a
    ``PermissionDeniedError`` for a project the user cannot see, ...); ``project_ids`` lists
    the failed projects in the order they were asked for.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        records: Any = None,
        errors: Optional[Dict[int, ProcoreError]] = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.records = records if records is not None else []
        self.errors: Dict[int, ProcoreError] = dict(errors or {})
        self.project_ids: List[int] = list(self.errors)


def _partial_pull_error(
    operation: str, records: Any, errors: Dict[int, ProcoreError]
) -> PartialPullError:
    failed = list(errors)
    shown = "; ".join(
        f"project {pid}: {type(err).__name__}: {err.message}" for pid, err in errors.items()
        if pid in failed[:5]
    )
    more = f"; and {len(failed) - 5} more" if len(failed) > 5 else ""
    message = (
        f"{operation}(): {len(failed)} project{'s' if len(failed) != 1 else ''} failed "
        f"({shown}{more}); the {len(records)} records of the other projects are in .records, "
        "each failed project's error in .errors"
    )
    return PartialPullError(message, operation=operation, records=records, errors=errors)
