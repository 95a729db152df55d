"""Fixed-window rate limits in the Django cache (local memory or Redis).

Good enough against form spam and login-link floods; not an accounting system.
"""

import hashlib

from django.core.cache import cache

WINDOW = 10 * 60
LIMIT = 5


def _key(scope: str, ident: str) -> str:
    # Hash the identifier: emails and IPv6 addresses are not safe cache-key material.
    digest = hashlib.sha256(ident.strip().lower().encode()).hexdigest()[:32]
    return f"okno:portal:rl:{scope}:{digest}"


def hit(scope: str, ident: str, *, limit: int = LIMIT, window: int = WINDOW) -> bool:
    """Count one attempt; True while the attempts in this window stay within `limit`."""
    if not ident:
        return True
    key = _key(scope, ident)
    cache.add(key, 0, timeout=window)  # starts the window; no-op when it is running
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def hit_all(scope: str, idents: dict[str, str], **kwargs) -> bool:
    """Count an attempt against several identities (ip, email); allowed only if all are."""
    results = [hit(f"{scope}:{name}", value, **kwargs) for name, value in idents.items()]
    return all(results)
