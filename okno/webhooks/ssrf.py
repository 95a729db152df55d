"""The SSRF guard: may Okno send a request to this URL, and to which address?

A webhook URL is typed by an admin (or a trigger), but the request leaves from
inside the network Okno runs in, so a URL must never reach loopback, private,
link-local (cloud metadata at 169.254.169.254) or other non-public addresses.

Steps, for every request and every redirect hop:
1. Parse: only http and https, a host, no control characters.
2. Resolve the host ourselves (`socket.getaddrinfo`); numeric oddities such as
   2130706433 or 0177.0.0.1 resolve to what the C library would connect to.
3. Refuse when ANY address is not public: an attacker's DNS may answer with one
   public and one private address. IPv6 forms that embed an IPv4 address
   (IPv4-mapped, 6to4, Teredo, NAT64) are checked on the embedded address too.
4. Return one checked address; the client connects to exactly that address
   (no second lookup that DNS rebinding could answer differently).

A host in the subscription's allowlist skips step 3 (the admin's explicit
override for an intranet receiver); it is still resolved and pinned.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(Exception):
    """The URL may not be requested; the message is fit to show an admin."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL, lower case, without brackets
    port: int
    path: str  # path and query, never empty
    address: str  # the checked IP address to connect to
    username: str = ""
    password: str = ""

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse(url: str) -> tuple[str, str, int, str, str, str]:
    """Scheme, host, port, path+query, username, password of an http(s) URL."""
    if not isinstance(url, str) or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise UnsafeURL(_("The URL contains spaces or control characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL(_("The URL is not valid."))
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL(_("Only http and https URLs can be called."))
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeURL(_("The URL has no host."))
    port = port or (443 if scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port, path, parts.username or "", parts.password or ""


def forbidden_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why Okno must not connect to `ip`, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return forbidden_reason(ip.ipv4_mapped)
        if ip.sixtofour is not None and forbidden_reason(ip.sixtofour):
            return "6to4 " + forbidden_reason(ip.sixtofour)
        if ip.teredo is not None:
            for inner in ip.teredo:
                if forbidden_reason(inner):
                    return "teredo " + forbidden_reason(inner)
        if ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            if forbidden_reason(embedded):
                return "nat64 " + forbidden_reason(embedded)
    for name in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name
    if not ip.is_global:  # shared address space 100.64/10 and the like
        return "not global"
    return None


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeURL(_("The host %(host)s could not be resolved.") % {"host": host})
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeURL(_("The host %(host)s could not be resolved.") % {"host": host})
    return addresses


def normalize_host(value: str) -> str:
    """How an allowlist entry is compared with a URL's host."""
    value = value.strip().lower().rstrip(".")
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value


def check(url: str, allow_hosts=()) -> Target:
    """The target to connect to, or `UnsafeURL` before any connection is made."""
    scheme, host, port, path, username, password = parse(url)
    addresses = resolve(host, port)
    allowed = {normalize_host(h) for h in allow_hosts if h and h.strip()}
    if normalize_host(host) not in allowed:
        for address in addresses:
            reason = forbidden_reason(ipaddress.ip_address(address))
            if reason:
                raise UnsafeURL(
                    _("%(host)s resolves to a non-public address (%(address)s, %(reason)s).")
                    % {"host": host, "address": address, "reason": reason}
                )
    return Target(scheme, host, port, path, addresses[0], username, password)
