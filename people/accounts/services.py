"""Invitations and two-factor devices: the writes behind the account pages.

An invitation token is 32 random bytes (URL-safe); only its SHA-256 hash is stored, so a
database copy cannot be turned into working links. A link works once, until it expires or
the organizer revokes it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from typing import Any
from urllib.parse import urljoin

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from people import selectors
from people.errors import DomainError, NotAllowed
from people.models import AuditEvent, Invitation, Person
from people.roles import is_organizer, viewer_for
from people.services import audit_record, person_create_own


class InvitationUnusable(DomainError):
    """The link cannot be used; ``reason`` is one of Invitation.Status (or "unknown")."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"This invitation is {reason}.")
        self.reason = reason


def may_invite(user: Any) -> bool:
    """Organizers and admins invite new members."""
    return bool(getattr(user, "is_authenticated", False)) and (
        is_organizer(user) or bool(user.is_staff)
    )


def may_use_two_factor(user: Any) -> bool:
    """Two-factor is offered to organizers and admins (the accounts that can see most)."""
    return may_invite(user)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


def invitable_people(*, user: Any) -> Any:
    """People the inviter may link an invitation to: visible to them, without a login."""
    return selectors.person_list_visible_to(viewer=viewer_for(user)).filter(user__isnull=True)


def invitation_list_for(*, user: Any) -> list[Invitation]:
    """All invitations (newest first) for an organizer or admin. A linked person the viewer
    may not (or no longer) see is left unnamed: ``visible_person`` is None then."""
    if not may_invite(user):
        raise NotAllowed("Only organizers and admins can invite people.")
    invitations = list(Invitation.objects.select_related("person", "invited_by")[:200])
    visible = set(
        selectors.person_list_visible_to(viewer=viewer_for(user))
        .filter(pk__in=[i.person_id for i in invitations if i.person_id])
        .values_list("pk", flat=True)
    )
    for invitation in invitations:
        invitation.visible_person = (  # type: ignore[attr-defined]
            invitation.person if invitation.person_id in visible else None
        )
    return invitations


def invitation_link(token: str) -> str:
    return urljoin(settings.SITE_URL, reverse("accounts:invite_accept", kwargs={"token": token}))


def invitation_create(
    *, by: Any, email: str, person: Person | None = None
) -> tuple[Invitation, str]:
    """Create an invitation, email its link and return it with the token (shown nowhere else)."""
    if not may_invite(by):
        raise NotAllowed("Only organizers and admins can invite people.")
    if person is not None and not invitable_people(user=by).filter(pk=person.pk).exists():
        raise DomainError("Choose a person without a login.", field="person")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            person=person,
            token_hash=token_hash(token),
            invited_by=by,
            expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        audit_record(
            actor=by,
            action="invitation.create",
            obj=invitation,
            # No email address here: the audit log outlives a deleted member's data.
            after={
                "person": str(person.public_id) if person else None,
                "expires_at": invitation.expires_at.isoformat(),
            },
        )
    context = {
        "link": invitation_link(token),
        "inviter": by.get_username(),
        "days": settings.INVITATION_TTL_DAYS,
        "name": person.display_name if person else "",
    }
    send_mail(
        subject="You are invited to Smallbatch",
        message=render_to_string("people/accounts/invitation_email.txt", context),
        from_email=None,
        recipient_list=[email],
    )
    return invitation, token


def invitation_revoke(*, by: Any, invitation: Invitation) -> Invitation:
    if not may_invite(by):
        raise NotAllowed("Only organizers and admins can revoke invitations.")
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            raise DomainError(f"This invitation is already {invitation.get_status_display()}.")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=by,
            action="invitation.revoke",
            obj=invitation,
            before={"status": Invitation.Status.PENDING},
            after={"status": Invitation.Status.REVOKED},
        )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link names, if it can still be used; else InvitationUnusable."""
    invitation = (
        Invitation.objects.select_related("person").filter(token_hash=token_hash(token)).first()
    )
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.status != Invitation.Status.PENDING:
        raise InvitationUnusable(invitation.status)
    if invitation.person is not None and invitation.person.user_id is not None:
        raise InvitationUnusable(Invitation.Status.ACCEPTED)
    return invitation


def invitation_accept(
    *, token: str, username: str, password: str, display_name: str = ""
) -> tuple[Any, Person]:
    """Create the login (password already validated by the form), link or create the person.

    Runs in one transaction with the invitation row locked, so two tabs submitting at once
    create one account: the second meets "already used".
    """
    try:
        return _invitation_accept(
            token=token, username=username, password=password, display_name=display_name
        )
    except IntegrityError as error:  # the same username chosen at the same moment elsewhere
        raise DomainError("That username is taken.", field="username") from error


def _invitation_accept(
    *, token: str, username: str, password: str, display_name: str
) -> tuple[Any, Person]:
    user_model = get_user_model()
    with transaction.atomic():
        invitation = invitation_for_token(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            raise InvitationUnusable(invitation.status)
        if user_model._default_manager.filter(username__iexact=username).exists():
            raise DomainError("That username is taken.", field="username")
        user = user_model._default_manager.create_user(
            username=username, email=invitation.email, password=password
        )
        person = invitation.person
        if person is not None:
            person = Person.objects.select_for_update().get(pk=person.pk)
            if person.user_id is not None:
                raise InvitationUnusable(Invitation.Status.ACCEPTED)
            person.user = user
            if not person.email:
                person.email = invitation.email
            person.save(update_fields=["user", "email", "updated_at"])
        else:
            person = person_create_own(
                user=user,
                data={"display_name": display_name or username, "email": invitation.email},
            )
        invitation.person = person
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["person", "accepted_at", "accepted_user"])
        audit_record(
            actor=user,
            action="invitation.accept",
            obj=invitation,
            before={"status": Invitation.Status.PENDING},
            after={"status": Invitation.Status.ACCEPTED, "person": str(person.public_id)},
        )
    return user, person


# --- Two-factor (TOTP) -----------------------------------------------------------------------


def confirmed_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "is_authenticated", False) and not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(*, user: Any) -> TOTPDevice:
    """The unconfirmed device being set up (made on first visit, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def device_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no script, no external image)."""
    return str(
        segno.make(device.config_url, error="m").svg_inline(
            scale=4, title="QR code", dark="#000", light="#fff"
        )
    )


def device_secret(device: TOTPDevice) -> str:
    """The key in base32, for typing into an authenticator app by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def two_factor_enable(*, user: Any, device: TOTPDevice, code: str) -> bool:
    """Confirm the pending device with one valid code; other devices of the user are removed."""
    if not may_use_two_factor(user) or device.user_id != user.pk or device.confirmed:
        raise NotAllowed("You cannot confirm this device.")
    if not device.verify_token(code.strip().replace(" ", "")):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=user,
            action="two_factor.enable",
            obj=user,
            after={"two_factor": True},
            channel=AuditEvent.Channel.WEB,
        )
    return True


def two_factor_disable(*, user: Any, code: str) -> bool:
    """Remove the user's device; needs a current code from it."""
    device = confirmed_device(user)
    if device is None:
        return True
    if not device.verify_token(code.strip().replace(" ", "")):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(actor=user, action="two_factor.disable", obj=user, after={"two_factor": False})
    return True


# --- Sessions --------------------------------------------------------------------------------


def sessions_end_others(*, request: Any, password: str) -> bool:
    """Log out every other session of the user, keeping this one.

    Django ties each session to a hash of the password hash, so re-hashing the same password
    (a new salt) ends the other sessions, exactly as a password change does. Needs the
    current password; a wrong one counts as a failed login (django-axes)."""
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.signals import user_login_failed

    user = request.user
    if not user.check_password(password):
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        return False
    user.set_password(password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    return True
