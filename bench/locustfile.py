"""People using the product at once: school leads, DSLs, LA officers and a manager
sign in through the sign-in form and browse the pages they use every day.

Run by bench/bench_load.py, which builds the LA, serves it with gunicorn and
writes the manifest this file reads (BENCH_LOAD_MANIFEST: the accounts in the
order users take them, each school's sample of pupils, search terms and cases,
and the referrals in the LA inbox). By hand, against a server already running:

    BENCH_LOAD_MANIFEST=/tmp/.../manifest.json locust -f bench/locustfile.py \\
        --headless -u 20 -r 0.5 --run-time 3m --host http://127.0.0.1:8000

`-r 0.5`: one person arrives every two seconds, as a morning's sign-ins spread
out, rather than twenty in the same second.

Every request is named by its page, so the statistics are per page. A page
that answers with the sign-in form (the session lost) or a code page counts as
an error, as does any status but 200.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task
from signin_forms import code_form as _code_form
from signin_forms import form_with as _form_with

MANIFEST: dict[str, Any] = json.loads(Path(os.environ["BENCH_LOAD_MANIFEST"]).read_text())
SCHOOLS: dict[str, dict[str, list[Any]]] = MANIFEST["schools"]
ALL_CASES = [case for school in SCHOOLS.values() for case in school["cases"]]
ALL_PUPILS = [pupil for school in SCHOOLS.values() for pupil in school["pupils"]]
ALL_SEARCHES = [term for school in SCHOOLS.values() for term in school["searches"]]
# Users take the accounts in order, so any number of users gets the mix of roles.
_accounts = itertools.cycle(MANIFEST["accounts"])

SIGN_IN = "/sign-in/"


class PathwayUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.account: dict[str, Any] = next(_accounts)
        self.role: str = self.account["role"]
        school = self.account["school"]
        self.school: dict[str, list[Any]] | None = SCHOOLS[str(school)] if school else None
        self.school_ids = [int(pk) for pk in SCHOOLS]
        self.sign_in()

    # Signing in --------------------------------------------------------------------------

    def sign_in(self) -> None:
        """The sign-in form as the page gives it: its hidden fields (the CSRF
        token, any step of a multi-step form) and whatever it calls the email
        and password fields."""
        page = self.client.get(SIGN_IN, name="sign-in page")
        action, fields, hidden = _form_with(page.text, "password") or ("", [], {})
        data = dict(hidden)
        for field in fields:
            if field.endswith("password"):
                data[field] = MANIFEST["password"]
            elif field.endswith(("username", "email")):
                data[field] = self.account["email"]
        with self.client.post(
            action or SIGN_IN, data=data, name="sign in", catch_response=True
        ) as response:
            if (form := _code_form(response.text)) is not None:
                response.success()
                self._second_factor(response.url, form)
            elif _form_with(response.text, "password") is not None:
                response.failure(f"{self.account['email']} was not signed in")

    def _second_factor(self, url: str, form: tuple[str, str, dict[str, str]]) -> None:
        """The code page a two-factor sign-in shows: the code from the account's
        known authenticator key, as a phone would show it now."""
        from django_otp.oath import totp

        action, field, hidden = form
        code = f"{totp(bytes.fromhex(MANIFEST['totp_key'])):06d}"
        with self.client.post(
            action or url,
            data={**hidden, field: code},
            name="sign in (code)",
            catch_response=True,
        ) as response:
            if _code_form(response.text) is not None or response.url.endswith(SIGN_IN):
                response.failure(f"{self.account['email']}: the code was not accepted")

    # Browsing ----------------------------------------------------------------------------

    def page(self, url: str, name: str, **params: str) -> None:
        with self.client.get(url, params=params, name=name, catch_response=True) as response:
            if response.status_code != 200:
                # Status 0: no answer at all; the error says why (reset, refused).
                response.failure(f"status {response.status_code} {response.error or ''}".strip())
            elif SIGN_IN in response.url or _code_form(response.text) is not None:
                response.failure("asked to sign in again")

    @property
    def is_school(self) -> bool:
        return self.school is not None

    def _pupils(self) -> list[int]:
        return self.school["pupils"] if self.school else ALL_PUPILS

    def _cases(self) -> list[int]:
        return (self.school["cases"] if self.school else ALL_CASES) or ALL_CASES

    @task(3)
    def home(self) -> None:
        self.page("/", "today (home)")

    @task(3)
    def dashboard(self) -> None:
        school = self.account["school"] or random.choice(self.school_ids)
        self.page(f"/attendance/schools/{school}/", "school dashboard")

    @task(2)
    def search(self) -> None:
        terms = self.school["searches"] if self.school else ALL_SEARCHES
        self.page("/pupils/", "pupil search", q=random.choice(terms))

    @task(3)
    def pupil_attendance(self) -> None:
        self.page(f"/attendance/pupils/{random.choice(self._pupils())}/", "pupil attendance")

    @task(3)
    def case_page(self) -> None:
        self.page(f"/cases/{random.choice(self._cases())}/", "case page")

    @task(2)
    def caseload(self) -> None:
        self.page("/cases/", "caseload")

    @task(2)
    def la_overview(self) -> None:
        if self.is_school:
            self.case_page()
        else:
            self.page("/attendance/schools/", "LA overview")

    @task(2)
    def inbox(self) -> None:
        if self.is_school:
            self.pupil_attendance()
        else:
            self.page("/notices/inbox/", "LA inbox")

    @task(1)
    def bundle_pdf(self) -> None:
        if self.is_school or not MANIFEST["referrals"]:
            self.search()
            return
        referral = random.choice(MANIFEST["referrals"])
        self.page(f"/notices/referrals/{referral}/bundle.pdf", "referral bundle PDF")
