"""Files of an OLX course export, from a directory or a ``.tar.gz``, and safe XML parsing.

Studio exports a course as a tarball whose single top folder holds ``course.xml``; operators often unpack it. Both
shapes are read through :class:`ExportFiles`, which finds ``course.xml`` and answers relative paths, never extracting
anything to disk (so member names like ``../x`` cannot write outside a folder: they are just dictionary keys).

XML comes from operators, not learners, but an export is still a file from elsewhere: entity declarations (the
"billion laughs" expansion and external entities) are refused, as defusedxml would; nothing else is needed because
the parser never fetches URLs.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import tarfile
from pathlib import Path
from xml.etree import ElementTree


class OlxError(ValueError):
    """The path is not a readable OLX course export; the message says why."""


def parse_xml(data: bytes, name: str) -> ElementTree.Element:
    """Parse ``data`` (the file ``name``), refusing documents that declare entities."""
    text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8", "replace")
    if "<!ENTITY" in text.upper():
        raise OlxError(f"{name}: XML entity declarations are not allowed in a course export")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise OlxError(f"{name}: not well-formed XML ({exc})") from None


class ExportFiles:
    """Read-only access to the files of one export, by path relative to the folder holding ``course.xml``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self._files = _directory_files(self.path)
            self.modified = _newest_mtime(self.path)
            self._tar: tarfile.TarFile | None = None
        elif self.path.is_file():
            self._tar, self._files = _tar_files(self.path)
            self.modified = dt.datetime.fromtimestamp(self.path.stat().st_mtime, dt.UTC)
        else:
            raise OlxError(f"{self.path}: no such file or directory")

    def close(self) -> None:
        """Close the tarball, if any."""
        if self._tar is not None:
            self._tar.close()

    def __enter__(self) -> ExportFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, relative: str) -> bytes | None:
        """The file's bytes, or None when the export has no such file."""
        member = self._files.get(relative)
        if member is None:
            return None
        if isinstance(member, Path):
            return member.read_bytes()
        assert self._tar is not None
        handle = self._tar.extractfile(member)
        return None if handle is None else handle.read()

    def xml(self, relative: str) -> ElementTree.Element | None:
        """The parsed XML file, or None when absent."""
        data = self.read(relative)
        return None if data is None else parse_xml(data, relative)

    def names_in(self, folder: str) -> list[str]:
        """Relative paths of the files directly in ``folder``, sorted."""
        prefix = folder.rstrip("/") + "/"
        return sorted(name for name in self._files if name.startswith(prefix) and "/" not in name[len(prefix) :])


def _directory_files(root: Path) -> dict[str, Path]:
    course_xml = _shallowest([p.relative_to(root).as_posix() for p in root.rglob("course.xml")], root)
    base = root / posixpath.dirname(course_xml)
    return {p.relative_to(base).as_posix(): p for p in base.rglob("*") if p.is_file() and not p.is_symlink()}


def _tar_files(path: Path) -> tuple[tarfile.TarFile, dict[str, tarfile.TarInfo]]:
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 - kept open for reads, closed by ExportFiles.close
    except (tarfile.TarError, OSError) as exc:
        raise OlxError(f"{path}: not a tar archive ({exc})") from None
    members = {posixpath.normpath(m.name.lstrip("./")): m for m in tar.getmembers() if m.isfile()}
    course_xml = _shallowest([name for name in members if posixpath.basename(name) == "course.xml"], path)
    base = posixpath.dirname(course_xml)
    prefix = f"{base}/" if base else ""
    return tar, {name[len(prefix) :]: m for name, m in members.items() if name.startswith(prefix)}


def _shallowest(candidates: list[str], where: Path) -> str:
    if not candidates:
        raise OlxError(f"{where}: no course.xml found (is this an Open edX course export?)")
    return min(candidates, key=lambda name: (name.count("/"), name))


def _newest_mtime(root: Path) -> dt.datetime:
    newest = max((p.stat().st_mtime for p in root.rglob("*") if p.is_file()), default=root.stat().st_mtime)
    return dt.datetime.fromtimestamp(newest, dt.UTC)
