from django.core.files.storage import default_storage

from packages.models import FilenameRegistry
from tests.packages.factories import FileFactory


def test_stored_file_factory_writes_bytes_and_metadata(db, media_root):
    file = FileFactory(content=b"wheel bytes", metadata=b"Metadata-Version: 2.1\n", stored=True)
    assert file.size == 11
    assert file.path.endswith("/" + file.filename)
    assert file.path[:2] == file.blake2_256_digest[:2]
    with default_storage.open(file.path) as f:
        assert f.read() == b"wheel bytes"
    with default_storage.open(file.path + ".metadata") as f:
        assert f.read() == b"Metadata-Version: 2.1\n"
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
