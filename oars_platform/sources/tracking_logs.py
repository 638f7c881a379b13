"""Read Open edX tracking logs: find the files, stream their lines with byte offsets, classify each line.

A site's history is a pile of rotated ``tracking.log*`` files, some gzipped (``logrotate`` names them ``.gz``, but
copies and downloads often lose the suffix), some written through syslog or Python logging with a prefix before the
JSON. This module turns paths into :class:`Chunk` s of raw lines and lines into events, and nothing else: no Django,
no ClickHouse, so worker processes can import it cheaply and tests can call it directly.

Memory is constant whatever the file size: files are read through a buffered stream and cut into chunks of a fixed
number of lines; nothing holds more than one chunk per consumer.
"""

from __future__ import annotations

import codecs
import glob
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import orjson

GZIP_MAGIC = b"\x1f\x8b"
_READ_BUFFER = 1 << 20


class Skip(StrEnum):
    """Why a line is not handed to the transform. Stable values: the command's summary prints them."""

    BLANK = "blank"  # empty or whitespace only
    NOT_JSON = "not_json"  # no JSON object in the line (garbage, a truncated write)
    NOT_UTF8 = "not_utf8"  # the line is not valid UTF-8 (a file written in another encoding, or damaged)
    NO_NAME = "no_name"  # a JSON object without a usable `name` (very old logs have only `event_type`)
    NOT_TRANSFORMED = "not_transformed"  # an event we do not transform (page views when off, unknown names)
    UNREADABLE_FILE = "unreadable_file"  # a file that cannot be opened, or a corrupt/truncated gzip stream


@dataclass(slots=True)
class Chunk:
    """Consecutive lines of one file, without their newlines.

    ``start``/``end`` are offsets in the *uncompressed* stream (``end`` exclusive), so a bad line can be found
    again; ``read_to`` is how far the file on disk has been read (compressed bytes for gzip), for progress bars.
    """

    path: str
    start: int
    end: int
    lines: list[bytes]
    read_to: int
    line: int = 1  # the number of the chunk's first line in its file (1-based), for messages
    encoding: str = "utf-8"  # what the file was read as (UTF-16 logs are decoded; offsets are then UTF-8's)


@dataclass(slots=True)
class FileError:
    """A file, or the rest of one, that could not be read; the replay counts it and goes on with the next file."""

    path: str
    offset: int
    detail: str


def expand_paths(patterns: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named by ``patterns``: files as given, directories recursively, globs (``**`` allowed) expanded.

    Sorted within each pattern and de-duplicated, so a replay reads files in a stable order. Raises
    ``FileNotFoundError`` for a pattern that matches nothing: a typo must not look like an empty history.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for pattern in patterns:
        text = os.fspath(pattern)
        candidates = [Path(text)] if Path(text).exists() else [Path(p) for p in sorted(glob.glob(text, recursive=True))]
        if not candidates:
            raise FileNotFoundError(f"no such file, directory or glob match: {text}")
        for candidate in candidates:
            files = sorted(p for p in candidate.rglob("*") if p.is_file()) if candidate.is_dir() else [candidate]
            for path in files:
                key = path.resolve()
                if key not in seen:
                    seen.add(key)
                    found.append(path)
    return found


#: Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def detect_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a log from its first bytes, and the length of its byte-order mark.

    Tracking logs are UTF-8; a log saved by an editor or a Windows tool may be UTF-16 (with or without a BOM) or
    carry a UTF-8 BOM. UTF-16/32 without a BOM is recognised by the zero bytes around the first ASCII characters
    (every tracking event starts with ``{"``).
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    if len(head) >= 4 and head[0] and not head[1] and not head[2] and not head[3]:
        return "utf-32-le", 0
    if len(head) >= 4 and not head[0] and not head[1] and not head[2] and head[3]:
        return "utf-32-be", 0
    if len(head) >= 2 and head[0] and not head[1]:
        return "utf-16-le", 0
    if len(head) >= 2 and not head[0] and head[1]:
        return "utf-16-be", 0
    return "utf-8", 0


def _as_utf8(blocks: Iterator[bytes], found: list[str]) -> Iterator[bytes]:
    """``blocks`` as UTF-8: a UTF-8 BOM dropped, UTF-16/32 decoded and re-encoded; ``found`` gets the encoding."""
    first = b""
    for block in blocks:
        first += block
        if len(first) >= 4:
            break
    encoding, bom = detect_encoding(first)
    found.append(encoding if not bom else f"{encoding} with BOM")
    if encoding == "utf-8":
        if first[bom:]:
            yield first[bom:]
        yield from blocks
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for block in _chain(first[bom:], blocks):
        text = decoder.decode(block)
        if text:
            yield text.encode("utf-8")
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail.encode("utf-8")


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


class _Source:
    """An open log file read in large blocks: plain bytes, or gzip (any number of members) decompressed on the fly.

    Reading blocks and splitting them with ``bytes.split`` costs a fraction of per-line ``readline`` through
    ``GzipFile``'s Python layers, and zlib releases the GIL while it inflates a block.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed in close()
        self.gzip = self.raw.read(2) == GZIP_MAGIC
        self.raw.seek(0)
        self.encodings: list[str] = []  # filled by _as_utf8 once the first bytes are read
        self.lines = 0  # lines cut into chunks so far

    def disk_position(self) -> int:
        """Bytes of the file on disk consumed so far."""
        return self.raw.tell()

    def blocks(self) -> Iterator[bytes]:
        """The uncompressed content, block by block. Raises ``zlib.error``/``EOFError`` on a damaged gzip stream.

        A gzip file may hold several members (``cat a.gz b.gz > c.gz``, as rotated logs often are): each member's
        end starts a fresh decompressor on the bytes left over.
        """
        inflater = zlib.decompressobj(wbits=31) if self.gzip else None
        in_member = False
        while block := self.raw.read(_READ_BUFFER):
            if inflater is None:
                yield block
                continue
            while block:
                in_member = True
                data = inflater.decompress(block)
                if data:
                    yield data
                if not inflater.eof:
                    break
                block, in_member = inflater.unused_data, False
                inflater = zlib.decompressobj(wbits=31)
        if in_member:
            raise EOFError("compressed file ended before the end-of-stream marker was reached")

    def close(self) -> None:
        """Close the file."""
        self.raw.close()


def iter_chunks(path: str | os.PathLike[str], lines_per_chunk: int, max_lines: int | None = None
                ) -> Iterator[Chunk | FileError]:
    """Stream ``path`` (plain or gzip, detected by magic bytes) as chunks of at most ``lines_per_chunk`` lines.

    Lines come without their newline; the last line may lack one (a file cut mid-write). A gzip stream that is
    corrupt or ends early yields a :class:`FileError` after the lines read before the damage, and stops.
    ``max_lines`` stops after that many lines (``--limit``). Memory: one block plus one chunk.
    """
    name = os.fspath(path)
    try:
        source = _Source(path)
    except OSError as exc:
        yield FileError(name, 0, f"cannot open: {exc.strerror or exc}")
        return
    remaining = max_lines if max_lines is not None else -1
    offset = 0
    pending: list[bytes] = []
    tail = b""
    try:
        try:
            for block in _as_utf8(source.blocks(), source.encodings):
                lines = (tail + block).split(b"\n")
                tail = lines.pop()
                pending.extend(lines)
                while len(pending) >= lines_per_chunk or (0 <= remaining <= len(pending)):
                    chunk, offset, remaining = _cut(name, pending, lines_per_chunk, offset, remaining, source)
                    pending = pending[len(chunk.lines):]
                    yield chunk
                    if remaining == 0:
                        return
        except (EOFError, OSError, zlib.error) as exc:
            if tail:  # the line cut by the damage: counted like any broken line
                pending.append(tail)
            if pending:
                chunk, offset, _ = _cut(name, pending, len(pending), offset, -1, source)
                yield chunk
            yield FileError(name, offset, f"unreadable after byte {offset}: {type(exc).__name__}: {exc}")
            return
        if tail:
            pending.append(tail)
        while pending and remaining != 0:
            chunk, offset, remaining = _cut(name, pending, lines_per_chunk, offset, remaining, source)
            pending = pending[len(chunk.lines):]
            yield chunk
    finally:
        source.close()


def _cut(name: str, pending: list[bytes], size: int, offset: int, remaining: int, source: _Source
         ) -> tuple[Chunk, int, int]:
    """The next chunk from ``pending`` (at most ``size`` lines, and at most ``remaining`` when that is >= 0)."""
    if remaining >= 0:
        size = min(size, remaining)
    lines = pending[:size]
    end = offset + sum(map(len, lines)) + len(lines)
    left = remaining - len(lines) if remaining >= 0 else -1
    chunk = Chunk(name, offset, end, lines, source.disk_position(), source.lines + 1,
                  source.encodings[0] if source.encodings else "utf-8")
    source.lines += len(lines)
    return chunk, end, left


def parse_line(line: bytes) -> tuple[dict[str, Any], bytes] | Skip:
    """The event of one log line and the JSON text it came from, or why the line is skipped.

    Accepts anything before the JSON object (syslog, ``logging`` prefixes) as ERB's replay does with
    ``^.*?(\\{.*\\})\\s*$``: the object runs from the first ``{`` to the last ``}``. The JSON text is returned so the
    transform can take the exact bytes (cheaper than re-serialising the dict, and quarantined verbatim).
    """
    event: Any = None
    text = line
    if line[:1] == b"{":  # the common case, a bare JSON line: one parse, no copies
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            event = None
    if event is None:
        text = line.strip()
        if not text:
            return Skip.BLANK
        start = text.find(b"{")
        end = text.rfind(b"}")
        if start < 0 or end < start:
            return Skip.NOT_JSON
        text = text[start:end + 1]
        try:
            event = orjson.loads(text)
        except orjson.JSONDecodeError:
            return Skip.NOT_UTF8 if not _is_utf8(text) else Skip.NOT_JSON
    if type(event) is not dict:
        return Skip.NOT_JSON
    name = event.get("name")
    if type(name) is not str or not name:
        return Skip.NO_NAME
    return event, text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


__all__ = [
    "Chunk", "FileError", "Skip", "detect_encoding", "expand_paths", "iter_chunks", "parse_line",
]
