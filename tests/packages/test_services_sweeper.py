import os
import time
from io import StringIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from tests.packages.factories import FileFactory


def _age(media_root, name, seconds):
    past = time.time() - seconds
    os.utime(media_root / name, (past, past))


def test_sweeper_deletes_old_orphans_and_keeps_real_and_fresh_files(db, media_root):
    real = FileFactory(stored=True, metadata=b"Metadata-Version: 2.1\n")
    default_storage.save("aa/bb/cc/orphan-1.0.tar.gz", ContentFile(b"x"))
    default_storage.save("aa/bb/dd/fresh-1.0.tar.gz", ContentFile(b"x"))
    for name in (real.path, real.path + ".metadata", "aa/bb/cc/orphan-1.0.tar.gz"):
        _age(media_root, name, 3 * 3600)

    out = StringIO()
    call_command("sweep_orphan_files", "--dry-run", stdout=out)
    assert "orphan: aa/bb/cc/orphan-1.0.tar.gz" in out.getvalue()
    assert default_storage.exists("aa/bb/cc/orphan-1.0.tar.gz")

    out = StringIO()
    call_command("sweep_orphan_files", stdout=out)
    assert "1 orphaned file deleted." in out.getvalue()
    assert not default_storage.exists("aa/bb/cc/orphan-1.0.tar.gz")
    assert default_storage.exists("aa/bb/dd/fresh-1.0.tar.gz")
    assert default_storage.exists(real.path) and default_storage.exists(real.path + ".metadata")


def test_sweeper_keeps_a_file_whose_age_the_storage_cannot_tell(db, media_root, monkeypatch):
    default_storage.save("aa/bb/ee/uploading-1.0.tar.gz", ContentFile(b"x"))
    _age(media_root, "aa/bb/ee/uploading-1.0.tar.gz", 3 * 3600)

    def no_age(name):
        raise NotImplementedError("this storage does not know modification times")

    monkeypatch.setattr(default_storage, "get_modified_time", no_age)
    out = StringIO()
    call_command("sweep_orphan_files", stdout=out, stderr=StringIO())
    assert default_storage.exists("aa/bb/ee/uploading-1.0.tar.gz")
    assert "0 orphaned files deleted." in out.getvalue()
    assert "1 unreferenced file kept: age unknown." in out.getvalue()
