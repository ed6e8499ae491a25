"""The one zip form Palermo writes for files that cross a border, and the strict reader that accepts only it.

Every member is stored (not compressed), dated 1980-01-01 00:00, with Unix permissions 0644, no extra fields or
comments, in a fixed order, and no ZIP64. The reader parses the archive itself from its first byte and requires
the central directory and end record to be byte-for-byte the ones Palermo would write, so any byte changed
anywhere — content, header, date, attribute, directory, or data appended — is refused, naming the member. A
layout (custody bundle, exchange bundle) says which member names exist, their order, and their size limits.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from palermo.errors import InvalidInput, VerificationFailed

ZIP_LIMIT = 0xFFFFFFFF  # no ZIP64: offsets and sizes stay below 4 GiB
BLOCK = 1 << 20

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = 0x04034B50, 0x02014B50, 0x06054B50
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION  # Unix, so that unzip restores ordinary file permissions
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, 00:00: the bytes do not depend on when a file was written
_ATTRIBUTES = 0o100644 << 16

Content = bytes | Path


@dataclass(frozen=True)
class Layout:
    """What one kind of archive may hold: ``kind`` names it in messages ("custody bundle"); ``allowed`` tells a
    member name it may hold, ``order`` sorts members as they are written, ``kept`` says which members are read
    into memory (the others are only hashed, e.g. large files), ``limit`` gives a member's size limit (None: none).
    """

    kind: str
    allowed: Callable[[str], bool]
    order: Callable[[str], tuple[int, str]]
    kept: Callable[[str], bool]
    limit: Callable[[str], int | None]
    max_members: int


@dataclass(frozen=True)
class Member:
    """A member as found in the archive: name, where its content starts, size and SHA-256."""

    name: str
    offset: int
    size: int
    sha256: str


# --------------------------------------------------------------------------- writing


def _local_header(name: bytes, crc: int, size: int) -> bytes:
    return _LOCAL.pack(_LOCAL_SIG, _VERSION, 0, 0, 0, _DOS_DATE, crc, size, size, len(name), 0) + name


def _central_header(name: bytes, crc: int, size: int, offset: int) -> bytes:
    return _CENTRAL.pack(_CENTRAL_SIG, _MADE_BY, _VERSION, 0, 0, 0, _DOS_DATE, crc, size, size, len(name), 0, 0,
                         0, 0, _ATTRIBUTES, offset) + name


def _end_record(count: int, size: int, offset: int) -> bytes:
    return _END.pack(_END_SIG, 0, 0, count, count, size, offset, 0)


def size_of(content: Content) -> int:
    """The size in bytes of a member's content (bytes, or a file by its path)."""
    return len(content) if isinstance(content, bytes) else Path(content).stat().st_size


def chunks(content: Content) -> Iterator[bytes]:
    """A member's content in blocks of at most 1 MiB (a file is read as it goes)."""
    if isinstance(content, bytes):
        for i in range(0, len(content), BLOCK):
            yield content[i:i + BLOCK]
        return
    with Path(content).open("rb") as f:
        while block := f.read(BLOCK):
            yield block


def sha256_of(content: Content) -> str:
    """The SHA-256 (hex) of a member's content."""
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest()
    h = hashlib.sha256()
    for block in chunks(content):
        h.update(block)
    return h.hexdigest()


def _crc(content: Content) -> int:
    if isinstance(content, bytes):
        return zlib.crc32(content)
    crc = 0
    for block in chunks(content):
        crc = zlib.crc32(block, crc)
    return crc


def archive_size(members: Sequence[tuple[str, Content]]) -> int:
    """The size of the archive that ``write_archive`` would write for ``members``."""
    return sum(size_of(c) + 30 + 46 + 2 * len(n) for n, c in members) + 22


def write_archive(out: BinaryIO, members: Sequence[tuple[str, Content]], *, noun: str = "archive",
                  too_large: str = "") -> None:
    """Write ``members`` (name, content) in the one zip form, in the order given; InvalidInput past 4 GiB (the
    message calls the file a ``noun`` and ends with the advice ``too_large``)."""
    total = archive_size(members)
    if total > ZIP_LIMIT:
        raise InvalidInput(f"the {noun} would be {total} bytes; {noun}s stay below 4 GiB{too_large}")
    central: list[bytes] = []
    offset = 0
    for name, content in members:
        raw = name.encode("ascii")
        crc, size = _crc(content), size_of(content)
        header = _local_header(raw, crc, size)
        out.write(header)
        if isinstance(content, bytes):
            out.write(content)
        else:
            for block in chunks(content):
                out.write(block)
        central.append(_central_header(raw, crc, size, offset))
        offset += len(header) + size
    directory = b"".join(central)
    out.write(directory)
    out.write(_end_record(len(members), len(directory), offset))


def write_zip(path: Path, members: Sequence[tuple[str, Content]], *, noun: str = "archive",
              too_large: str = "") -> None:
    """Write the archive to ``path`` atomically (a temporary file beside it, synced, then renamed)."""
    if archive_size(members) > ZIP_LIMIT:
        write_archive(io.BytesIO(), members, noun=noun, too_large=too_large)  # raises the one message
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            write_archive(out, members, noun=noun, too_large=too_large)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- reading


def member_name(raw: bytes, where: str, layout: Layout) -> str:
    """A member name, refused if it is not ASCII, absolute, escapes the archive (zip-slip) or is not in the
    layout."""
    try:
        name = raw.decode("ascii")
    except UnicodeDecodeError:
        raise VerificationFailed(f"{where}: a member name is not plain ASCII") from None
    # A refused name is shown cut short: it comes from the file and may carry anything (a name, a whole record).
    shown = repr(name if len(name) <= 80 else name[:80] + "…")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise VerificationFailed(f"{where}: member {shown} has an absolute path")
    if ".." in name.replace("\\", "/").split("/") or "\\" in name:
        raise VerificationFailed(f"{where}: member {shown} points outside the {layout.kind.split()[-1]} (zip-slip)")
    if not layout.allowed(name):
        raise VerificationFailed(f"{where}: member {shown} is not part of {article(layout.kind)}")
    return name


def article(noun: str) -> str:
    """The noun with its indefinite article: 'an exchange bundle', 'a custody bundle'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _read_exact(f: BinaryIO, n: int, where: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise VerificationFailed(f"{where}: the archive ends early: it is truncated")
    return data


def read_archive(f: BinaryIO, total: int, label: str, layout: Layout) -> tuple[list[Member], dict[str, bytes]]:
    """Read an archive of ``total`` bytes from ``f`` (positioned at its start), accepting only the form
    ``write_archive`` gives for ``layout``: the members found, and the content of the members the layout keeps.
    VerificationFailed names the member for a truncated, damaged or altered archive, a foreign, duplicate or
    escaping name, members out of order or over their limit."""
    members: list[Member] = []
    crcs: list[int] = []
    kept: dict[str, bytes] = {}
    names: set[str] = set()
    start = f.tell()
    while True:
        offset = f.tell() - start
        signature = f.read(4)
        if signature != struct.pack("<I", _LOCAL_SIG):
            f.seek(start + offset)
            break
        if len(members) >= layout.max_members:
            raise VerificationFailed(f"{label}: more than {layout.max_members} members")
        fields = _LOCAL.unpack(signature + _read_exact(f, _LOCAL.size - 4, f"{label}, member {len(members) + 1}"))
        _sig, version, flags, method, time, date, crc, csize, size, name_len, extra_len = fields
        name = member_name(_read_exact(f, name_len, f"{label}, member {len(members) + 1}"), label, layout)
        where = f"{label}, member {name}"
        if (version, flags, method, time, date, extra_len) != (_VERSION, 0, 0, 0, _DOS_DATE, 0) or csize != size:
            raise VerificationFailed(f"{where}: the member's header is not the one Palermo writes (compressed, "
                                     "dated or with extra fields): the archive was altered")
        if name in names:
            raise VerificationFailed(f"{where}: the name occurs twice")
        if members and layout.order(name) <= layout.order(members[-1].name):
            raise VerificationFailed(f"{where}: members are not in the order Palermo writes them")
        limit = layout.limit(name)
        if limit is not None and size > limit:
            raise VerificationFailed(f"{where}: {size} bytes, over the limit of {limit}")
        if offset + _LOCAL.size + name_len + size > total:
            raise VerificationFailed(f"{where}: the archive ends early: it is truncated")
        keep = layout.kept(name)
        digest, running, parts = hashlib.sha256(), 0, []
        left = size
        while left:
            block = _read_exact(f, min(left, BLOCK), where)
            digest.update(block)
            running = zlib.crc32(block, running)
            if keep:
                parts.append(block)
            left -= len(block)
        if running != crc:
            raise VerificationFailed(f"{where}: the content does not match its checksum: the member is damaged "
                                     "or was altered")
        if keep:
            kept[name] = b"".join(parts)
        members.append(Member(name, offset + _LOCAL.size + name_len, size, digest.hexdigest()))
        names.add(name)
        crcs.append(crc)
    if not members:
        raise VerificationFailed(f"{label}: not {article(layout.kind)} (no archive member at its start)")
    directory_offset = f.tell() - start
    expected = b"".join(_central_header(m.name.encode(), c, m.size, m.offset - _LOCAL.size - len(m.name))
                        for m, c in zip(members, crcs, strict=True))
    tail = expected + _end_record(len(members), len(expected), directory_offset)
    found = f.read(len(tail) + 1)
    if found != tail:
        if len(found) < len(tail) and tail.startswith(found):
            raise VerificationFailed(f"{label}: the archive ends early (in its directory): it is truncated")
        raise VerificationFailed(f"{label}: the archive's directory is not the one Palermo writes: the archive "
                                 "was altered, or data was added to it")
    return members, kept
