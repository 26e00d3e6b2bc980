"""What every contender shares: the server settings, the timer and the id checksum.

Kept free of third-party imports: each child process imports only its own contender's
library, so peak RSS is that library's and nobody else's.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from typing import Dict, Iterable, Optional

ENV_PREFIX = "PROCORE_BENCH_"
ENV_KEYS = ("BASE_URL", "LOGIN_URL", "CA_CERT", "CLIENT_ID", "CLIENT_SECRET", "COMPANY_ID")


@dataclass(frozen=True)
class Server:
    """Where the contenders go, read from ``PROCORE_BENCH_*`` (secrets never travel in argv)."""

    base_url: str
    login_url: str
    ca_cert: Optional[str]
    client_id: str
    client_secret: str
    company_id: int

    @classmethod
    def from_env(cls) -> "Server":
        v = {k: os.environ.get(ENV_PREFIX + k, "") for k in ENV_KEYS}
        missing = [ENV_PREFIX + k for k in ENV_KEYS if k != "CA_CERT" and not v[k]]
        if missing:
            raise SystemExit(f"missing environment: {', '.join(missing)}")
        return cls(
            base_url=v["BASE_URL"].rstrip("/"),
            login_url=v["LOGIN_URL"].rstrip("/"),
            ca_cert=v["CA_CERT"] or None,
            client_id=v["CLIENT_ID"],
            client_secret=v["CLIENT_SECRET"],
            company_id=int(v["COMPANY_ID"]),
        )

    def to_env(self) -> Dict[str, str]:
        return {
            ENV_PREFIX + "BASE_URL": self.base_url,
            ENV_PREFIX + "LOGIN_URL": self.login_url,
            ENV_PREFIX + "CA_CERT": self.ca_cert or "",
            ENV_PREFIX + "CLIENT_ID": self.client_id,
            ENV_PREFIX + "CLIENT_SECRET": self.client_secret,
            ENV_PREFIX + "COMPANY_ID": str(self.company_id),
        }

    # ----- what the peers need to talk to Procore by hand -----

    @property
    def token_url(self) -> str:
        return self.login_url + "/oauth/token"

    @property
    def token_form(self) -> Dict[str, str]:
        """The client-credentials grant, as procore's ``client_credentials()`` sends it."""
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    @property
    def me_url(self) -> str:
        return self.base_url + "/rest/v1.0/me"

    @property
    def projects_url(self) -> str:
        return self.base_url + "/rest/v1.0/projects"

    def projects_params(self, per_page: int, page: int) -> Dict[str, str]:
        return {"company_id": str(self.company_id), "page": str(page), "per_page": str(per_page)}

    def headers(self, access_token: str) -> Dict[str, str]:
        # A client-credentials (service account) token wants the company header on every
        # call, /me included: procore sends it too.
        return {
            "Authorization": f"Bearer {access_token}",
            "Accept": "application/json",
            "Procore-Company-Id": str(self.company_id),
        }

    def ssl_context(self):  # -> ssl.SSLContext
        import ssl

        return ssl.create_default_context(cafile=self.ca_cert)


class Measure:
    """Context manager around the measured part: wall time, the CPU time of the whole
    process (every thread) from ``getrusage(RUSAGE_SELF)``, and the process's peak RSS
    (``VmHWM``) when the block ends: a fresh process per measurement, so it is this
    contender's."""

    wall_s = cpu_s = user_s = sys_s = 0.0
    rss_start_mb = rss_peak_mb = 0.0

    def __enter__(self) -> "Measure":
        self.rss_start_mb = vm_kib("VmRSS") / 1024
        self._r0 = resource.getrusage(resource.RUSAGE_SELF)
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        self.wall_s = t1 - self._t0
        self.user_s = r1.ru_utime - self._r0.ru_utime
        self.sys_s = r1.ru_stime - self._r0.ru_stime
        self.cpu_s = self.user_s + self.sys_s
        self.rss_peak_mb = peak_rss_mb()


def vm_kib(field: str) -> float:
    """A ``/proc/self/status`` figure in KiB (``VmRSS``, ``VmHWM``); 0 where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    """Peak RSS of this process so far: ``VmHWM``. Not ``ru_maxrss``: Linux carries it over
    ``execve``, so a child started by a big parent would report the parent's peak."""
    hwm = vm_kib("VmHWM")
    if hwm:
        return hwm / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def checksum(ids: Iterable[int]) -> str:
    """Order-sensitive 64-bit checksum of an id sequence (``bench/floor.rs`` computes the same)."""
    h = 0
    for i in ids:
        h = (h * 1_000_003 + i) & 0xFFFFFFFFFFFFFFFF
    return str(h)
