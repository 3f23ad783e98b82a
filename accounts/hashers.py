"""How passwords are stored: Argon2id with the OWASP Password Storage Cheat
Sheet's parameters (19 MiB of memory, 2 iterations, 1 lane), not Django's
defaults (100 MiB, 8 lanes). Django's cost, on a small server, held a web
worker for seconds when twenty people signed in at once (docs/benchmarks.md,
"Under load"); OWASP's still make each guess cost an attacker 19 MiB.

The algorithm keeps Django's name, "argon2", so every stored hash is read by
this hasher and, at its owner's next sign-in, stored again with these
parameters (Django re-hashes whenever `must_update` finds them different).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
