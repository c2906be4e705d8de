"""How much an archive may ask of the reader, and the refusals that name what went over.

The limits sit far above what build tools write (the largest wheels on PyPI
hold some tens of thousands of files; an extended header holds a long path or a
few attributes), and low enough that checking the largest upload the site
accepts raises a worker's peak memory by well under 64 MB.
"""

from ..files import help_url
from ....errors import InvalidUpload

# Zip-bomb limits (REFERENCE §1): refuse more than 64 MiB unpacked at a ratio above 50.
MB = 1024 * 1024
BOMB_SIZE = 64 * MB
BOMB_RATIO = 50
# Largest core-metadata file read out of an archive.
METADATA_MAX_SIZE = 10 * MB
# Files (and directories) in one archive.
MEMBERS_MAX = 50_000
# A ZIP central directory is read whole: 50,000 records with paths of 100 characters fit in 8 MB.
CENTRAL_DIRECTORY_MAX = 8 * MB
# Extra fields of one ZIP record (timestamps, ZIP64 sizes and the like are tens of bytes).
ZIP_EXTRA_MAX = 1024
# One tar extended header (PAX 'x'/'g', GNU long name or link), all global PAX headers together,
# and how many extended headers may precede one member.
TAR_EXTENDED_HEADER_MAX = 64 * 1024
TAR_EXTENDED_RUN_MAX = 4


def invalid(reason):
    """The refusal of a distribution file whose contents are wrong."""
    return InvalidUpload(f"Invalid distribution file. {reason}")


def zip_not_accepted(reason):
    """The refusal of a wheel whose ZIP records are malformed or ambiguous, in PyPI's words."""
    return InvalidUpload(
        f"Invalid distribution file. ZIP archive not accepted: {reason}. "
        f"See {help_url('archives')} for more information."
    )


def check_bomb(unpacked, packed):
    if unpacked > BOMB_SIZE and unpacked > BOMB_RATIO * max(packed, 1):
        raise invalid("File exceeds the allowed compression ratio (a zip bomb?).")


def check_member_count(count, *, kind):
    if count > MEMBERS_MAX:
        raise invalid(f"The {kind} has more than {MEMBERS_MAX:,} files; that is more than any package needs.")
