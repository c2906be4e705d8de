"""Every refusal of /legacy/: the exact message in the reason phrase and the body, and nothing new anywhere.

Each case sets up what it needs, posts like twine does, and then checks that
no Project, Release, File, FilenameRegistry or JournalEntry row and no stored
file appeared beyond what the setup itself made.
"""

import dataclasses

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Email, SecurityEvent
from packages.models import (
    File,
    FilenameRegistry,
    JournalEntry,
    ProhibitedProjectName,
    Project,
    ProjectRole,
    Release,
)
from tests.packages.distributions import (
    make_sdist,
    make_wheel,
    metadata_text,
    upload_form,
)
from tests.packages.factories import ProjectFactory
from tests.tokens.factories import basic_auth_header, make_token

# What a refusal for a used filename adds to PyPI's sentence: what to do, and where to read more.
REUSE_ADVICE = (
    "A filename can never be reused: bump the version, or publish a post-release such as 1.0.post1. "
    "See {site}/help/#file-name-reuse for more information."
)

def state(root):
    return (
        list(Project.objects.values_list("id", "last_serial", "total_size")),
        Release.objects.count(),
        File.objects.count(),
        FilenameRegistry.objects.count(),
        JournalEntry.objects.count(),
        SecurityEvent.objects.filter(tag__in=["project:create", "project:release:add", "file:add"]).count(),
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()),
    )


def post(client, dist, auth, *, form=None, content=None, **overrides):
    form = form if form is not None else upload_form(dist, **overrides)
    payload = dict(form)
    if content is not False:
        payload["content"] = content if content is not None else dist.upload()
    return client.post("/legacy/", payload, HTTP_AUTHORIZATION=auth)


def upload_ok(client, dist, auth):
    response = post(client, dist, auth)
    assert response.status_code == 200, response.content


def own_project(user, name):
    project = ProjectFactory(name=name)
    ProjectRole.objects.create(project=project, user=user, role="Owner")
    return project


def corrupt_wheel():
    wheel = make_wheel("demo", "1.0")
    wheel.data = b"PK\x03\x04 this is not really a zip"
    return wheel


def zip_bomb():
    wheel = make_wheel("demo", "1.0", files={"demo/zeros.bin": bytes(65 * 1024 * 1024)})
    return wheel


def wheel_with(**kwargs):
    return make_wheel("demo", "1.0", **kwargs)


# (id, setup(user, client, auth) -> None, dist factory, form overrides, status, message)
CASES = [
    ("protocol", None, lambda: make_wheel("demo", "1.0"), {"protocol_version": "2"}, 400, "Unknown protocol version."),
    (
        "local-version",
        None,
        lambda: make_wheel("demo", "1.0+local"),
        {},
        400,
        "Can't use PEP 440 local versions (1.0+local).",
    ),
    (
        "unknown-classifier",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"classifiers": ["Programming Language :: Python :: 3", "Made Up :: Classifier"]},
        400,
        "Classifier 'Made Up :: Classifier' is not a valid classifier. See https://pypi.org/classifiers/ "
        "for the list of known classifiers.",
    ),
    (
        "deprecated-classifier",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"classifiers": "Natural Language :: Ukranian"},
        400,
        "Classifier 'Natural Language :: Ukranian' has been deprecated. Use 'Natural Language :: Ukrainian' instead.",
    ),
    (
        "direct-url-dependency",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"requires_dist": "other @ https://example.com/other-1.0-py3-none-any.whl"},
        400,
        "Can't have direct dependency: 'other @ https://example.com/other-1.0-py3-none-any.whl'",
    ),
    (
        "license-and-expression",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"metadata_version": "2.4", "license": "MIT", "license_expression": "MIT"},
        400,
        "Invalid core metadata: 'License' and 'License-Expression' cannot both be given; use 'License-Expression' alone.",
    ),
    (
        "summary-too-long",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"summary": "x" * 513},
        400,
        "Invalid core metadata: 'Summary' must be 512 characters or fewer.",
    ),
    (
        "invalid-name",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"name": "-bad-"},
        400,
        "Invalid core metadata: '-bad-' is invalid for 'name'. "
        "See https://packaging.python.org/specifications/core-metadata for more information.",
    ),
    (
        "prohibited",
        lambda user: ProhibitedProjectName.objects.create(name="demo"),
        lambda: make_wheel("demo", "1.0"),
        {},
        400,
        "The name 'demo' isn't allowed.",
    ),
    (
        "confusable",
        lambda user: ProjectFactory(name="dem0"),
        lambda: make_wheel("demo", "1.0"),
        {},
        400,
        "The name 'demo' is too similar to an existing project ('dem0'). Choose a more distinctive name.",
    ),
    (
        "stdlib",
        None,
        lambda: make_wheel("asyncio", "1.0"),
        {},
        400,
        "The name 'asyncio' isn't allowed (conflict with Python Standard Library module name).",
    ),
    (
        "no-role",
        lambda user: ProjectFactory(name="demo"),
        lambda: make_wheel("demo", "1.0"),
        {},
        403,
        "The user '{username}' isn't allowed to upload to project 'demo'.",
    ),
    (
        "quarantined",
        lambda user: Project.objects.filter(pk=own_project(user, "demo").pk).update(status="quarantined"),
        lambda: make_wheel("demo", "1.0"),
        {},
        403,
        "Project 'demo' is quarantined and does not accept uploads.",
    ),
    (
        "unverified-email",
        lambda user: Email.objects.filter(user=user).update(verified=False),
        lambda: make_wheel("demo", "1.0"),
        {},
        403,
        "User '{username}' does not have a verified primary email address. "
        "Please add a verified primary email before attempting to upload.",
    ),
    (
        "no-two-factor",
        lambda user: TOTPDevice.objects.filter(user=user).delete(),
        lambda: make_wheel("demo", "1.0"),
        {},
        403,
        "User '{username}' does not have two-factor authentication enabled. "
        "Please enable two-factor authentication before attempting to upload.",
    ),
    (
        "description-does-not-render",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"description": "Title\n=====\n\n.. unknown-directive:: x\n"},
        400,
        "The description failed to render for 'text/x-rst'.",
    ),
    (
        "extension",
        None,
        lambda: make_wheel("demo", "1.0", filename="demo-1.0.zip"),
        {},
        400,
        "Invalid file extension: Use .tar.gz or .whl.",
    ),
    (
        "filetype-mismatch",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"filetype": "sdist"},
        400,
        "Invalid file: 'demo-1.0-py3-none-any.whl' is a wheel but 'filetype' says 'sdist'.",
    ),
    (
        "filename-other-project",
        None,
        lambda: make_wheel("demo", "1.0", filename="other-1.0-py3-none-any.whl"),
        {},
        400,
        "The filename is for project 'other', not for 'demo'.",
    ),
    (
        "filename-other-version",
        None,
        lambda: make_wheel("demo", "1.0", filename="demo-2.0-py3-none-any.whl"),
        {},
        400,
        "Version in filename should be '1.0' not '2.0'.",
    ),
    (
        "sdist-old-style-other-version",
        None,
        lambda: make_sdist("demo", "1.0", filename="Demo-2.0.tar.gz"),
        {},
        400,
        "Version in filename should be '1.0' not '2.0'.",
    ),
    (
        "sdist-old-style-other-project",
        None,
        lambda: make_sdist("demo", "1.0", filename="Other-Demo-1.0.tar.gz"),
        {},
        400,
        "The filename is for project 'other-demo', not for 'demo'.",
    ),
    (
        "platform-tag",
        None,
        lambda: make_wheel("demo", "1.0", tag="cp311-cp311-linux_x86_64"),
        {},
        400,
        "Binary wheel 'demo-1.0-cp311-cp311-linux_x86_64.whl' has an unsupported platform tag 'linux_x86_64'.",
    ),
    (
        "wrong-digest",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"sha256_digest": "0" * 64},
        400,
        "The digest supplied does not match a digest calculated from the uploaded file.",
    ),
    (
        "no-digest",
        None,
        lambda: make_wheel("demo", "1.0"),
        {"sha256_digest": None, "blake2_256_digest": None},
        400,
        "Include at least one message digest.",
    ),
    ("corrupt-wheel", None, corrupt_wheel, {}, 400, "Invalid distribution file. The wheel is not a valid zip file."),
    (
        "zip-bomb",
        None,
        zip_bomb,
        {},
        400,
        "Invalid distribution file. File exceeds the allowed compression ratio (a zip bomb?).",
    ),
    (
        "wheel-without-metadata",
        None,
        lambda: wheel_with(omit=("METADATA",)),
        {},
        400,
        "Invalid distribution file. Wheel 'demo-1.0-py3-none-any.whl' does not contain the required METADATA file: "
        "demo-1.0.dist-info/METADATA",
    ),
    (
        "wheel-without-dist-info",
        None,
        lambda: wheel_with(dist_info="elsewhere-1.0.dist-info"),
        {},
        400,
        "Invalid distribution file. Wheel 'demo-1.0-py3-none-any.whl' does not contain the required "
        "demo-1.0.dist-info/ directory.",
    ),
    (
        "metadata-name-mismatch",
        None,
        lambda: wheel_with(metadata=metadata_text("other", "1.0")),
        {},
        400,
        "The name in the file's metadata ('other') does not match the name of the upload ('demo').",
    ),
    (
        "metadata-version-mismatch",
        None,
        lambda: wheel_with(metadata=metadata_text("demo", "1.1")),
        {},
        400,
        "The version in the file's metadata ('1.1') does not match the version of the upload ('1.0').",
    ),
    (
        "metadata-invalid-in-file",
        None,
        lambda: wheel_with(metadata=metadata_text("demo", "1.0", extra=["Classifier: Made Up :: Thing"])),
        {},
        400,
        "Classifier 'Made Up :: Thing' is not a valid classifier. See https://pypi.org/classifiers/ "
        "for the list of known classifiers.",
    ),
    (
        "sdist-two-top-level-dirs",
        None,
        lambda: make_sdist("demo", "1.0", extra_top="stray"),
        {},
        400,
        "Invalid distribution file. An sdist must contain exactly one top-level directory.",
    ),
    (
        "sdist-not-gzip",
        None,
        lambda: _replace_data(make_sdist("demo", "1.0"), b"not a tarball at all"),
        {},
        400,
        "Invalid distribution file. The sdist is not a valid .tar.gz file.",
    ),
]


def _replace_data(dist, data):
    dist.data = data
    return dist


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refusal(case, client, uploader, media_root):
    _id, setup, make, overrides, status, message = case
    if setup:
        setup(uploader)
    auth = basic_auth_header(make_token(uploader)[1])
    before = state(media_root)

    response = post(client, make(), auth, **overrides)

    expected = message.format(username=uploader.username)
    assert response.status_code == status
    assert response.reason_phrase == expected
    assert response.content.decode().strip() == expected
    assert state(media_root) == before


def test_missing_file(client, uploader, media_root):
    auth = basic_auth_header(make_token(uploader)[1])
    response = post(client, make_wheel("demo", "1.0"), auth, content=False)
    assert (response.status_code, response.reason_phrase) == (400, "Upload payload does not have a file.")
    assert state(media_root)[1:] == (0, 0, 0, 0, 0, [])


def test_token_scoped_to_another_project(client, uploader, media_root):
    own_project(uploader, "demo")
    auth = basic_auth_header(make_token(uploader, projects=["other"])[1])
    before = state(media_root)
    response = post(client, make_wheel("demo", "1.0"), auth)
    message = "Invalid API Token: project-scoped token is not valid for project: 'demo'"
    assert (response.status_code, response.reason_phrase, response.content.decode().strip()) == (403, message, message)
    assert state(media_root) == before


def test_same_filename_other_bytes(client, uploader, media_root, settings):
    auth = basic_auth_header(make_token(uploader)[1])
    upload_ok(client, make_wheel("demo", "1.0"), auth)
    before = state(media_root)
    other = make_wheel("demo", "1.0", files={"demo/extra.py": "x = 1\n"})
    response = post(client, other, auth)
    message = (
        f"File already exists ('demo-1.0-py3-none-any.whl', with blake2_256 hash '{other.blake2_256}'). "
        + REUSE_ADVICE.format(site=settings.SITE_URL)
    )
    assert (response.status_code, response.reason_phrase, response.content.decode().strip()) == (400, message, message)
    assert state(media_root) == before


def test_filename_reused_after_deletion(client, uploader, media_root, settings):
    from packages.services import file_remove

    auth = basic_auth_header(make_token(uploader)[1])
    upload_ok(client, make_wheel("demo", "1.0"), auth)
    file_remove(user=uploader, file=File.objects.get())
    before = state(media_root)
    response = post(client, make_wheel("demo", "1.0", files={"demo/new.py": ""}), auth)
    message = "This filename has already been used, use a different version. " + REUSE_ADVICE.format(
        site=settings.SITE_URL
    )
    assert (response.status_code, response.reason_phrase, response.content.decode().strip()) == (400, message, message)
    assert state(media_root) == before


def test_second_sdist_for_a_release(client, uploader, media_root):
    auth = basic_auth_header(make_token(uploader)[1])
    upload_ok(client, make_sdist("demo", "1.0"), auth)
    before = state(media_root)
    response = post(client, make_sdist("demo", "1.0.0"), auth)
    message = "Only one sdist may be uploaded per release."
    assert (response.status_code, response.reason_phrase) == (400, message)
    assert state(media_root) == before


def test_same_bytes_under_another_filename(client, uploader, media_root):
    auth = basic_auth_header(make_token(uploader)[1])
    wheel = make_wheel("demo", "1.0")
    upload_ok(client, wheel, auth)
    # The very same bytes (a second build could differ in its zip timestamps).
    copy = dataclasses.replace(wheel, filename="demo-1.0-py2.py3-none-any.whl")
    response = post(client, copy, auth, pyversion="py2.py3")
    assert response.status_code == 400
    assert response.reason_phrase.startswith("File already exists ('demo-1.0-py2.py3-none-any.whl'")


READ_ONLY = (
    "Invalid API Token: this token may only read (install) packages; uploading needs a token with the upload scope."
)


@pytest.mark.parametrize("existing", [True, False], ids=["existing-project", "new-project"])
def test_read_only_token_may_not_upload(client, uploader, media_root, existing):
    if existing:
        own_project(uploader, "demo")
    auth = basic_auth_header(make_token(uploader, projects=["demo"], can_read=True, can_upload=False)[1])
    before = state(media_root)
    response = post(client, make_wheel("demo", "1.0"), auth)
    assert (response.status_code, response.reason_phrase, response.content.decode().strip()) == (
        403,
        READ_ONLY,
        READ_ONLY,
    )
    assert state(media_root) == before


def test_read_and_upload_token_uploads(client, uploader, media_root):
    own_project(uploader, "demo")
    auth = basic_auth_header(make_token(uploader, projects=["demo"], can_read=True, can_upload=True)[1])
    upload_ok(client, make_wheel("demo", "1.0"), auth)
