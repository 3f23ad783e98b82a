"""A form posted twice saves once (issue "Safeguarding-grade security", item 4:
"a contact form posted four times made four contacts", and contacts count as
evidence for the pathway)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.models import Contact

from .conftest import signed_in_client
from .test_contacts import at, form_data
from .test_contacts import autumn_term as autumn_term  # the clock of those tests
from .test_contacts import case as case  # the fixture


@pytest.mark.django_db
def test_the_same_contact_posted_four_times_is_saved_once(case):
    client = signed_in_client(case.lead_professional)
    url = reverse("cases:contact_new", args=[case.pk])
    first = client.post(url, form_data(case))
    again = [client.post(url, form_data(case), follow=True) for _ in range(3)]

    assert Contact.unscoped.filter(pupil=case.pupil).count() == 1
    assert first.status_code == 302
    for response in again:
        # Back where the first went (the case's contacts), told why.
        assert response.redirect_chain[-1][0] == first["Location"].split("#")[0]
        assert "This was already saved: it has not been saved a second time." in response.text


@pytest.mark.django_db
def test_a_different_contact_is_a_new_post(case):
    client = signed_in_client(case.lead_professional)
    url = reverse("cases:contact_new", args=[case.pk])
    client.post(url, form_data(case, when=at(dt.date(2025, 9, 30), 9)))
    client.post(url, form_data(case, when=at(dt.date(2025, 9, 30), 14)))
    assert Contact.unscoped.filter(pupil=case.pupil).count() == 2


@pytest.mark.django_db
def test_a_refused_post_can_be_corrected_and_sent(case):
    client = signed_in_client(case.lead_professional)
    url = reverse("cases:contact_new", args=[case.pk])
    future = form_data(case, when=at(dt.date(2025, 10, 9), 9))  # after today: refused
    assert client.post(url, future).status_code == 200
    assert client.post(url, future).status_code == 200  # refused again, not "already saved"
    assert client.post(url, form_data(case)).status_code == 302
    assert Contact.unscoped.filter(pupil=case.pupil).count() == 1


@pytest.mark.django_db
def test_the_same_post_after_ten_minutes_is_a_new_record(case):
    client = signed_in_client(case.lead_professional)
    url = reverse("cases:contact_new", args=[case.pk])
    yesterday = form_data(case, when=at(dt.date(2025, 9, 30), 9))
    client.post(url, yesterday)
    with time_machine.travel(at(dt.date(2025, 10, 1)) + dt.timedelta(minutes=11), tick=False):
        client.post(url, yesterday)
    assert Contact.unscoped.filter(pupil=case.pupil).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_posts_at_the_same_moment_make_one_contact(case):
    url = reverse("cases:contact_new", args=[case.pk])
    data = form_data(case)
    session_cookie = signed_in_client(case.lead_professional).cookies
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        client = Client()
        client.cookies = session_cookie
        barrier.wait()
        try:
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Contact.unscoped.filter(pupil=case.pupil).count() == 1
    assert statuses == [302, 302, 302, 302]
