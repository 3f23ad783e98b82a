"""Need to know (issue 14): a case referred to the LA, or the subject of a
penalty-notice request, is shared with the LA. Referrals and requests made
before shares existed get theirs here (and a penalty notice recorded
before routes were checked), so that the LA keeps reading them."""

from django.db import migrations


def share(apps, schema_editor):
    CaseShare = apps.get_model("cases", "CaseShare")
    LegalReferral = apps.get_model("notices", "LegalReferral")
    HolidayRequest = apps.get_model("notices", "HolidayRequest")
    shared = set(
        CaseShare._default_manager.filter(revoked_at__isnull=True).values_list("case_id", "kind")
    )
    for referral in LegalReferral._default_manager.order_by("submitted_at", "pk"):
        if (referral.case_id, "referral") in shared:
            continue
        CaseShare._default_manager.create(
            case_id=referral.case_id,
            kind="referral",
            reason=f"Referral version {referral.version} submitted to the LA.",
            shared_by_id=referral.submitted_by_id,
            shared_at=referral.submitted_at,
        )
        shared.add((referral.case_id, "referral"))
    for request in HolidayRequest._default_manager.filter(case__isnull=False).order_by(
        "submitted_at", "pk"
    ):
        if (request.case_id, "penalty_request") in shared:
            continue
        CaseShare._default_manager.create(
            case_id=request.case_id,
            kind="penalty_request",
            reason=f"Holiday penalty-notice request version {request.version} sent to the LA.",
            shared_by_id=request.submitted_by_id,
            shared_at=request.submitted_at,
        )
        shared.add((request.case_id, "penalty_request"))
    # A penalty notice recorded before routes were checked may have neither:
    # the LA issued it, so it keeps reading the case it is on.
    PenaltyNotice = apps.get_model("notices", "PenaltyNotice")
    for notice in PenaltyNotice._default_manager.order_by("issued_on", "pk"):
        if any((notice.case_id, kind) in shared for kind in ("referral", "penalty_request")):
            continue
        CaseShare._default_manager.create(
            case_id=notice.case_id,
            kind="penalty_request",
            reason="Penalty notice issued by the LA before shares were recorded.",
            shared_by_id=notice.issued_by_id,
            shared_at=notice.created_at,
        )
        shared.add((notice.case_id, "penalty_request"))


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0011_register_certificate"),
        ("cases", "0011_case_share_with_la"),
    ]

    operations = [migrations.RunPython(share, migrations.RunPython.noop)]
