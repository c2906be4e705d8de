"""Checks of the upload form itself (what twine, uv, hatch, flit send)."""

from ...errors import InvalidUpload



# Form fields carrying core metadata, by their RawMetadata key; multi-valued ones are lists.
_SINGLE_FIELDS = {
    "metadata_version": "metadata_version",
    "name": "name",
    "version": "version",
    "summary": "summary",
    "description": "description",
    "description_content_type": "description_content_type",
    "keywords": "keywords",
    "home_page": "home_page",
    "download_url": "download_url",
    "author": "author",
    "author_email": "author_email",
    "maintainer": "maintainer",
    "maintainer_email": "maintainer_email",
    "license": "license",
    "license_expression": "license_expression",
    "requires_python": "requires_python",
}
_MULTI_FIELDS = {
    "classifiers": "classifiers",
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "requires_dist": "requires_dist",
    "provides_dist": "provides_dist",
    "obsoletes_dist": "obsoletes_dist",
    "requires_external": "requires_external",
    "provides_extra": "provides_extra",
    "license_file": "license_files",
    "dynamic": "dynamic",
    "requires": "requires",
    "provides": "provides",
    "obsoletes": "obsoletes",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}


def clean_form(data):
    """The form as {key: [values]} without absent values.

    uv sends "" for every absent field and distutils once sent "UNKNOWN";
    both mean "not given".
    """
    fields = {}
    for key in data:
        values = [v for v in data.getlist(key) if isinstance(v, str) and v not in ("", "UNKNOWN")]
        if values:
            fields[key] = values
    return fields


def form_value(fields, key):
    values = fields.get(key)
    return values[0] if values else None


def raw_metadata_from_form(fields):
    raw = {}
    for key, raw_key in _SINGLE_FIELDS.items():
        value = form_value(fields, key)
        if value is not None:
            raw[raw_key] = value
    for key, raw_key in _MULTI_FIELDS.items():
        if key in fields:
            raw[raw_key] = list(fields[key])
    if "keywords" in raw:
        raw["keywords"] = [k.strip() for k in raw["keywords"].split(",") if k.strip()]
    if "project_urls" in fields:
        urls = {}
        for entry in fields["project_urls"]:
            label, _, url = entry.partition(",")
            urls[label.strip()] = url.strip()
        raw["project_urls"] = urls
    return raw


def check_action(fields):
    action = form_value(fields, ":action")
    if action != "file_upload":
        raise InvalidUpload(f"Unsupported action {action!r}: this API accepts only ':action=file_upload'.")


def check_protocol_version(fields):
    if form_value(fields, "protocol_version") not in (None, "1"):
        raise InvalidUpload("Unknown protocol version.")


def check_filetype(fields):
    filetype = form_value(fields, "filetype")
    if filetype not in ("sdist", "bdist_wheel"):
        raise InvalidUpload(f"Unknown type of file: {filetype!r}. Upload an sdist (.tar.gz) or a wheel (.whl).")
    return filetype



def check_content_present(content):
    if content is None:
        raise InvalidUpload("Upload payload does not have a file.")
