"""A wheel's ZIP records, read once, so that every unzipper sees the same files (APPNOTE.TXT 4.3).

An installer may read a ZIP from its central directory at the end (pip, via
Python's zipfile) or stream it from the first local header (some scanners and
unpackers). A crafted file can show each of them different contents: two
records of one name, a local header that names or sizes its file otherwise than
the directory, a second archive before the first file, between files, after the
end record or inside its comment, or files that overlap. As PyPI has since
2025, such a wheel is refused, each case with its own reason.

The sizes that decide memory (how many records, how long the central directory,
how large one record's extra fields) are checked from the end record before
anything they describe is read.
"""

import struct

from .limits import CENTRAL_DIRECTORY_MAX, MEMBERS_MAX, ZIP_EXTRA_MAX, invalid, zip_not_accepted

LOCAL = struct.Struct("<4sHHHHHIIIHH")  # signature, version, flags, method, time, date, crc, sizes, name and extra lengths
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # … and comment length, disk, attributes, local header offset
END = struct.Struct("<4sHHHHIIH")  # signature, disks, records (on this disk, in all), directory size and offset, comment
END64 = struct.Struct("<4sQHHIIQQQQ")
END64_LOCATOR = struct.Struct("<4sIQI")
LOCAL_SIGNATURE, CENTRAL_SIGNATURE = b"PK\x03\x04", b"PK\x01\x02"
END_SIGNATURE, END64_SIGNATURE, END64_LOCATOR_SIGNATURE = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"

ZIP64_EXTRA, UNICODE_PATH_EXTRA = 0x0001, 0x7075
FLAG_ENCRYPTED, FLAG_DATA_DESCRIPTOR, FLAG_UTF8 = 0x0001, 0x0008, 0x0800
UNPRINTABLE = frozenset(range(0x20)) | {0x7F}
MASK32 = 0xFFFFFFFF


class _Entry:
    __slots__ = ("name", "flags", "method", "crc", "compressed_size", "size", "offset")

    def __init__(self, name, flags, method, crc, compressed_size, size, offset):
        self.name, self.flags, self.method, self.crc = name, flags, method, crc
        self.compressed_size, self.size, self.offset = compressed_size, size, offset


def _read_exactly(fileobj, offset, length):
    fileobj.seek(offset)
    data = fileobj.read(length)
    if len(data) != length:
        raise zip_not_accepted("Malformed zip file")
    return data


def _extra_fields(extra):
    """The extra fields as {id: data}; malformed or repeated fields are refused."""
    if len(extra) > ZIP_EXTRA_MAX:
        raise zip_not_accepted(f"Extra field too large ({len(extra):,} bytes; at most {ZIP_EXTRA_MAX:,})")
    fields = {}
    position = 0
    while position < len(extra):
        if position + 4 > len(extra):
            raise zip_not_accepted("Malformed zip file")
        field_id, length = struct.unpack_from("<HH", extra, position)
        if position + 4 + length > len(extra):
            raise zip_not_accepted("Malformed zip file")
        if field_id in fields and field_id in (ZIP64_EXTRA, UNICODE_PATH_EXTRA):
            raise zip_not_accepted("Invalid duplicate extra field")
        fields[field_id] = extra[position + 4 : position + 4 + length]
        position += 4 + length
    return fields


def _zip64_values(fields, values):
    """`values` (sizes and offset as 32-bit fields) with each 0xFFFFFFFF replaced from the ZIP64 extra field, in order."""
    data = fields.get(ZIP64_EXTRA, b"")
    result, position = [], 0
    for value in values:
        if value == MASK32:
            if position + 8 > len(data):
                raise zip_not_accepted("Malformed zip file")
            (value,) = struct.unpack_from("<Q", data, position)
            position += 8
        result.append(value)
    return result


def _check_name(name, fields, flags):
    if any(byte in UNPRINTABLE for byte in name):
        raise zip_not_accepted("Invalid character in filename")
    unicode_path = fields.get(UNICODE_PATH_EXTRA)
    if unicode_path is not None:
        # Info-ZIP's unzip takes the name from here, Python's zipfile from the record: they must agree.
        encoding = "utf-8" if flags & FLAG_UTF8 else "cp437"
        if unicode_path[5:] != name.decode(encoding, "replace").encode("utf-8"):
            raise zip_not_accepted("Filename differs in the Unicode path extra field")


def _end_of_directory(fileobj, size):
    """(records, directory size, directory offset, where the directory must end), from the end records."""
    if size < END.size:
        raise invalid("The wheel is not a valid zip file.")
    tail_start = max(0, size - END.size - 0xFFFF)
    tail = _read_exactly(fileobj, tail_start, size - tail_start)
    # The last signature that has room for a whole end record after it (its own fields may contain the bytes).
    position = tail.rfind(END_SIGNATURE, 0, len(tail) - END.size + len(END_SIGNATURE))
    if position < 0:
        raise invalid("The wheel is not a valid zip file.")
    _, disk, directory_disk, disk_records, records, directory_size, directory_offset, comment_length = END.unpack_from(
        tail, position
    )
    record_end = position + END.size + comment_length
    if comment_length and record_end == len(tail):
        # A comment is never needed in a wheel, and can carry a second archive.
        raise zip_not_accepted("Comment in archive")
    if record_end != len(tail):
        raise zip_not_accepted("Trailing data")
    end_offset = tail_start + position
    locator_offset = end_offset - END64_LOCATOR.size
    if locator_offset >= 0 and _read_exactly(fileobj, locator_offset, 4) == END64_LOCATOR_SIGNATURE:
        _, _, end64_offset, _ = END64_LOCATOR.unpack(_read_exactly(fileobj, locator_offset, END64_LOCATOR.size))
        if end64_offset + END64.size != locator_offset:
            raise zip_not_accepted("Malformed zip file")
        record = END64.unpack(_read_exactly(fileobj, end64_offset, END64.size))
        if record[0] != END64_SIGNATURE or record[1] != END64.size - 12:
            raise zip_not_accepted("Malformed zip file")
        disk, directory_disk, disk_records, records, directory_size, directory_offset = record[4:]
        end_offset = end64_offset
    elif MASK32 in (directory_size, directory_offset) or records == 0xFFFF:
        raise zip_not_accepted("Malformed zip file")
    if disk or directory_disk or disk_records != records:
        raise zip_not_accepted("Malformed zip file")
    if records > MEMBERS_MAX:
        raise zip_not_accepted(f"Too many files ({records:,}; at most {MEMBERS_MAX:,})")
    if directory_size > CENTRAL_DIRECTORY_MAX:
        raise zip_not_accepted(f"Central directory too large ({directory_size:,} bytes; at most {CENTRAL_DIRECTORY_MAX:,})")
    if directory_offset + directory_size < end_offset:
        # Python's zipfile would shift every offset and read the archive at the end: what lies
        # before it is either an earlier archive (this one was appended) or other leading data.
        earlier = tail.rfind(END_SIGNATURE, 0, position)
        while earlier >= 0 and not _closes_directory(tail, earlier, tail_start):
            earlier = tail.rfind(END_SIGNATURE, 0, earlier)
        if earlier < 0:
            raise zip_not_accepted("Leading data")
        (comment_length,) = struct.unpack_from("<H", tail, earlier + END.size - 2)
        # The real end record's comment runs to the end of the file: the other archive hides in it.
        raise zip_not_accepted("Comment in archive" if earlier + END.size + comment_length == len(tail) else "Trailing data")
    if directory_offset + directory_size != end_offset:
        raise zip_not_accepted("Mismatched central directory offset")
    return records, directory_size, directory_offset


def _closes_directory(tail, position, tail_start):
    """Whether the end record at `position` of the tail ends a central directory that lies just before it."""
    if position + END.size > len(tail):
        return False
    *_, directory_size, directory_offset, _ = END.unpack_from(tail, position)
    return directory_offset + directory_size == tail_start + position


def _central_directory(fileobj, *, records, directory_size, directory_offset):
    """The entries of the central directory, in its order."""
    directory = _read_exactly(fileobj, directory_offset, directory_size)
    entries, names, position = [], set(), 0
    while position < directory_size:
        if position + CENTRAL.size > directory_size:
            raise zip_not_accepted("Mismatched central directory size")
        (
            signature, _, _, flags, method, _, _, crc, compressed_size, size,
            name_length, extra_length, comment_length, disk, _, _, offset,
        ) = CENTRAL.unpack_from(directory, position)
        if signature != CENTRAL_SIGNATURE:
            raise zip_not_accepted("Mismatched central directory size")
        if len(entries) == records:
            raise zip_not_accepted("Mismatched central directory records")
        if comment_length:
            raise zip_not_accepted("Comment in central directory")
        start = position + CENTRAL.size
        name = directory[start : start + name_length]
        fields = _extra_fields(directory[start + name_length : start + name_length + extra_length])
        position = start + name_length + extra_length
        if position > directory_size:
            raise zip_not_accepted("Mismatched central directory size")
        size, compressed_size, offset = _zip64_values(fields, (size, compressed_size, offset))
        if disk not in (0, 0xFFFF):
            raise zip_not_accepted("Malformed zip file")
        _check_name(name, fields, flags)
        if name in names:
            raise zip_not_accepted("Duplicate filename in central directory")
        names.add(name)
        entries.append(_Entry(name, flags, method, crc, compressed_size, size, offset))
    if len(entries) != records:
        raise zip_not_accepted("Mismatched central directory records")
    return entries, names


def _check_local_header(fileobj, entry, names):
    """The local header at `entry.offset` says what the central directory says; returns where its data ends."""
    header = fileobj.read(LOCAL.size)
    if len(header) != LOCAL.size:
        raise zip_not_accepted("Malformed zip file")
    signature, _, flags, method, _, _, crc, compressed_size, size, name_length, extra_length = LOCAL.unpack(header)
    if signature != LOCAL_SIGNATURE:
        raise zip_not_accepted("Unknown record signature")
    if extra_length > ZIP_EXTRA_MAX:
        raise zip_not_accepted(f"Extra field too large ({extra_length:,} bytes; at most {ZIP_EXTRA_MAX:,})")
    name = fileobj.read(name_length)
    fields = _extra_fields(fileobj.read(extra_length))
    if (flags | entry.flags) & FLAG_DATA_DESCRIPTOR:
        raise zip_not_accepted("ZIP contains a data descriptor")
    if (flags | entry.flags) & FLAG_ENCRYPTED:
        raise zip_not_accepted("ZIP contains an encrypted file")
    if name != entry.name:
        raise zip_not_accepted(
            "Duplicate filename in local headers" if name in names else "Filename not in central directory"
        )
    if (flags ^ entry.flags) & FLAG_UTF8:
        raise zip_not_accepted("Mis-matched filename encoding")
    _check_name(name, fields, flags)
    size, compressed_size = _zip64_values(fields, (size, compressed_size))
    if method != entry.method:
        raise zip_not_accepted("Mis-matched compression method")
    if compressed_size != entry.compressed_size:
        raise zip_not_accepted("Mis-matched data size")
    if size != entry.size:
        raise zip_not_accepted("Mis-matched file size")
    if crc != entry.crc:
        raise zip_not_accepted("Mis-matched checksum")
    return entry.offset + LOCAL.size + name_length + extra_length + compressed_size


def check_zip_records(fileobj, *, size):
    """Refuse a ZIP whose records are too many, too large, or read differently from the start and from the end.

    The files must lie one after another from the first byte to the central
    directory, each local header agreeing with its directory record, and the end
    record must close the file.
    """
    records, directory_size, directory_offset = _end_of_directory(fileobj, size)
    entries, names = _central_directory(
        fileobj, records=records, directory_size=directory_size, directory_offset=directory_offset
    )
    expected = 0
    for entry in sorted(entries, key=lambda e: e.offset):
        if entry.offset < expected:
            raise zip_not_accepted("Overlapping files")
        if entry.offset > expected:
            raise zip_not_accepted("Leading data" if expected == 0 else "Data between files")
        fileobj.seek(entry.offset)
        expected = _check_local_header(fileobj, entry, names)
    if expected > directory_offset:
        raise zip_not_accepted("Overlapping files")
    if expected < directory_offset:
        raise zip_not_accepted("Leading data" if expected == 0 else "Data between files")
