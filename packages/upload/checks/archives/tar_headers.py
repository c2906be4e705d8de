"""A tar reader for sdists that looks at each extended header's size before reading it.

Python's tarfile reads a PAX extended header or a GNU long name whole, however
large its 512-byte header says it is, and follows a run of them by recursion;
so a .tar.gz of a few hundred kilobytes can make it allocate gigabytes or
recurse until it fails. `open_sdist` returns a TarFile whose headers go through
`BoundedTarInfo`, which refuses an extended header over TAR_EXTENDED_HEADER_MAX,
a run of more than TAR_EXTENDED_RUN_MAX of them before one member, more than
TAR_EXTENDED_HEADER_MAX of global PAX headers in all, and GNU sparse files
(their maps also grow without bound), before reading what they announce.

tarfile documents `_proc_member` as the place a subclass adds its own handling.
"""

import tarfile

from .limits import TAR_EXTENDED_HEADER_MAX, TAR_EXTENDED_RUN_MAX, invalid

_EXTENDED = {
    tarfile.XHDTYPE: "PAX extended header",
    tarfile.SOLARIS_XHDTYPE: "PAX extended header",
    tarfile.XGLTYPE: "PAX global header",
    tarfile.GNUTYPE_LONGNAME: "GNU long name",
    tarfile.GNUTYPE_LONGLINK: "GNU long link name",
}


class BoundedTarInfo(tarfile.TarInfo):
    def _proc_member(self, tarfile_):
        kind = _EXTENDED.get(self.type)
        if self.type == tarfile.GNUTYPE_SPARSE:
            raise invalid(f"The sdist contains a sparse file ({self.name!r}); sparse files are not allowed.")
        if kind is None:
            return super()._proc_member(tarfile_)
        if self.size > TAR_EXTENDED_HEADER_MAX:
            raise invalid(
                f"The sdist has a {kind} of {self.size:,} bytes; at most {TAR_EXTENDED_HEADER_MAX:,} bytes are allowed."
            )
        if self.type == tarfile.XGLTYPE:
            tarfile_.global_header_bytes += self.size
            if tarfile_.global_header_bytes > TAR_EXTENDED_HEADER_MAX:
                raise invalid(
                    f"The sdist's PAX global headers are more than {TAR_EXTENDED_HEADER_MAX:,} bytes in all."
                )
        tarfile_.extended_run += 1
        try:
            if tarfile_.extended_run > TAR_EXTENDED_RUN_MAX:
                raise invalid(f"The sdist has more than {TAR_EXTENDED_RUN_MAX} extended headers in a row.")
            # Reads this header's data, then the member it describes (through this method again).
            return super()._proc_member(tarfile_)
        finally:
            tarfile_.extended_run -= 1


class BoundedTarFile(tarfile.TarFile):
    tarinfo = BoundedTarInfo
    # Set before TarFile.__init__ reads the first header.
    extended_run = 0
    global_header_bytes = 0


def open_sdist(fileobj):
    """The gzip tar in `fileobj`, read through BoundedTarInfo; raises tarfile's errors for what is not one."""
    return BoundedTarFile.open(fileobj=fileobj, mode="r:gz")
