"""A form post acts once (docs/security.md, "Bad input").

The same form posted again by the same person, with the same contents, within
`WINDOW`, is not acted on a second time: the answer is where the first post
went, with a message. Two identical posts at the same moment are ordered by the
database: the second waits on the unique key until the first commits, then
finds it. The key is a hash of the user, the address and the posted fields
(the CSRF token aside, which changes per page), so a form changed in any field
is a new post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone

from .http import acting_user
from .models import FormSubmission

WINDOW = dt.timedelta(minutes=10)
ALREADY_DONE = "This was already saved: it has not been saved a second time."


def post_key(request: HttpRequest) -> str:
    fields = sorted(
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    )
    files = sorted(
        (name, upload.name or "", upload.size or 0)
        for name, uploads in request.FILES.lists()
        for upload in uploads
    )
    text = repr((request.user.pk, request.path, fields, files))
    return hashlib.sha256(text.encode()).hexdigest()


def act_once(request: HttpRequest, act: Callable[[], HttpResponse]) -> HttpResponse:
    """`act()` (which writes and answers), unless this very post was acted on
    within the window: then back to where that one went. A post whose action
    is refused (an exception, or a page shown again instead of a redirect)
    leaves no trace, so it can be corrected and sent."""
    key = post_key(request)
    try:
        with transaction.atomic():
            FormSubmission.objects.filter(key=key, created_at__lt=timezone.now() - WINDOW).delete()
            submission = FormSubmission.objects.create(key=key, user=acting_user(request))
            response = act()
            if not isinstance(response, HttpResponseRedirect):
                # Shown again (the form with a refusal): nothing to remember.
                transaction.set_rollback(True)
                return response
            submission.answered_with = response.url[:500]
            submission.save(update_fields=["answered_with"])
            return response
    except IntegrityError:
        first = FormSubmission.objects.filter(key=key).first()
        if first is None:  # pragma: no cover  (the first rolled back meanwhile)
            raise
        messages.info(request, ALREADY_DONE)
        return redirect(first.answered_with or request.path)
