"""How much server time does verifying an API token cost, next to verifying a password?

Not a test: a measurement. It builds a throwaway in-memory database, creates
one user and one token, then times, in the same run:

- the full token check the upload API performs (parse, indexed lookup, HMAC,
  constant-time compare: ``tokens.services.token_authenticate``);
- the digest alone (HMAC-SHA256 + compare, no database);
- an Argon2 password check (``check_password``, the site's password hasher).

Run: DEBUG=1 .venv/bin/python benchmarks/token_verify.py [iterations]
"""

import sys

import throwaway_site  # noqa: E402,F401  (sets up Django on an in-memory database)
from throwaway_site import timed  # noqa: E402

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    throwaway_site.migrate()

    from accounts.models import User
    from tokens import secret, services

    user = User.objects.create_user("bench", password="correct-horse-battery-staple")
    token, raw = services.token_create(user=user, name="benchmark")
    parts = secret.parse(raw)
    encoded = make_password("correct-horse-battery-staple")  # Argon2, the first PASSWORD_HASHERS entry
    assert encoded.startswith("argon2"), encoded

    services.token_authenticate(raw=raw)  # warm up: first-use write of last_used
    full = timed(lambda: services.token_authenticate(raw=raw), iterations)
    digest_only = timed(lambda: secret.matches(parts, token.digest), iterations)
    password_iterations = max(5, iterations // 20)
    argon2 = timed(lambda: check_password("correct-horse-battery-staple", encoded), password_iterations)

    print(f"median of {iterations} token checks and {password_iterations} password checks (one process, same run)")
    print(f"  token, full check (lookup + HMAC-SHA256): {full * 1e6:10.1f} µs")
    print(f"  token, digest and compare only:           {digest_only * 1e6:10.1f} µs")
    print(f"  password, Argon2 check_password:          {argon2 * 1e6:10.1f} µs")
    print(f"  ratio password / token (full check):      {argon2 / full:10.1f} x")
    print(f"  ratio password / token (digest only):     {argon2 / digest_only:10.1f} x")


if __name__ == "__main__":
    main()
