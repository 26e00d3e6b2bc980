"""Type stubs of the compiled core, ``procore._procore``."""

import os
from typing import Any, Awaitable, Dict, Literal, Mapping, Optional, Union

from ._results import ResultList

__version__: str

_Path = Union[str, "os.PathLike[str]"]
_Id = Union[int, str]
_JSON = Any
_Environment = Literal["production", "sandbox", "monthly"]

class Token:
    """An OAuth 2.0 token. Its repr never shows the token values."""

    def __init__(
        self,
        access_token: str,
        refresh_token: Optional[str] = None,
        token_type: str = "bearer",
        expires_in: Optional[int] = None,
        created_at: Optional[int] = None,
    ) -> None: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> "Token": ...
    @property
    def access_token(self) -> str: ...
    @property
    def refresh_token(self) -> Optional[str]: ...
    @property
    def token_type(self) -> str: ...
    @property
    def expires_in(self) -> Optional[int]:
        """Lifetime in seconds, as the server gave it."""
    @property
    def created_at(self) -> int:
        """Unix seconds."""
    @property
    def expires_at(self) -> Optional[int]:
        """Unix seconds: ``created_at + expires_in``."""
    @property
    def expired(self) -> bool: ...
    def to_dict(self) -> Dict[str, Any]:
        """Every field, token values included."""
    def __eq__(self, other: object) -> bool: ...

class _Model:
    def __init__(self, data: Mapping[str, Any]) -> None: ...
    @property
    def id(self) -> int: ...
    def to_dict(self) -> Dict[str, Any]:
        """Every field the server sent, unknown ones included."""
    def __getattr__(self, name: str) -> Any: ...
    def __getitem__(self, key: str) -> Any: ...
    def __contains__(self, key: str) -> bool: ...
    def __eq__(self, other: object) -> bool: ...

class Me(_Model):
    """``GET /rest/v1.0/me``: the user the token belongs to."""

    @property
    def login(self) -> Optional[str]: ...
    @property
    def name(self) -> Optional[str]: ...

class Company(_Model):
    @property
    def name(self) -> Optional[str]: ...
    @property
    def is_active(self) -> Optional[bool]: ...
    @property
    def logo_url(self) -> Optional[str]: ...

class Project(_Model):
    @property
    def name(self) -> Optional[str]: ...
    @property
    def display_name(self) -> Optional[str]: ...
    @property
    def project_number(self) -> Optional[str]: ...
    @property
    def address(self) -> Optional[str]: ...
    @property
    def city(self) -> Optional[str]: ...
    @property
    def state_code(self) -> Optional[str]: ...
    @property
    def country_code(self) -> Optional[str]: ...
    @property
    def zip(self) -> Optional[str]: ...
    @property
    def county(self) -> Optional[str]: ...
    @property
    def latitude(self) -> Optional[float]: ...
    @property
    def longitude(self) -> Optional[float]: ...
    @property
    def stage(self) -> Optional[str]: ...
    @property
    def phone(self) -> Optional[str]: ...
    @property
    def created_at(self) -> Optional[str]: ...
    @property
    def updated_at(self) -> Optional[str]: ...
    @property
    def active(self) -> Optional[bool]: ...
    @property
    def origin_id(self) -> Optional[str]: ...
    @property
    def origin_data(self) -> Optional[str]: ...
    @property
    def company(self) -> Optional[Company]: ...

class Companies:
    """``client.companies``. On an ``AsyncClient`` the methods return awaitables."""

    def list(self) -> Any: ...

class Projects:
    """``client.projects``. On an ``AsyncClient`` the methods return awaitables."""

    def list(self, company_id: Optional[_Id] = None, **filters: Any) -> Any: ...
    def get(self, project_id: _Id, company_id: Optional[_Id] = None) -> Any: ...

class BaseClient:
    def authorization_url(self, state: Optional[str] = None) -> str: ...
    @property
    def token(self) -> Optional[Token]: ...
    @property
    def rate_limit(self) -> Optional[Dict[str, Any]]: ...
    @property
    def environment(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def login_url(self) -> str: ...
    @property
    def client_id(self) -> Optional[str]: ...
    @property
    def company_id(self) -> Optional[int]: ...
    @property
    def closed(self) -> bool: ...
    @property
    def companies(self) -> Companies: ...
    @property
    def projects(self) -> Projects: ...

class Client(BaseClient):
    """The sync client. Calls block with the GIL released and stay interruptible (Ctrl-C)."""

    def __init__(
        self,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        *,
        environment: _Environment = "production",
        base_url: Optional[str] = None,
        login_url: Optional[str] = None,
        redirect_uri: str = "urn:ietf:wg:oauth:2.0:oob",
        access_token: Optional[str] = None,
        token: Union[Token, Mapping[str, Any], None] = None,
        token_store: Optional[_Path] = None,
        company_id: Optional[_Id] = None,
        ca_cert: Optional[_Path] = None,
        timeout: float = 30.0,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        max_retries: int = 3,
        max_concurrency: int = 8,
    ) -> None: ...
    def exchange_code(self, code: str) -> Token: ...
    def client_credentials(self) -> Token: ...
    def refresh(self) -> Token: ...
    def revoke(self) -> None: ...
    def me(self) -> Me: ...
    def get(
        self, path: str, params: Optional[Mapping[str, Any]] = None, *, company_id: Optional[_Id] = None
    ) -> _JSON: ...
    def post(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[Mapping[str, Any]] = None,
        company_id: Optional[_Id] = None,
    ) -> _JSON: ...
    def put(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[Mapping[str, Any]] = None,
        company_id: Optional[_Id] = None,
    ) -> _JSON: ...
    def patch(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[Mapping[str, Any]] = None,
        company_id: Optional[_Id] = None,
    ) -> _JSON: ...
    def delete(
        self, path: str, *, params: Optional[Mapping[str, Any]] = None, company_id: Optional[_Id] = None
    ) -> _JSON: ...
    def paginate(
        self, path: str, params: Optional[Mapping[str, Any]] = None, *, company_id: Optional[_Id] = None
    ) -> ResultList[Dict[str, Any]]: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Client": ...
    def __exit__(self, *args: object) -> bool: ...

class AsyncClient(BaseClient):
    """The async client: I/O methods return awaitables; works inside a running loop."""

    def __init__(
        self,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        *,
        environment: _Environment = "production",
        base_url: Optional[str] = None,
        login_url: Optional[str] = None,
        redirect_uri: str = "urn:ietf:wg:oauth:2.0:oob",
        access_token: Optional[str] = None,
        token: Union[Token, Mapping[str, Any], None] = None,
        token_store: Optional[_Path] = None,
        company_id: Optional[_Id] = None,
        ca_cert: Optional[_Path] = None,
        timeout: float = 30.0,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        max_retries: int = 3,
        max_concurrency: int = 8,
    ) -> None: ...
    def exchange_code(self, code: str) -> Awaitable[Token]: ...
    def client_credentials(self) -> Awaitable[Token]: ...
    def refresh(self) -> Awaitable[Token]: ...
    def revoke(self) -> Awaitable[None]: ...
    def me(self) -> Awaitable[Me]: ...
    def get(
        self, path: str, params: Optional[Mapping[str, Any]] = None, *, company_id: Optional[_Id] = None
    ) -> Awaitable[_JSON]: ...
    def post(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[Mapping[str, Any]] = None,
        company_id: Optional[_Id] = None,
    ) -> Awaitable[_JSON]: ...
    def put(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[Mapping[str, Any]] = None,
        company_id: Optional[_Id] = None,
    ) -> Awaitable[_JSON]: ...
    def patch(
        self,
        path: str,
        json: _JSON = None,
        *,
        params: Optional[Mapping[str, Any]] = None,
        company_id: Optional[_Id] = None,
    ) -> Awaitable[_JSON]: ...
    def delete(
        self, path: str, *, params: Optional[Mapping[str, Any]] = None, company_id: Optional[_Id] = None
    ) -> Awaitable[_JSON]: ...
    def paginate(
        self, path: str, params: Optional[Mapping[str, Any]] = None, *, company_id: Optional[_Id] = None
    ) -> Awaitable[ResultList[Dict[str, Any]]]: ...
    def close(self) -> Awaitable[None]: ...
    def aclose(self) -> Awaitable[None]: ...
    async def __aenter__(self) -> "AsyncClient": ...
    async def __aexit__(self, *args: object) -> bool: ...
