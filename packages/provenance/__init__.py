"""Provenance (PEP 740): attestations verified on upload, served through the Integrity API, and the policy
that makes them required.

- verification.py: pypi-attestations and sigstore against INTEGRITY_TRUSTED_ROOT
- upload.py: the upload's two steps (a plan before storing, one write under the project's lock)
- services.py: an Owner's policy switch
- forms.py: that switch's form
- selectors.py: reads for the index, the pages and the Integrity API
- views.py: GET /integrity/<project>/<version>/<filename>/provenance
"""
