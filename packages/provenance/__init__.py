"""Provenance (PEP 740): attestations verified on upload, served through the Integrity API, and the policy
that makes them required.

- verification.py: pypi-attestations and sigstore against INTEGRITY_TRUSTED_ROOT
- services.py: the upload's two steps (a plan before storing, one write under the project's lock) and the policy switch
- selectors.py: reads for the index, the pages and the Integrity API
- views.py: GET /integrity/<project>/<version>/<filename>/provenance
"""
