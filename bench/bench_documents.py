"""How long does a batch of letters take to render?

Renders BATCH Notice to Improve letters (HTML from the template and the shared
print stylesheet, then a PDF by WeasyPrint), each for a different parent, with
a term's worth of unauthorised sessions listed, as `documents` makes them one
by one in the worker. Needs no database: the letters' data is built here, as
the kind's snapshot would be.
"""

import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_site.settings_test")
django.setup()

from django.template.loader import render_to_string  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402

from documents.kinds import KINDS  # noqa: E402
from documents.kinds.base import fill  # noqa: E402
from documents.services.generate import render_pdf  # noqa: E402

BATCH = int(os.environ.get("BENCH_LETTERS", 50))


def data(i: int) -> dict:
    organisation = {
        "name": "Northmoor High School",
        "address_lines": ["1 School Road", "Northmoor"],
        "postcode": "NM2 4SC",
        "phone": "01632 960100",
        "email": "office@example.org",
    }
    sessions = [
        {
            "day": f"Monday {d} January 2026",
            "session": s,
            "code": "O",
            "meaning": "Absent in other or unknown circumstances",
            "school": "Northmoor High School",
        }
        for d in range(5, 30)
        for s in ("Morning", "Afternoon")
    ]
    return {
        "kind": "notice_to_improve",
        "title": "Notice to Improve",
        "date": "2 February 2026",
        "issuer": organisation,
        "school": organisation,
        "la": {**organisation, "name": "Northmoor Council"},
        "pupil": {"name": f"Pupil {i}", "date_of_birth": "1 May 2013"},
        "recipient": {
            "name": f"Parent {i}",
            "salutation": f"Parent {i}",
            "address_lines": [f"{i} Elm Road", "Northmoor"],
            "postcode": "NM2 3BB",
        },
        "notice": {
            "issued_on": "2 February 2026",
            "period_ends_on": "Monday 23 March 2026",
            "sufficient_improvement": "No unauthorised absence in the period.",
            "consequence": "",
            "staff_contact": "Ms Patel, attendance lead",
            "threshold_sessions": 18,
            "threshold_weeks": 10,
            "threshold_as_at": "2 February 2026",
            "issued_by": "Ms Patel",
            "issued_by_role": "Attendance lead",
        },
        "record": {
            "as_at": "2 February 2026",
            "window_first": "17 November 2025",
            "window_rows": [
                {
                    "school": "Northmoor High School",
                    "year": "2025/26",
                    "possible": 100,
                    "attended": 70,
                    "authorised": 2,
                    "unauthorised": 28,
                }
            ],
            "sessions": sessions,
            "year_label": "2025/26",
            "year_possible": 200,
            "year_attended": 150,
            "year_unauthorised": 48,
            "year_authorised": 2,
            "year_rate": "75.0%",
        },
        "support": {"offers": [], "still_offered": [], "meetings": ["12 January 2026"]},
        "penalty": {"reduced": "£80", "full": "£160", "reduced_days": "21", "full_days": "28"},
    }


def main() -> None:
    kind = KINDS["notice_to_improve"]
    render_pdf("<p>warm up</p>")  # WeasyPrint's first import and font set-up
    timings = []
    started = time.perf_counter()
    for i in range(BATCH):
        one = time.perf_counter()
        letter = data(i)
        values = kind.variables(letter)
        paragraphs = {p.key: mark_safe(fill(p.default, values)) for p in kind.paragraphs}  # noqa: S308
        html = render_to_string(
            kind.template, {**letter, "reference": f"NTI/1/{i}/v1", "paragraphs": paragraphs}
        )
        render_pdf(html)
        timings.append(time.perf_counter() - one)
    total = time.perf_counter() - started
    print(
        f"Notice to Improve letters, 3 pages each: {BATCH} in {total:.1f} s; "
        f"median {statistics.median(timings) * 1000:.0f} ms a letter"
    )


if __name__ == "__main__":
    main()
