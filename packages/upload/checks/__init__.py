"""The upload checks, one module per subject, run in order by packages.upload.plan (and again, those
whose facts can change meanwhile, by the writer in packages.upload.service under the project's lock).

Each check is a small function that takes plain values and either returns
(sometimes a parsed value) or raises one error type, `InvalidUpload` (400) or
`UploadForbidden` (403), with the exact message the client prints. Messages
follow PyPI's wording so that users' search results and habits carry over.

- form: the multipart form's fields
- metadata: core metadata, from the form and from the file
- permissions: who may upload to the project (the token, the role, email and two-factor, the project's state)
- publishers: a trusted publisher's token
- files: the filename, sizes, digests and duplicates
- archives: what is inside the wheel or sdist, and how much its headers may ask of the reader

The rules for a new project's name are packages.naming's (an organisation creating a project by
name follows them too).
"""
