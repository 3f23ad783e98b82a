"""The production settings, as the load test serves them on 127.0.0.1.

bench_load starts gunicorn with DJANGO_ENV=production (DEBUG off, WhiteNoise
serving the collected static files, persistent connections, Argon2) and these
settings on top. The one change: there is no TLS on the loopback, so the
session and CSRF cookies are not marked Secure, or the load generator's client
(which, like a browser, keeps Secure cookies off plain HTTP) would never send
them back and every page would redirect to sign-in.
"""

from attendance_site.settings import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
