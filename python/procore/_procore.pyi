"""Type stubs of the compiled core, ``procore._procore``.

Checked against the built extension by ``python -m mypy.stubtest`` (tests/test_typing.py).

One runtime class serves both clients: ``Client`` and ``AsyncClient`` share ``BaseClient``,
``Companies``, ``Projects`` and ``PageIterator``, and a flag chosen at construction decides
whether a call blocks or returns a coroutine. The stubs make that flag a type parameter,
``_Sync`` or ``_Async``, so each client's methods have exact types: ``client.me()`` is a ``Me``
on a ``Client`` and a ``Coroutine[object, None, Me]`` on an ``AsyncClient`` (a real coroutine, as an
``async def`` returns: nothing is sent before it is awaited). A method whose result depends on
the flag is an overload pair, the sync one first; both carry the same parameters.
"""

import datetime
import os
from typing import (
    Any,
    Awaitable,
    Iterable,
    Iterator,
    ClassVar,
    Coroutine,
    Dict,
    Generic,
    List,
    Literal,
    Optional,
    Tuple,
    TypeVar,
    Union,
    final,
    overload,
    type_check_only,
)

from typing_extensions import Self, TypeAlias, disjoint_base

from ._namespaces import AsyncNamespaces, SyncNamespaces
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
    "DEFAULTS",
    "ENVIRONMENTS",
    "environment_name",
    "MockServer",
    "_close_exit_gate",
    "Record",
    "Field",
    "_model_class",
    "_model_names",
    "_decode_records",
    "_paginate_typed",
    "ArrowTable",
    "_records_to_arrow",
    "_flat_columns",
    "_complete_future",
    "_scrub",
    "_log_levels_changed",
    "catalog",
    "Catalog",
    "Operation",
    "Param",
    "Namespace",
    "BoundOperation",
    "RecordIterator",
    "_namespace",
    "_namespace_names",
]

__version__: str

DEFAULTS: Dict[str, Union[str, float, int]]
"""The defaults of the clients' options, from the core: ``environment``, ``redirect_uri``,
``timeout``, ``connect_timeout_cap`` (``connect_timeout`` defaults to ``min(timeout, cap)``),
``max_retries`` and ``max_concurrency``."""

ENVIRONMENTS: Dict[str, Tuple[str, str]]
"""Procore's environments, from the core: name -> (API host, login host)."""

def environment_name(name: str) -> str:
    """The name the client gives an environment (``"prod"`` -> ``"production"``, any case);
    ``ConfigError`` for a name it does not know."""

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
# A point in time: a datetime (naive ones are UTC), a date, or an ISO 8601 string.
_When = Optional[Union[datetime.datetime, datetime.date, str]]
_Environment = Literal["production", "sandbox", "monthly"]

@type_check_only
class _Sync:
    """Type parameter of what a ``Client`` hands out: calls block and return their result."""

@type_check_only
class _Async:
    """Type parameter of what an ``AsyncClient`` hands out: calls return coroutines."""

_IO = TypeVar("_IO", _Sync, _Async)

# What an I/O method of an `AsyncClient` returns: a coroutine whose result is `_T`, as an
# `async def` method returns. Like any asyncio coroutine it yields the loop's futures and is sent
# None; spelt without `Any` so that mypy keeps each result's type through `asyncio.gather`.
_Coroutine: TypeAlias = Coroutine[object, None, _T]

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
    def list(
        self: "Companies[_Async]", *, progress: Optional[bool] = None
    ) -> _Coroutine[ResultList[Company]]:
        """Every company the user can see (all pages)."""
    def iter(self) -> PageIterator[_IO, Company]:
        """Companies one at a time, fetched lazily (``for`` / ``async for``)."""
    def __getattr__(self, name: str) -> BoundOperation:
        """The catalog's other ``companies.*`` operations."""

@final
class Projects(Generic[_IO]):
    """``client.projects``. Extra keyword arguments of ``list`` and ``iter`` become query
    parameters (``per_page=50``, ``filters={"by_status": "Active"}``)."""

    @overload
    def list(
        self: "Projects[_Sync]",
        company_id: _CompanyId = None,
        *,
        progress: Optional[bool] = None,
        as_arrow: Literal[False] = False,
        **filters: Any,
    ) -> ResultList[Project]:
        """Every project of a company (all pages)."""
    @overload
    def list(
        self: "Projects[_Sync]", company_id: _CompanyId = None, *, progress: Optional[bool] = None, as_arrow: Literal[True], **filters: Any
    ) -> ArrowTable:
        """Every project of a company (all pages), as an Arrow table."""
    @overload
    def list(
        self: "Projects[_Async]",
        company_id: _CompanyId = None,
        *,
        progress: Optional[bool] = None,
        as_arrow: Literal[False] = False,
        **filters: Any,
    ) -> _Coroutine[ResultList[Project]]:
        """Every project of a company (all pages)."""
    @overload
    def list(
        self: "Projects[_Async]", company_id: _CompanyId = None, *, progress: Optional[bool] = None, as_arrow: Literal[True], **filters: Any
    ) -> _Coroutine[ArrowTable]:
        """Every project of a company (all pages), as an Arrow table."""
    @overload
    def get(self: "Projects[_Sync]", project_id: _Id, company_id: _CompanyId = None) -> Project:
        """One project."""
    @overload
    def get(
        self: "Projects[_Async]", project_id: _Id, company_id: _CompanyId = None
    ) -> _Coroutine[Project]:
        """One project."""
    def iter(self, company_id: _CompanyId = None, **filters: Any) -> PageIterator[_IO, Project]:
        """Projects one at a time, fetched lazily with bounded memory (``for`` / ``async for``)."""
    def __getattr__(self, name: str) -> BoundOperation:
        """The catalog's other ``projects.*`` operations (``create``, ``update``, ``sync``, ...)."""

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
    ) -> _Coroutine[Token]:
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
    ) -> _Coroutine[Token]:
        """The whole authorization-code flow: browser and loopback redirect (state, PKCE S256),
        or pasting the code (``oob``; the default in notebooks)."""
    @overload
    def client_credentials(self: _SyncClient) -> Token:
        """A token for a service account (``client_credentials`` grant)."""
    @overload
    def client_credentials(self: _AsyncClient) -> _Coroutine[Token]:
        """A token for a service account (``client_credentials`` grant)."""
    @overload
    def refresh(self: _SyncClient) -> Token:
        """A new token from the refresh token (also done automatically)."""
    @overload
    def refresh(self: _AsyncClient) -> _Coroutine[Token]:
        """A new token from the refresh token (also done automatically)."""
    @overload
    def revoke(self: _SyncClient) -> None:
        """Revokes the token."""
    @overload
    def revoke(self: _AsyncClient) -> _Coroutine[None]:
        """Revokes the token."""
    @overload
    def me(self: _SyncClient) -> Me:
        """Step 3: the user the token belongs to."""
    @overload
    def me(self: _AsyncClient) -> _Coroutine[Me]:
        """Step 3: the user the token belongs to."""
    @overload
    def get(self: _SyncClient, path: str, params: _Params = None, *, company_id: _CompanyId = None) -> _JSON:
        """``GET`` any endpoint (``path`` relative to the API host): the decoded JSON."""
    @overload
    def get(
        self: _AsyncClient, path: str, params: _Params = None, *, company_id: _CompanyId = None
    ) -> _Coroutine[_JSON]:
        """``GET`` any endpoint (``path`` relative to the API host): the decoded JSON."""
    @overload
    def post(
        self: _SyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _JSON: ...
    @overload
    def post(
        self: _AsyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _Coroutine[_JSON]: ...
    @overload
    def put(
        self: _SyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _JSON: ...
    @overload
    def put(
        self: _AsyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _Coroutine[_JSON]: ...
    @overload
    def patch(
        self: _SyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _JSON: ...
    @overload
    def patch(
        self: _AsyncClient, path: str, json: _JSON = None, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _Coroutine[_JSON]: ...
    @overload
    def delete(self: _SyncClient, path: str, *, params: _Params = None, company_id: _CompanyId = None) -> _JSON: ...
    @overload
    def delete(
        self: _AsyncClient, path: str, *, params: _Params = None, company_id: _CompanyId = None
    ) -> _Coroutine[_JSON]: ...
    @overload
    def paginate(
        self: _SyncClient,
        path: str,
        params: _Params = None,
        *,
        company_id: _CompanyId = None,
        progress: Optional[bool] = None,
        updated_since: _When = None,
        updated_until: _When = None,
        as_arrow: Literal[False] = False,
    ) -> ResultList[Dict[str, Any]]:
        """Every page of a list endpoint, its records in one list."""
    @overload
    def paginate(
        self: _SyncClient,
        path: str,
        params: _Params = None,
        *,
        company_id: _CompanyId = None,
        progress: Optional[bool] = None,
        updated_since: _When = None,
        updated_until: _When = None,
        as_arrow: Literal[True],
    ) -> ArrowTable:
        """Every page of a list endpoint, its records as an Arrow table."""
    @overload
    def paginate(
        self: _AsyncClient,
        path: str,
        params: _Params = None,
        *,
        company_id: _CompanyId = None,
        progress: Optional[bool] = None,
        updated_since: _When = None,
        updated_until: _When = None,
        as_arrow: Literal[False] = False,
    ) -> _Coroutine[ResultList[Dict[str, Any]]]:
        """Every page of a list endpoint, its records in one list."""
    @overload
    def paginate(
        self: _AsyncClient,
        path: str,
        params: _Params = None,
        *,
        company_id: _CompanyId = None,
        progress: Optional[bool] = None,
        updated_since: _When = None,
        updated_until: _When = None,
        as_arrow: Literal[True],
    ) -> _Coroutine[ArrowTable]:
        """Every page of a list endpoint, its records as an Arrow table."""
    @overload
    def iter_pages(
        self,
        path: str,
        params: _Params = None,
        *,
        company_id: _CompanyId = None,
        updated_since: _When = None,
        updated_until: _When = None,
        as_arrow: Literal[False] = False,
    ) -> PageIterator[_IO, ResultList[Dict[str, Any]]]:
        """The pages of a list endpoint, lazily, each a ``ResultList`` of dicts."""
    @overload
    def iter_pages(
        self,
        path: str,
        params: _Params = None,
        *,
        company_id: _CompanyId = None,
        updated_since: _When = None,
        updated_until: _When = None,
        as_arrow: Literal[True],
    ) -> PageIterator[_IO, ArrowTable]:
        """The pages of a list endpoint, lazily, each an Arrow table."""
    def __dir__(self) -> list[str]: ...
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
class Client(BaseClient[_Sync], SyncNamespaces):
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
        max_response_bytes: Optional[int] = None,
    ) -> Self:
        """``environment`` defaults to ``"production"`` and ``redirect_uri`` to
        ``"urn:ietf:wg:oauth:2.0:oob"`` (Procore shows the code on a page). They read ``...``
        here because the extension's own signature does not carry string defaults."""
    def close(self) -> None:
        """Closes the client: its connections are dropped and later calls raise."""
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> Literal[False]: ...

@final
class AsyncClient(BaseClient[_Async], AsyncNamespaces):
    """The async client: I/O methods return coroutines (nothing is sent before they are
    awaited); works in any event loop, a running one (Jupyter) included."""

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
        max_response_bytes: Optional[int] = None,
    ) -> Self:
        """``environment`` defaults to ``"production"`` and ``redirect_uri`` to
        ``"urn:ietf:wg:oauth:2.0:oob"`` (Procore shows the code on a page). They read ``...``
        here because the extension's own signature does not carry string defaults."""
    async def close(self) -> None:
        """Closes the client when awaited."""
    async def aclose(self) -> None:
        """Same as ``close()``."""
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *args: object) -> Literal[False]: ...

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
    def change_after_page(
        self,
        page: int,
        *,
        delete: int = 0,
        create: int = 0,
        touch: int = 0,
        company_id: Optional[int] = None,
        companies: bool = False,
    ) -> None: ...
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

@final
class ArrowTable:
    """The columns of a list of records, built in Rust from their JSON text: Arrow record
    batches, read by ``pyarrow.table()``, ``polars.DataFrame()`` and duckdb through the Arrow
    PyCapsule interface."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """The Arrow C stream of the record batches (a ``PyCapsule``)."""
    def __arrow_c_schema__(self) -> object:
        """The Arrow C schema (a ``PyCapsule``)."""
    @property
    def num_rows(self) -> int: ...
    @property
    def num_columns(self) -> int: ...
    @property
    def column_names(self) -> List[str]: ...
    @property
    def schema(self) -> Dict[str, str]:
        """``{name: arrow type}``; ``json`` for a column kept as JSON text."""
    def __len__(self) -> int: ...
    def to_pandas(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def to_parquet(self, path: Union[str, "os.PathLike[str]"]) -> None: ...
    def _column(self, i: int) -> List[Any]: ...
    def _pandas_columns(
        self, strings_from_arrow: bool = False
    ) -> List[Tuple[str, str, Any, Optional[bytes]]]: ...
    def _polars_view(self) -> "ArrowTable": ...

def _records_to_arrow(records: Iterable[Any], what: str = "to_arrow()") -> ArrowTable:
    """Records (models or dicts) as an ``ArrowTable``."""

def _flat_columns(records: Iterable[Any], what: str = "--format") -> Tuple[int, Dict[str, List[Any]]]:
    """The flattened columns of records, with their values as sent."""

def _complete_future(fut: Any, ok: bool, value: Any) -> None:
    """Runs on the event loop's thread: completes an asyncio future unless it was cancelled."""

def _close_exit_gate() -> None:
    """The ``atexit`` hook: no runtime thread enters Python any more (results, log records);
    waits for those inside."""

def _scrub(text: str, secrets: List[str]) -> str:
    """``text`` with each of ``secrets`` (8 characters or more) replaced by ``[redacted]``."""

def _log_levels_changed(levels: List[int]) -> None:
    """Called by ``procore._logging`` with the new thresholds of procore's loggers."""

# ----- the catalog and the resource namespaces

@final
class Param:
    """One documented parameter of an operation."""

    @property
    def name(self) -> str: ...
    @property
    def location(self) -> Literal["path", "query"]: ...
    @property
    def type(self) -> Literal["int", "str", "bool", "date", "datetime", "range", "uuid", "json"]: ...
    @property
    def list(self) -> Literal["one", "comma", "brackets"]: ...
    @property
    def required(self) -> bool: ...
    @property
    def doc(self) -> str: ...
    @property
    def choices(self) -> tuple[str, ...]: ...

@final
class Operation:
    """One operation of the catalog; ``operator.attrgetter(op.name)(client)`` calls it."""

    @property
    def name(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def route(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def params(self) -> tuple[Param, ...]: ...
    @property
    def doc(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def body(self) -> Literal["none", "json", "multipart"]: ...
    @property
    def paginates(self) -> bool: ...
    @property
    def sync(self) -> bool: ...
    @property
    def response(self) -> Optional[str]: ...
    @property
    def response_list(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Catalog:
    """``procore.catalog``: every REST operation, by name or by route."""

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Operation]: ...
    def __getitem__(self, index: int, /) -> Operation: ...
    def __contains__(self, key: object, /) -> bool: ...
    @overload
    def get(self, key: str) -> Optional[Operation]: ...
    @overload
    def get(self, key: str, default: _T) -> Union[Operation, _T]: ...
    def find(self, text: str) -> List[Operation]: ...
    def namespaces(self) -> List[str]: ...

catalog: Catalog

@final
class Namespace:
    """A resource namespace of a client (``client.rfis``)."""

    def __getattr__(self, action: str) -> BoundOperation: ...
    @property
    def operations(self) -> List[Operation]: ...

@final
class BoundOperation:
    """An operation bound to a client (``client.rfis.list``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    @property
    def operation(self) -> Operation: ...

@final
class RecordIterator:
    """The records of a list operation one at a time (``for`` / ``async for``)."""

    def __iter__(self) -> Self: ...
    def __next__(self) -> Dict[str, Any]: ...
    def __aiter__(self) -> Self: ...
    def __anext__(self) -> Awaitable[Dict[str, Any]]: ...

def _namespace(client: BaseClient[Any], name: str) -> Namespace: ...
def _namespace_names() -> List[str]: ...
