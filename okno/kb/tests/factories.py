"""Small helpers for KB tests: an article published in one call."""

from okno.kb.models import Visibility
from okno.kb.services import article_create


def published(actor, title, body="", **kwargs):
    kwargs.setdefault("visibility", Visibility.PUBLIC)
    return article_create(actor=actor, title=title, body_markdown=body, publish=True, **kwargs)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real (decodable) PNG: red pixels, built with zlib alone."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
