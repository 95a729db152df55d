"""One webhook POST through the SSRF guard, connected to the checked address.

urllib3 is given the checked IP as the host to connect to, while the request
carries the original Host header and TLS uses the original name for SNI and
certificate checks, so there is no second DNS lookup between check and connect.
Redirects are never followed by the library: up to MAX_REDIRECTS are followed
here, each Location checked by the same guard (and the same allowlist).
"""

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import urllib3
from django.utils.translation import gettext as _

from okno.webhooks.ssrf import Target, UnsafeURL, check

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
MAX_REDIRECTS = 3
RESPONSE_CAP = 2048  # bytes of the answer that are read and kept
REDIRECT_CODES = {301, 302, 303, 307, 308}


class SendError(Exception):
    """The request could not be made or finished (network, TLS, timeout, guard)."""

    def __init__(self, message: str, *, refused: bool = False):
        super().__init__(message)
        self.message = message
        self.refused = refused  # the guard refused: retrying will not help


@dataclass
class Answer:
    status: int
    body: str  # the first RESPONSE_CAP bytes, decoded leniently
    url: str  # the URL that answered (after redirects)


def _pool(target: Target, timeout: urllib3.Timeout):
    common = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **common,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, **common)


def _once(target: Target, body: bytes, headers: dict, deadline: float):
    left = deadline - time.monotonic()
    if left <= 0:
        raise SendError(_("Timed out."))
    timeout = urllib3.Timeout(connect=min(CONNECT_TIMEOUT, left), read=left)
    headers = {**headers, "Host": target.host_header}
    if target.username or target.password:
        headers.update(urllib3.make_headers(basic_auth=f"{target.username}:{target.password}"))
    pool = _pool(target, timeout)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            data = response.read(RESPONSE_CAP, decode_content=True) or b""
        finally:
            response.release_conn()
        if time.monotonic() > deadline:
            raise SendError(_("Timed out."))
        return response.status, response.headers.get("Location", ""), data[:RESPONSE_CAP]
    except urllib3.exceptions.HTTPError as error:
        raise SendError(_describe(error))
    finally:
        pool.close()


def _describe(error: Exception) -> str:
    if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
        return str(_("Connection timed out."))
    if isinstance(error, urllib3.exceptions.TimeoutError):
        return str(_("Timed out."))
    if isinstance(error, urllib3.exceptions.SSLError):
        return str(_("TLS error: %(e)s") % {"e": error})[:300]
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        return str(_("Could not connect."))
    return str(error)[:300]


def post(url: str, body: bytes, headers: dict, *, allow_hosts=()) -> Answer:
    """POST `body` to `url`; raises SendError when no HTTP answer came back."""
    deadline = time.monotonic() + TOTAL_TIMEOUT
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            target = check(url, allow_hosts)
        except UnsafeURL as error:
            raise SendError(str(error), refused=True)
        status, location, data = _once(target, body, headers, deadline)
        if status not in REDIRECT_CODES or not location:
            return Answer(status, data.decode("utf-8", "replace"), url)
        # The next hop is checked by the guard at the top of the loop; credentials
        # in the first URL are never sent on (they are read from each hop's own URL).
        url = urljoin(url, location)
    raise SendError(_("Too many redirects."))
