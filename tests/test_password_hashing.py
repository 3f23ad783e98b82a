"""Passwords are stored with Argon2id at OWASP's parameters (accounts/hashers.py),
and a hash stored with Django's heavier defaults is re-stored at sign-in."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.test import override_settings

from attendance_site import settings as production

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_the_service_stores_passwords_with_owasps_argon2id_parameters():
    assert production.PASSWORD_HASHERS[0] == "accounts.hashers.OwaspArgon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        user = UserFactory()
        user.set_password(PASSWORD)
        assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
        assert user.check_password(PASSWORD)
        assert not user.check_password("wrong")


def test_a_hash_made_with_djangos_defaults_still_signs_in_and_is_stored_again():
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        user = UserFactory()
        user.password = Argon2PasswordHasher().encode(PASSWORD, "oldsaltoldsalt12")
        user.save(update_fields=["password"])
        assert "m=102400,t=2,p=8" in user.password
        assert identify_hasher(user.password).__class__.__name__ == ("OwaspArgon2PasswordHasher")

        assert user.check_password(PASSWORD)

        user.refresh_from_db()
        assert "m=19456,t=2,p=1" in user.password
        assert user.check_password(PASSWORD)
