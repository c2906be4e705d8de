"""The upload checks, one module per subject, run in order by packages.upload.service.

Each check is a small function that takes plain values and either returns
(sometimes a parsed value) or raises one error type, `InvalidUpload` (400) or
`UploadForbidden` (403), with the exact message the client prints. Messages
follow PyPI's wording so that users' search results and habits carry over.

- form: the multipart form's fields
- metadata: core metadata, from the form and from the file
- names: the project name, and who may upload to it
- files: the filename, sizes, digests and duplicates
- archives: what is inside the wheel or sdist, and how much its headers may ask of the reader
"""
