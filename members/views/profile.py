"""The member's profile (/me/profile/): identity, contact, language, what the public sees, the
directory entry of a business or association, its IBAN, and the e-mail address (changed once the
new address confirms it, /me/email/confirm/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.forms import add_service_error

from .. import selectors, services
from ..errors import EmailChangeLinkInvalid
from ..models import Member
from ..sessions import language_cookie_set
from .forms import EmailForm, IbanForm, ProfileForm

# The profile form's fields by section of the page (a business's or association's only when it is one).
SECTIONS = {
    "identity": ("display_name", "address", "phone", "commune"),
    "language": ("language",),
    "directory": ("in_directory", "directory_shows_address", "directory_shows_phone"),
    "backer": ("show_name_as_backer",),
    "entry": ("activity", "description", "website", "opening_hours"),
}


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    member = selectors.member_or_none(request.user)
    if member is None:
        return render(request, "members/profile.html", {"member": None})
    action = request.POST.get("action", "") if request.method == "POST" else ""
    # Each form gets its own copy of the member: a ModelForm writes the posted values on its instance.
    profile_form = ProfileForm(request.POST if action == "profile" else None, instance=_copy(member))
    iban_form = IbanForm(request.POST if action == "iban" else None, initial={"iban": member.iban, "bic": member.bic})
    email_form = EmailForm(request.POST if action == "email" else None)
    if action == "profile" and profile_form.is_valid():
        try:
            changed = services.member_profile_update(member=member, actor=request.user, **profile_form.changes())
        except ApplicationError as exc:
            add_service_error(profile_form, exc)
        else:
            response = redirect("profile")
            if "language" in changed and member.language:
                translation.activate(member.language)
                language_cookie_set(response, member.language)
            elif "language" in changed:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
            messages.success(request, _("Your profile is saved.") if changed else _("Nothing to change."))
            return response
    elif action == "iban" and member.kind != Member.Kind.INDIVIDUAL and iban_form.is_valid():
        try:
            services.member_iban_change(
                member=member,
                actor=request.user,
                iban=iban_form.cleaned_data["iban"],
                bic=iban_form.cleaned_data["bic"],
            )
        except ApplicationError as exc:
            add_service_error(iban_form, exc)
        else:
            messages.success(
                request,
                _("Your IBAN is saved. Reconversions to euros wait %(days)s days after a change.")
                % {"days": settings.BOCAGE_IBAN_CHANGE_HOLD_DAYS},
            )
            return redirect("profile")
    elif action == "email" and email_form.is_valid():
        try:
            services.email_change_request(
                member=member,
                actor=request.user,
                new_email=email_form.cleaned_data["email"],
                confirm_url=lambda signed: request.build_absolute_uri(f"{reverse('email-confirm')}?link={signed}"),
            )
        except ApplicationError as exc:
            add_service_error(email_form, exc)
        else:
            messages.success(
                request,
                _("A link was sent to %(email)s: your address changes once you follow it.")
                % {"email": email_form.cleaned_data["email"]},
            )
            return redirect("profile")
    status = 400 if action else 200
    return render(
        request,
        "members/profile.html",
        {
            "member": member,
            "organisation": member.kind != Member.Kind.INDIVIDUAL,
            "profile_form": profile_form,
            "sections": {
                name: [profile_form[field] for field in fields if field in profile_form.fields]
                for name, fields in SECTIONS.items()
            },
            "iban_form": iban_form,
            "email_form": email_form,
            "iban_held_until": selectors.iban_held_until(member),
        },
        status=status,
    )


def _copy(member: Member) -> Member:
    return Member.objects.get(pk=member.pk)


@login_required
def email_confirm(request: HttpRequest) -> HttpResponse:
    """The link of the mail sent to the new address: shows the address, changes it on POST."""
    signed = request.POST.get("link", "") if request.method == "POST" else request.GET.get("link", "")
    if request.method == "POST":
        try:
            services.email_change_confirm(user=request.user, signed=signed)
        except ApplicationError as exc:
            return render(request, "members/email_confirm.html", {"error": exc.message}, status=exc.status)
        messages.success(request, _("Your e-mail address is changed."))
        return redirect("profile")
    try:
        new_email = services.email_change_preview(user=request.user, signed=signed)
    except EmailChangeLinkInvalid as exc:
        return render(request, "members/email_confirm.html", {"error": exc.message}, status=exc.status)
    return render(request, "members/email_confirm.html", {"new_email": new_email, "link": signed})
