"""What is inside the file, in three rooms.

- limits: how big an archive's headers and member counts may be, and the refusals that say so
- zip_records: the wheel's ZIP records read once, so that every unzipper sees the same files
- tar_headers: a tar reader that refuses oversized or endless extended headers before reading them
- contents: the framing, paths and core-metadata file a wheel or an sdist must have

Every limit is checked before the bytes it guards are read, so a small upload
cannot make a worker allocate more than it sent.
"""

from .contents import sdist_metadata, wheel_metadata

__all__ = ["sdist_metadata", "wheel_metadata"]
