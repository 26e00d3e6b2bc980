"""Type stubs of the compiled core, ``procore._procore``.

Checked against the built extension by ``python -m mypy.stubtest`` (tests/test_typing.py).

One runtime class serves both clients: ``Client`` and ``AsyncClient`` share ``BaseClient``,
``Companies``, ``Projects`` and ``PageIterator``, and a flag chosen at construction decides
whether a call blocks or returns an awaitable. The stubs make that flag a type parameter,
``_Sync`` or ``_Async``, so each client's methods have exact types: ``client.me()`` is a ``Me``
on a ``Client`` and an ``Awaitable[Me]`` on an ``AsyncClient``. A method whose result depends on
the flag is an overload pair, the sync one first; both carry the same parameters.
"""

import os
from typing import (
    Any,
    Awaitable,
    ClassVar,
    Dict,
    Generic,
    List,
    Literal,
    Optional,
    TypeVar,
    Union,
    final,
    overload,
    type_check_only,
)

from typing_extensions import Self, TypeAlias, disjoint_base

from ._results import ResultList
from .models import Record as Record

__all__ = [
    "BaseClient",
    "Client",
    "AsyncClient",
    "Companies",
    "Projects",
    "PageIterator",
    "Token",
    "Me",
    "Company",
    "Project",
    "__version__",
    "MockServer",
    "Record",
    "Field",
    "_model_class",
    "_model_names",
    "_decode_records",
    "_paginate_typed",
    "_complete_future",
    "_drain_deliveries",
    "_log_levels_changed",
    "_stop_logging",
]

__version__: str

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)

_Path = Union[str, "os.PathLike[str]"]
# A Procore id: a positive 64-bit integer, or a string of its digits.
_Id = Union[int, str]
# `company_id=`: None means the client's default company.
_CompanyId = Optional[_Id]
# Decoded JSON (dict, list, str, int, float, bool or None), as `json.loads` returns it.
_JSON = Any
# Query parameters: a dict (values str, int, float, bool, None, lists and nested dicts).
_Params = Optional[Dict[str, Any]]
_Environment = Literal["production", "sandbox", "monthly"]

@type_check_only
class _Sync:
    """Type parameter of what a ``Client`` hands out: calls block and return their result."""

@type_check_only
class _Async:
    """Type parameter of what an ``AsyncClient`` hands out: calls return awaitables."""

_IO = TypeVar("_IO", _Sync, _Async)

@final
class Token:
    """An OAuth 2.0 token. Its repr never shows the token values."""

    def __new__(
        cls,
        access_token: str,
        refresh_token: Optional[str] = None,
        token_type: str = ...,
        expires_in: Optional[int] = None,
        created_at: Optional[int] = None,
    ) -> Self:
        """``token_type`` defaults to ``"bearer"``."""
    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Token":
        """Builds a token from a dict (as ``to_dict()`` returns it, or Procore's token response)."""
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
    def __eq__(self, other: object, /) -> bool: ...
    # Unhashable at runtime (compared by value), as typeshed spells it.
    __hash__: ClassVar[None]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleMethodOverride]

@type_check_only
class _Model:
    """What every model has (stub only: at runtime each model is its own class).

    Fields the class does not name are read with ``record["field"]`` (or ``to_dict()``). At
    runtime they are attributes too, but the stubs leave ``__getattr__`` out so that a misspelt
    attribute is a type error instead of an ``Any``.
    """

    def __new__(cls, data: Dict[str, Any]) -> Self:
        """Builds the model from a dict (as ``to_dict()`` returns it)."""
    @property
    def id(self) -> int: ...
    def to_dict(self) -> Dict[str, Any]:
        """Every field the server sent, unknown ones included."""
    def __getitem__(self, key: str, /) -> Any: ...
    def __contains__(self, key: str, /) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    # Unhashable at runtime (compared by value), as typeshed spells it.
    __hash__: ClassVar[None]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleMethodOverride]

@final
class Me(_Model):
    """``GET /rest/v1.0/me``: the user the token belongs to."""

    @property
    def login(self) -> Optional[str]: ...
    @property
    def name(self) -> Optional[str]: ...

@final
class Company(_Model):
    """A company (``GET /rest/v1.0/companies``)."""

    @property
    def name(self) -> Optional[str]: ...
    @property
    def is_active(self) -> Optional[bool]: ...
    @property
    def logo_url(self) -> Optional[str]: ...

@final
class Project(_Model):
    """A project (``GET /rest/v1.0/projects``)."""

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
    def company(self) -> Company:
        """The project's company (``project.company.id``). Procore sends it with every project;
        a record without one has no ``company`` attribute (``AttributeError``), and one that is
        not a company record (``null``, no integer ``id``) raises ``ProcoreError``."""

@final
class PageIterator(Generic[_IO, _T_co]):
    """Lazy records (or pages) of a list endpoint, fetched ahead: ``for`` on a ``Client``,
    ``async for`` on an ``AsyncClient``. Either way it is usable as ``Iterator[T]`` or
    ``AsyncIterator[T]``."""

    def __iter__(self: "PageIterator[_Sync, _T]") -> "PageIterator[_Sync, _T]": ...
    def __next__(self: "PageIterator[_Sync, _T]") -> _T: ...
    def __aiter__(self: "PageIterator[_Async, _T]") -> "PageIterator[_Async, _T]": ...
    def __anext__(self: "PageIterator[_Async, _T]") -> Awaitable[_T]: ...
    @property
    def total(self) -> Optional[int]:
        """The record count the server announced (``Total``), once the first page has arrived."""

@final
class Companies(Generic[_IO]):
    """``client.companies``."""

    @overload
    def list(self: "Companies[_Sync]", *, progress: Optional[bool] = None) -> ResultList[Company]:
        """Every company the user can see (all pages)."""
    @overload
    def list(self: "Companies[_Async]", *, progress: Optional[bool] = None) -> Awaitable[ResultList[Company]]:
        """Every company the user can see (all pages)."""
    def iter(self) -> PageIterator[_IO, Company]:
        """Companies one at a time, fetched lazily (``for`` / ``async for``)."""

@final
class Projects(Generic[_IO]):
    """``client.projects``. Extra keyword arguments of ``list`` and ``iter`` become query
    parameters (``per_page=50``, ``filters={"by_status": "Active"}``)."""

    @overload
    def list(
        self: "Projects[_Sync]", company_id: _CompanyId = None, *, progress: Optional[bool] = None, **filters: Any
    ) -> ResultList[Project]:
        """Every project of a company (all pages)."""
    @overload
    def list(
        self: "Projects[_Async]", company_id: _CompanyId = None, *, progress: Optional[bool] = None, **filters: Any
    ) -> Awaitable[ResultList[Project]]:
        """Every project of a company (all pages)."""
    @overload
    def get(self: "Projects[_Sync]", project_id: _Id, company_id: _CompanyId = None) -> Project:
        """One project."""
    @overload
    def get(self: "Projects[_Async]", project_id: _Id, company_id: _CompanyId = None) -> Awaitable[Project]:
        """One project."""
    def iter(self, company_id: _CompanyId = None, **filters: Any) -> PageIterator[_IO, Project]:
        """Projects one at a time, fetched lazily with bounded memory (``for`` / ``async for``)."""

# The `self` of a method whose result depends on the client: a sync client's, an async client's.
_SyncClient: TypeAlias = "BaseClient[_Sync]"
_AsyncClient: TypeAlias = "BaseClient[_Async]"

@disjoint_base
class BaseClient(Generic[_IO]):
    """What ``Client`` and ``AsyncClient`` share. Not instantiable: use one of them."""

    def authorization_url(
        self, state: Optional[str] = None, *, redirect_uri: Optional[str] = None, code_challenge: Optional[str] = None
    ) -> str:
        """Step 1 of the OAuth flow: the URL where the user approves the app. ``code_challenge`` (PKCE,
        S256) adds ``code_challenge_method=S256``."""
    @overload
    def exchange_code(
        self: _SyncClient, code: str, *, redirect_uri: Optional[str] = None, code_verifier: Optional[str] = None
    ) -> Token:
        """Step 2: trades the code the user got for a token (``authorization_code`` grant)."""
    @overload
    def exchange_code(
        self: _AsyncClient, code: str, *, redirect_uri: Optional[str] = None, code_verifier: Optional[str] = None
    ) -> Awaitable[Token]:
        """Step 2: trades the code the user got for a token (``authorization_code`` grant)."""
    @overload
    def login(
        self: _SyncClient,
        *,
        open_browser: Optional[bool] = None,
        oob: Optional[bool] = None,
        port: int = 0,
        timeout: float = 300.0,
    ) -> Token:
        """The whole authorization-code flow: browser and loopback redirect (state, PKCE S256),
        or pasting the code (``oob``; the default in notebooks)."""
    @overload
    def login(
        self: _AsyncClient,
        *,
        open_browser: Optional[bool] = None,
        oob: Optional[bool] = None,
        port: int = 0,
        timeout: float = 300.0,
    ) -> Awaitable[Token]:
        """The whole authorization-code flow: browser and loopback redirect (state, PKCE S256),
        or pasting the code (``oob``; the default in notebooks)."""
    @overload
    def client_credentials(self: _SyncClient) -> Token:
        """A token for a service account (``client_credentials`` grant)."""
    @overload
    def client_credentials(self: _AsyncClient) -> Awaitable[Token]:
        """A token for a service account (``client_credentials`` grant)."""
    @overload
    def refresh(self: _SyncClient) -> Token:
        """A new token from the refresh token (also done automatically)."""
    @overload
    def refresh(self: _AsyncClient) -> Awaitable[Token]:
        """A new token from the refresh token (also done automatically)."""
    @overload
    def revoke(self: _SyncClient) -> None:
        """Revokes the token."""
    @overload
    def revoke(self: _AsyncClient) -> Awaitable[None]:
        """Revokes the token."""
    @overload
    def me(self: _SyncClient) -> Me:
        """Step 3: the user the token belongs to."""
    @overload
    def me(self: _AsyncClient) -> Awaitable[Me]:
        """Step 3: the user the token belongs to."""
    @overload
    def get(self: _SyncClient, path: str, params: _Params = None, *, company_id: _CompanyId = None) -> _JSON:
        """``GET`` any endpoint (``path`` relative to the API host): the decoded JSON."""
    @overload
    def get(
        self: _AsyncClient, path: str, params: _Params = None, *, company_id: _CompanyId = None
    ) -> Awaitable[_JSON]:
        """``GET`` any endpoint (``path`` relative to the API host): the decoded JSON."""
    @overload
    def post(
        self: _SyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _JSON: ...
    @overload
    def post(
        self: _AsyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> Awaitable[_JSON]: ...
    @overload
    def put(
        self: _SyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _JSON: ...
    @overload
    def put(
        self: _AsyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> Awaitable[_JSON]: ...
    @overload
    def patch(
        self: _SyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _JSON: ...
    @overload
    def patch(
        self: _AsyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> Awaitable[_JSON]: ...
    @overload
    def delete(self: _SyncClient, path: str, *, params: _Params = None, company_id: _CompanyId = None) -> _JSON: ...
    @overload
    def delete(
        self: _AsyncClient, path: str, *, params: _Params = None, company_id: _CompanyId = None
    ) -> Awaitable[_JSON]: ...
    @overload
    def paginate(
        self: _SyncClient,
        path: str,
        params: _Params = None,
        *,
        company_id: _CompanyId = None,
        progress: Optional[bool] = None,
    ) -> ResultList[Dict[str, Any]]:
        """Every page of a list endpoint, its records in one list."""
    @overload
    def paginate(
        self: _AsyncClient,
        path: str,
        params: _Params = None,
        *,
        company_id: _CompanyId = None,
        progress: Optional[bool] = None,
    ) -> Awaitable[ResultList[Dict[str, Any]]]:
        """Every page of a list endpoint, its records in one list."""
    def iter_pages(
        self, path: str, params: _Params = None, *, company_id: _CompanyId = None
    ) -> PageIterator[_IO, ResultList[Dict[str, Any]]]:
        """The pages of a list endpoint, lazily, each a ``ResultList`` of dicts."""
    @property
    def companies(self) -> Companies[_IO]: ...
    @property
    def projects(self) -> Projects[_IO]: ...
    @property
    def token(self) -> Optional[Token]:
        """The current token, if any."""
    @property
    def rate_limit(self) -> Optional[Dict[str, Any]]:
        """The rate-limit headers of the last answer (``limit``, ``remaining``, ``reset``)."""
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

@final
class Client(BaseClient[_Sync]):
    """The sync client. Calls block with the GIL released and stay interruptible (Ctrl-C)."""

    def __new__(
        cls,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        *,
        environment: _Environment = ...,
        base_url: Optional[str] = None,
        login_url: Optional[str] = None,
        redirect_uri: str = ...,
        access_token: Optional[str] = None,
        token: Union[Token, Dict[str, Any], None] = None,
        token_store: Optional[_Path] = None,
        company_id: Optional[_Id] = None,
        ca_cert: Optional[_Path] = None,
        timeout: float = 30.0,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        max_retries: int = 3,
        max_concurrency: int = 8,
    ) -> Self:
        """``environment`` defaults to ``"production"`` and ``redirect_uri`` to
        ``"urn:ietf:wg:oauth:2.0:oob"`` (Procore shows the code on a page). They read ``...``
        here because the extension's own signature does not carry string defaults."""
    def close(self) -> None:
        """Closes the client: its connections are dropped and later calls raise."""
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> Literal[False]: ...

@final
class AsyncClient(BaseClient[_Async]):
    """The async client: I/O methods return awaitables; works inside a running loop."""

    def __new__(
        cls,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        *,
        environment: _Environment = ...,
        base_url: Optional[str] = None,
        login_url: Optional[str] = None,
        redirect_uri: str = ...,
        access_token: Optional[str] = None,
        token: Union[Token, Dict[str, Any], None] = None,
        token_store: Optional[_Path] = None,
        company_id: Optional[_Id] = None,
        ca_cert: Optional[_Path] = None,
        timeout: float = 30.0,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        max_retries: int = 3,
        max_concurrency: int = 8,
    ) -> Self:
        """``environment`` defaults to ``"production"`` and ``redirect_uri`` to
        ``"urn:ietf:wg:oauth:2.0:oob"`` (Procore shows the code on a page). They read ``...``
        here because the extension's own signature does not carry string defaults."""
    def close(self) -> Awaitable[None]:
        """Closes the client (awaitable)."""
    def aclose(self) -> Awaitable[None]:
        """Same as ``close()``."""
    def __aenter__(self) -> Awaitable[Self]: ...
    def __aexit__(self, *args: object) -> Awaitable[Literal[False]]: ...

@final
class MockServer:
    """The mock Procore server's core; use ``procore.testing.MockServer``."""

    def __new__(
        cls,
        *,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        companies: int = 2,
        projects_per_company: int = 250,
        token_lifetime: int = 5400,
        code_lifetime: int = 600,
        default_per_page: int = 100,
        max_per_page: int = 300,
    ) -> Self: ...
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
    def set_records(self, count: int, route: Optional[str] = None) -> None: ...
    def example_path(self, route: str) -> str: ...
    def stats(self) -> Dict[str, Any]: ...
    def requests(self) -> List[Dict[str, Any]]: ...
    def reset_stats(self) -> None: ...
    def close(self) -> None: ...

@final
class Field:
    """A declared field of a model class (``procore.models.Rfi.subject``): reading it on a
    record converts the field by its declared kind."""

    @property
    def name(self) -> str:
        """The field's JSON name."""
    @property
    def kind(self) -> str:
        """The declared kind: ``int``, ``str``, ``datetime``, ``list[RfiQuestion]``, ..."""
    def __get__(self, obj: Any, owner: Any = None, /) -> Any: ...
    def __set__(self, obj: Any, value: Any, /) -> None: ...
    def __delete__(self, obj: Any, /) -> None: ...

def _model_class(name: str) -> type[Record]:
    """``procore.models.<name>``: the model class with this class name (``KeyError`` if none)."""

def _model_names() -> List[str]:
    """Every model class name, sorted."""

def _decode_records(type_name: str, text: str) -> Any:
    """JSON text (a record or a list of them) as records of ``type_name``."""

def _paginate_typed(
    client: BaseClient[Any], type_name: str, path: str, params: _Params = None, *, company_id: _CompanyId = None
) -> Any:
    """Every record of a list endpoint as records of ``type_name``."""

def _complete_future(fut: Any, ok: bool, value: Any) -> None:
    """Runs on the event loop's thread: completes an asyncio future unless it was cancelled."""

def _drain_deliveries() -> None:
    """The ``atexit`` hook: stops delivering results and waits for those under way."""

def _log_levels_changed(levels: List[int]) -> None:
    """Called by ``procore._logging`` with the new thresholds of procore's loggers."""

def _stop_logging() -> None:
    """The ``atexit`` hook: no more records to ``logging``; waits for those under way."""
