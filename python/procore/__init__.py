"""procore: a fast, safe client for the Procore construction API.

    import procore
    client = procore.Client(client_id=..., client_secret=...)
    print(client.authorization_url())
    client.exchange_code(input("code: "))
    print(client.me())
"""

from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ConflictError,
    MissingDependencyError,
    NotFoundError,
    OAuthError,
    PartialPullError,
    PermissionDeniedError,
    ProcoreError,
    RateLimitError,
    ServerError,
    TokenStoreError,
    UnprocessableEntityError,
)
from ._procore import (
    ArrowTable,
    AsyncClient,
    Client,
    Companies,
    Company,
    Me,
    Project,
    Projects,
    Token,
    __version__,
    catalog,
)
from ._results import ResultList
from . import models

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "ArrowTable",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "Companies",
    "Company",
    "ConfigError",
    "ConflictError",
    "Me",
    "MissingDependencyError",
    "NotFoundError",
    "OAuthError",
    "PartialPullError",
    "PermissionDeniedError",
    "ProcoreError",
    "Project",
    "Projects",
    "RateLimitError",
    "ResultList",
    "ServerError",
    "Token",
    "TokenStoreError",
    "UnprocessableEntityError",
    "__version__",
    "catalog",
]
