"""The slow hash of recovery codes: Argon2id at OWASP's minimum cost (19 MiB, 2 passes, 1 lane).

A recovery code carries 64 random bits, so it needs salting and a cost that
makes an offline search of 2^64 candidates hopeless, not the full cost of a
password hash: a code is checked against each of the account's eight hashes,
and at Django's default Argon2 cost (100 MiB, 8 lanes) that is seconds per
attempt. Hashes verify through Django's registered Argon2 hasher, which reads
the cost from each stored hash.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class RecoveryCodeHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
