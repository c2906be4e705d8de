"""Trusted publishing: CI jobs exchange a short-lived OIDC token for a 15-minute API token.

- ``models``: publishers (GitHub Actions, GitLab CI/CD, a staff-registered
  issuer), pending publishers (a publisher for a name no project has yet),
  the registered issuers, and the JWT ids already used.
- ``issuers``: which issuers the site trusts and the https-unless-loopback rule.
- ``keys``: each issuer's signing keys, discovered and cached.
- ``verification``: the JWT checks (signature, issuer, audience, times).
- ``kinds``: one class per CI, which claims must match a publisher.
- ``services``: add/remove publishers, mint a token, promote a pending publisher.
- ``api``: ``GET /_/oidc/audience`` and ``POST /_/oidc/mint-token`` (REFERENCE §5).

Publishers store normalized project names, like token scopes, so this package
never needs the packages app: the upload path in packages asks
``selectors.token_publisher`` which publisher minted a token.
"""
