"""Providers, services, members and invitations as their users meet them."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from assessments.services import assessment_start
from providers.models import AIService, Membership, Provider, Role
from providers.services import invitation_token
from tests import factories

pytestmark = pytest.mark.django_db

PROVIDER_FORM = {
    "name_zh": "丙智能科技有限公司",
    "name_en": "Bing AI Co., Ltd.",
    "credit_code": "91350100m000100y43",
    "legal_representative": "李四",
}


def test_registering_a_provider_makes_the_user_its_owner(owner_client, owner):
    response = owner_client.post(reverse("providers:create"), PROVIDER_FORM)
    provider = Provider.objects.get(credit_code="91350100M000100Y43")
    assert response.status_code == 302
    assert response["Location"] == provider.get_absolute_url()
    assert Membership.objects.get(provider=provider, user=owner).role == Role.OWNER


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y4", "18"),
        ("91350100M000100I43", "I, O, Z, S"),
        ("91350100M000100Y44", "3"),
    ],
)
def test_a_bad_credit_code_is_explained_and_the_form_kept(owner_client, code, message):
    owner_client.cookies["django_language"] = "en"
    response = owner_client.post(
        reverse("providers:create"), {**PROVIDER_FORM, "credit_code": code}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["credit_code"]
    assert any(message in e for e in errors), errors
    assert 'value="丙智能科技有限公司"' in response.content.decode()
    assert not Provider.objects.filter(name_zh="丙智能科技有限公司").exists()


def test_the_credit_code_message_is_in_chinese_by_default(owner_client):
    response = owner_client.post(
        reverse("providers:create"), {**PROVIDER_FORM, "credit_code": "91350100M000100Y44"}
    )
    assert "校验码" in " ".join(response.context["form"].errors["credit_code"])


def test_owner_edits_the_provider(owner_client, provider):
    data = {**PROVIDER_FORM, "credit_code": provider.credit_code, "security_lead": "王五"}
    response = owner_client.post(reverse("providers:edit", args=[provider.public_id]), data)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.security_lead == "王五"


SERVICE_FORM = {
    "name": "新服务",
    "modalities": ["text", "image"],
    "channels": ["web", "api"],
    "audience": "public_cn",
    "foundation_model_source": "self_developed",
    "launch_status": "planned",
}


def test_editor_adds_a_service_and_its_profile_drives_conditions(editor_client, provider):
    url = reverse("providers:service_create", args=[provider.public_id])
    response = editor_client.post(url, {**SERVICE_FORM, "public_opinion": "on"})
    service = AIService.objects.get(name="新服务")
    assert response["Location"] == service.get_absolute_url()
    profile = service.profile()
    assert profile["modalities"] == ["text", "image"]
    assert profile["provides_api"] is True
    assert profile["public_opinion"] is True
    assert profile["foundation_model_filed"] is False
    assert service.effective_provider_code() == f"0011{provider.credit_code}00000"


def test_a_third_party_model_needs_its_name(editor_client, provider):
    url = reverse("providers:service_create", args=[provider.public_id])
    data = {**SERVICE_FORM, "foundation_model_source": "third_party"}
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "foundation_model_name" in response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("algorithm_filing_number", "网信算备123号"),
        ("gai_filing_number", "not a number"),
        ("provider_code", "001191440300708461136T1XGW3"),  # another organisation's code
    ],
)
def test_bad_codes_on_a_service_are_refused(editor_client, provider, field, value):
    url = reverse("providers:service_create", args=[provider.public_id])
    response = editor_client.post(url, {**SERVICE_FORM, field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AIService.objects.filter(name="新服务").exists()


def test_a_typed_provider_code_of_this_provider_is_kept(editor_client, provider):
    code = f"0011{provider.credit_code}1AB12"
    url = reverse("providers:service_create", args=[provider.public_id])
    editor_client.post(url, {**SERVICE_FORM, "provider_code": code.lower()})
    assert AIService.objects.get(name="新服务").provider_code == code


def test_invitation_mail_link_lets_a_new_person_join(
    owner_client, provider, client, django_capture_on_commit_callbacks
):
    url = reverse("providers:members", args=[provider.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url, {"email": "New@Example.cn", "role": "viewer"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    for language in ("zh-hans", "en"):  # the invitation speaks both languages
        with translation.override(language):
            accept = gettext("Open this link to accept:")
            subject = gettext("Invitation to join %(provider)s on the compliance portal") % {
                "provider": provider.name_zh
            }
        assert accept in message.body and subject in message.subject
    assert message.body.count("/providers/invitations/") == 2
    link = re.search(r"http://\S+/providers/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("8000", 1)[1] if "8000" in link else link
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(
        path,
        {
            "display_name": "新同事",
            "password1": "Very-long-pass-42",
            "password2": "Very-long-pass-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.cn")
    assert Membership.objects.get(provider=provider, user=user).role == Role.VIEWER
    assert client.get(reverse("providers:detail", args=[provider.public_id])).status_code == 200
    # The link cannot be used twice.
    assert client.get(path).status_code == 410


def test_a_weak_password_on_joining_is_refused_with_the_reason(provider, client):
    invitation = factories.make_invitation(provider, email="weak@example.cn")
    url = reverse("providers:invitation_accept", args=[invitation_token(invitation)])
    response = client.post(
        url, {"display_name": "x", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="weak@example.cn").exists()


def test_an_existing_account_accepts_after_signing_in(provider, client_for):
    user = factories.make_user(email="known@example.cn")
    invitation = factories.make_invitation(provider, email="known@example.cn", role=Role.EDITOR)
    url = reverse("providers:invitation_accept", args=[invitation_token(invitation)])
    client = client_for(user)
    assert client.post(url).status_code == 302
    assert Membership.objects.get(provider=provider, user=user).role == Role.EDITOR


def test_someone_else_cannot_accept_an_invitation(provider, outsider_client, outsider):
    invitation = factories.make_invitation(provider, email="someone@example.cn")
    url = reverse("providers:invitation_accept", args=[invitation_token(invitation)])
    outsider_client.post(url)
    assert not Membership.objects.filter(provider=provider, user=outsider).exists()


def test_an_expired_invitation_is_refused(provider, client):
    invitation = factories.make_invitation(provider)
    token = invitation_token(invitation)
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        response = client.get(reverse("providers:invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "过期" in response.content.decode()


def test_a_tampered_invitation_link_is_refused(provider, client):
    token = invitation_token(factories.make_invitation(provider))
    response = client.get(reverse("providers:invitation_accept", args=[token[:-2] + "xx"]))
    assert response.status_code == 410


def test_a_withdrawn_invitation_is_refused(owner_client, provider, client):
    invitation = factories.make_invitation(provider)
    owner_client.post(
        reverse("providers:invitation_revoke", args=[provider.public_id, invitation.public_id])
    )
    response = client.get(
        reverse("providers:invitation_accept", args=[invitation_token(invitation)])
    )
    assert response.status_code == 410


def test_inviting_a_member_again_is_explained(owner_client, provider, editor):
    url = reverse("providers:members", args=[provider.public_id])
    response = owner_client.post(url, {"email": editor.email, "role": "viewer"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


def test_owner_changes_a_role(owner_client, provider, viewer):
    membership = provider.memberships.get(user=viewer)
    owner_client.post(
        reverse("providers:member_role", args=[provider.public_id, membership.public_id]),
        {"role": "editor"},
    )
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR


def test_the_last_owner_cannot_step_down_or_leave(owner_client, provider, owner):
    membership = provider.memberships.get(user=owner)
    url = reverse("providers:member_role", args=[provider.public_id, membership.public_id])
    response = owner_client.post(url, {"role": "viewer"}, follow=True)
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert "至少" in response.content.decode()
    url = reverse("providers:member_remove", args=[provider.public_id, membership.public_id])
    refused = owner_client.post(url)  # refused at once, not asked to confirm
    assert refused.status_code == 302
    owner_client.post(url, {"confirmed": "1"})
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_owner_removes_a_member_after_confirming(owner_client, provider, viewer):
    membership = provider.memberships.get(user=viewer)
    url = reverse("providers:member_remove", args=[provider.public_id, membership.public_id])
    asked = owner_client.post(url)
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.content.decode()
    assert "confirm-warning" not in asked.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()  # nothing happened yet
    owner_client.post(url, {"confirmed": "1"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_an_owner_removing_themselves_is_warned(owner_client, provider, owner):
    second = factories.make_member(provider, Role.OWNER, email="second-owner@example.cn")
    assert second.role == Role.OWNER
    membership = provider.memberships.get(user=owner)
    url = reverse("providers:member_remove", args=[provider.public_id, membership.public_id])
    asked = owner_client.post(url).content.decode()
    assert "confirm-warning" in asked
    response = owner_client.post(url, {"confirmed": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_lists_show_only_the_users_own_providers(owner_client, provider, other_provider):
    response = owner_client.get(reverse("providers:list"))
    assert provider.name_zh in response.content.decode()
    assert other_provider.name_zh not in response.content.decode()


def test_empty_state_says_what_to_do_next(client_for):
    response = client_for(factories.make_user()).get(reverse("providers:list"))
    assert reverse("providers:create") in response.content.decode()


def test_provider_pages_run_a_constant_number_of_queries(
    owner_client, owner, provider, django_assert_num_queries
):
    for _ in range(5):
        service = factories.make_service(provider)
        factories.make_member(provider, Role.VIEWER)
        assessment_start(service=service, user=owner)
    # session, user, membership+provider, services, their assessments, questionnaire versions
    # (upgrade notices; none here, so no answers are read), member count
    with django_assert_num_queries(7):
        owner_client.get(reverse("providers:detail", args=[provider.public_id]))
    # session, user, membership+provider, members, pending invitations
    with django_assert_num_queries(5):
        owner_client.get(reverse("providers:members", args=[provider.public_id]))
    # session, user, providers with service counts
    with django_assert_num_queries(3):
        owner_client.get(reverse("providers:list"))


def test_the_interface_switches_to_english(owner_client, provider):
    response = owner_client.post(
        reverse("set_language"), {"language": "en", "next": provider.get_absolute_url()}
    )
    page = owner_client.get(response["Location"]).content.decode()
    assert "Generative AI services" in page
    assert 'lang="en"' in page


def test_chinese_is_the_default_whatever_the_browser_says(owner_client, provider):
    page = owner_client.get(
        provider.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert 'lang="zh-CN"' in page
    assert "生成式人工智能服务" in page


def test_a_service_change_is_audited_with_before_and_after(editor_client, provider, service):
    from audit.models import Action, AuditEvent

    url = reverse("providers:service_edit", args=[provider.public_id, service.public_id])
    data = {**SERVICE_FORM, "name": service.name, "minors_allowed": "on"}
    editor_client.post(url, data, REMOTE_ADDR="203.0.113.7")
    event = AuditEvent.objects.filter(action=Action.SERVICE_CHANGED).latest("id")
    assert event.before["minors_allowed"] is False and event.after["minors_allowed"] is True
    assert event.actor_email == "editor@a.example.cn" and event.ip == "203.0.113.7"


def test_signed_out_visitors_see_what_the_portal_is(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{reverse("accounts:login")}"' in html
    assert f'href="{reverse("dossiers:verify")}"' in html
    assert "生成式人工智能合规平台" in html
