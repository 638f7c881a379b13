"""The reader: paths, gzip by magic bytes, multi-member and damaged gzip, chunk offsets, line classification."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from oars_platform.sources.tracking_logs import (
    Chunk,
    FileError,
    Skip,
    expand_paths,
    iter_chunks,
    parse_line,
)

LINES = [json.dumps({"name": f"event.{index}", "n": index}).encode() for index in range(50)]


def chunks_of(path: Path, size: int, limit: int | None = None) -> list[Chunk | FileError]:
    return list(iter_chunks(path, size, limit))


def lines_of(items: list[Chunk | FileError]) -> list[bytes]:
    return [line for item in items if isinstance(item, Chunk) for line in item.lines]


def test_expand_paths_reads_files_directories_recursively_and_globs(tmp_path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/tracking.log", "a/b/tracking.log.1", "a/b/tracking.log.2.gz", "top.log"):
        (tmp_path / name).write_text("x\n")

    assert expand_paths([tmp_path / "a"]) == [tmp_path / "a/b/tracking.log.1", tmp_path / "a/b/tracking.log.2.gz",
                                              tmp_path / "a/tracking.log"]
    assert expand_paths([str(tmp_path / "**" / "tracking.log.*")]) == [tmp_path / "a/b/tracking.log.1",
                                                                       tmp_path / "a/b/tracking.log.2.gz"]
    # the same file named twice is read once
    assert expand_paths([tmp_path / "top.log", str(tmp_path / "*.log")]) == [tmp_path / "top.log"]
    with pytest.raises(FileNotFoundError):
        expand_paths([tmp_path / "nothing*.log"])


def test_gzip_is_recognised_by_content_not_name(tmp_path) -> None:
    (tmp_path / "looks-plain.log").write_bytes(gzip.compress(b"\n".join(LINES) + b"\n"))
    (tmp_path / "looks-gzipped.gz").write_bytes(b"\n".join(LINES) + b"\n")

    assert lines_of(chunks_of(tmp_path / "looks-plain.log", 7)) == LINES
    assert lines_of(chunks_of(tmp_path / "looks-gzipped.gz", 7)) == LINES


def test_concatenated_gzip_members_are_all_read(tmp_path) -> None:
    members = [gzip.compress(b"\n".join(LINES[start:start + 10]) + b"\n") for start in range(0, 50, 10)]
    (tmp_path / "t.gz").write_bytes(b"".join(members))

    assert lines_of(chunks_of(tmp_path / "t.gz", 8)) == LINES


@pytest.mark.parametrize("compress", [False, True])
def test_chunks_are_bounded_and_offsets_point_at_their_lines(tmp_path, compress) -> None:
    text = b"\n".join(LINES)  # no final newline: the last line is still read
    path = tmp_path / "t.log"
    path.write_bytes(gzip.compress(text) if compress else text)

    items = chunks_of(path, 6)

    assert all(isinstance(item, Chunk) and 0 < len(item.lines) <= 6 for item in items)
    assert lines_of(items) == LINES
    for item in items:
        assert text[item.start:item.end].rstrip(b"\n").split(b"\n") == item.lines
    assert items[-1].end == len(text) + 1 and items[-1].read_to == path.stat().st_size


def test_limit_stops_after_that_many_lines(tmp_path) -> None:
    (tmp_path / "t.log").write_bytes(b"\n".join(LINES) + b"\n")
    assert lines_of(chunks_of(tmp_path / "t.log", 4, limit=9)) == LINES[:9]
    assert lines_of(chunks_of(tmp_path / "t.log", 100, limit=9)) == LINES[:9]


def test_a_damaged_gzip_gives_its_readable_lines_then_a_file_error(tmp_path) -> None:
    data = gzip.compress(b"\n".join(LINES) + b"\n")
    (tmp_path / "cut.gz").write_bytes(data[: len(data) - 40])
    (tmp_path / "garbage.gz").write_bytes(data[:10] + b"\x00" * 200)

    cut = chunks_of(tmp_path / "cut.gz", 10)
    assert isinstance(cut[-1], FileError) and "ended before" in cut[-1].detail
    read = lines_of(cut)
    assert read[:-1] == LINES[: len(read) - 1] and len(read) > 10
    garbage = chunks_of(tmp_path / "garbage.gz", 10)
    assert len(garbage) == 1 and isinstance(garbage[0], FileError)


def test_a_missing_file_is_a_file_error(tmp_path) -> None:
    (item,) = chunks_of(tmp_path / "gone.log", 10)
    assert isinstance(item, FileError) and "cannot open" in item.detail


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"", Skip.BLANK),
        (b" \t\r", Skip.BLANK),
        (b"hello", Skip.NOT_JSON),
        (b'{"name": "x", "context": {', Skip.NOT_JSON),
        (b"[1, 2]", Skip.NOT_JSON),
        (b'{"name": "x"} trailing } brace', Skip.NOT_JSON),
        (b'\xff\xfe{"name": "x"}', "x"),
        (b'{"name": "caf\xc3\xa9", "bad": "\xff"}', Skip.NOT_UTF8),
        (b'{"event_type": "play_video"}', Skip.NO_NAME),
        (b'{"name": null}', Skip.NO_NAME),
        (b'{"name": 3}', Skip.NO_NAME),
        (b'{"name": "play_video"}\r', "play_video"),
        (b'Mar  4 08:00:01 lms-1 tracking[42]: {"name": "play_video"}', "play_video"),
        (b'2024-03-04 08:00:01,123 INFO 20 [tracking] [user 7] logger.py:41 - {"name": "a", "x": {"y": 1}}  ', "a"),
    ],
)
def test_parse_line(line: bytes, expected) -> None:
    parsed = parse_line(line)
    if isinstance(expected, Skip):
        assert parsed == expected
    else:
        event, text = parsed
        assert event["name"] == expected
        assert json.loads(text) == event


def test_lines_parse_to_events_or_reasons(tmp_path) -> None:
    (tmp_path / "t.log").write_bytes(b'{"name": "a"}\n\nnot json\n{"name": "b"}\n')
    parsed = []
    for chunk in chunks_of(tmp_path / "t.log", 1000):
        offset = chunk.start
        for line in chunk.lines:
            result = parse_line(line)
            parsed.append((offset, result if isinstance(result, Skip) else result[0]))
            offset += len(line) + 1
    assert parsed == [
        (0, {"name": "a"}), (14, Skip.BLANK), (15, Skip.NOT_JSON), (24, {"name": "b"})
    ]
