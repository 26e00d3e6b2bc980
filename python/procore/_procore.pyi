"""Type stubs of the compiled core, ``procore._procore``."""

import os
from typing import Any, Awaitable, Dict, List, Literal, Mapping, Optional, Union

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

    def list(self, *, progress: Optional[bool] = None) -> Any:
        """Every company the user can see (all pages). ``progress``: a progress bar for a
        long pull: ``None`` (default) in a terminal or notebook, ``True`` always, ``False``
        never."""
    def iter(self) -> "PageIterator": ...

class Projects:
    """``client.projects``. On an ``AsyncClient`` the methods return awaitables."""

    def list(
        self, company_id: Optional[_Id] = None, *, progress: Optional[bool] = None, **filters: Any
    ) -> Any:
        """Every project of a company (all pages); extra keyword arguments become query
        parameters. ``progress`` as for ``companies.list()``."""
    def get(self, project_id: _Id, company_id: Optional[_Id] = None) -> Any: ...
    def iter(self, company_id: Optional[_Id] = None, **filters: Any) -> "PageIterator": ...

class BaseClient:
    def authorization_url(
        self,
        state: Optional[str] = None,
        *,
        redirect_uri: Optional[str] = None,
        code_challenge: Optional[str] = None,
    ) -> str:
        """Step 1: the URL where the user approves the app. ``redirect_uri`` overrides the
        client's (the OOB URN, http on localhost / 127.0.0.1 / [::1], or https);
        ``code_challenge`` adds PKCE with ``code_challenge_method=S256``."""
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
    def iter_pages(
        self, path: str, params: Optional[Mapping[str, Any]] = None, *, company_id: Optional[_Id] = None
    ) -> "PageIterator": ...

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
    def exchange_code(
        self, code: str, *, redirect_uri: Optional[str] = None, code_verifier: Optional[str] = None
    ) -> Token:
        """Step 2: trades the code for a token (kept by the client and its token store).
        ``redirect_uri`` is step 1's (default: the client's); ``code_verifier`` is the PKCE
        verifier (43 to 128 characters of RFC 7636's alphabet)."""
    def login(
        self,
        *,
        open_browser: Optional[bool] = None,
        oob: Optional[bool] = None,
        port: int = 0,
        timeout: float = 300.0,
    ) -> Token:
        """Logs the user in through the browser (loopback redirect to
        ``http://localhost:PORT/callback``, state and PKCE checked) or, with ``oob=True`` (the
        default in Jupyter), by pasting the code Procore shows. Raises ``OAuthError`` when
        access is denied, the state does not match, or the browser does not come back within
        ``timeout`` seconds (``error == "login_timeout"``)."""
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
        self,
        path: str,
        params: Optional[Mapping[str, Any]] = None,
        *,
        company_id: Optional[_Id] = None,
        progress: Optional[bool] = None,
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
    def exchange_code(
        self, code: str, *, redirect_uri: Optional[str] = None, code_verifier: Optional[str] = None
    ) -> Awaitable[Token]: ...
    def login(
        self,
        *,
        open_browser: Optional[bool] = None,
        oob: Optional[bool] = None,
        port: int = 0,
        timeout: float = 300.0,
    ) -> Awaitable[Token]:
        """``Client.login()``, awaitable. In out-of-band mode (the default in Jupyter) the code
        is read with ``input()``."""
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
        self,
        path: str,
        params: Optional[Mapping[str, Any]] = None,
        *,
        company_id: Optional[_Id] = None,
        progress: Optional[bool] = None,
    ) -> Awaitable[ResultList[Dict[str, Any]]]: ...
    def close(self) -> Awaitable[None]: ...
    def aclose(self) -> Awaitable[None]: ...
    async def __aenter__(self) -> "AsyncClient": ...
    async def __aexit__(self, *args: object) -> bool: ...

class PageIterator:
    """Lazy pages or records of a list endpoint: ``for`` on a Client, ``async for`` on an
    AsyncClient."""

    def __iter__(self) -> "PageIterator": ...
    def __next__(self) -> Any: ...
    def __aiter__(self) -> "PageIterator": ...
    def __anext__(self) -> Awaitable[Any]: ...
    @property
    def total(self) -> Optional[int]:
        """The record count the server announced, once the first page has arrived."""

class MockServer:
    """The mock Procore server's core; use ``procore.testing.MockServer``."""

    def __init__(
        self,
        *,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        companies: int = 2,
        projects_per_company: int = 250,
        token_lifetime: int = 5400,
        code_lifetime: int = 600,
        default_per_page: int = 100,
        max_per_page: int = 300,
    ) -> None: ...
    @property
    def base_url(self) -> str: ...
    @property
    def login_url(self) -> str: ...
    @property
    def ca_cert_pem(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> str: ...
    @property
    def company_id(self) -> int: ...
    @property
    def company_ids(self) -> List[int]: ...
    @property
    def closed(self) -> bool: ...
    def approve(self, authorization_url: str) -> str: ...
    def fail_next(
        self, status: int = 500, count: int = 1, path: Optional[str] = None, retry_after: Optional[int] = None
    ) -> None: ...
    def drop_next(self, count: int = 1, path: Optional[str] = None, *, after_processing: bool = False) -> None: ...
    def delay_next(self, seconds: float, count: int = 1, path: Optional[str] = None) -> None: ...
    def set_fault_rate(self, rate: float, seed: Optional[int] = None) -> None: ...
    def set_latency(self, seconds: float) -> None: ...
    def set_link_only(self, on: bool) -> None: ...
    def clear_faults(self) -> None: ...
    def set_rate_limit(self, limit: int, window_seconds: float) -> None: ...
    def expire_tokens(self) -> None: ...
    def set_projects(self, company_id: int, count: int) -> None: ...
    def stats(self) -> Dict[str, Any]: ...
    def requests(self) -> List[Dict[str, Any]]: ...
    def reset_stats(self) -> None: ...
    def close(self) -> None: ...
