"""Plain helpers that build rows for tests; every argument can be overridden."""

from __future__ import annotations

import itertools

from accounts.models import User
from providers.codes import uscc_check_character
from providers.models import AIService, Invitation, Membership, Provider, Role

_seq = itertools.count(1)
PASSWORD = "correct-Horse-battery-9"


def make_credit_code() -> str:
    first17 = f"9131011{next(_seq):010d}"
    return first17 + uscc_check_character(first17)


def make_user(**kwargs) -> User:
    kwargs.setdefault("email", f"user{next(_seq)}@example.cn")
    kwargs.setdefault("display_name", "测试用户")
    password = kwargs.pop("password", PASSWORD)
    user = User(**kwargs)
    user.set_password(password)
    user.save()
    return user


def make_provider(**kwargs) -> Provider:
    kwargs.setdefault("name_zh", f"测试科技有限公司{next(_seq)}")
    kwargs.setdefault("name_en", "Test Technology Co., Ltd.")
    kwargs.setdefault("credit_code", make_credit_code())
    kwargs.setdefault("legal_representative", "张三")
    provider = Provider(**kwargs)
    provider.full_clean()
    provider.save()
    return provider


def make_service(provider: Provider, **kwargs) -> AIService:
    kwargs.setdefault("name", f"测试服务{next(_seq)}")
    kwargs.setdefault("modalities", ["text"])
    kwargs.setdefault("channels", ["web"])
    service = AIService(provider=provider, **kwargs)
    service.full_clean()
    service.save()
    return service


def make_member(provider: Provider, role: str = Role.EDITOR, **user_kwargs) -> Membership:
    user = make_user(**user_kwargs)
    return Membership.objects.create(provider=provider, user=user, role=role)


def make_invitation(provider: Provider, **kwargs) -> Invitation:
    kwargs.setdefault("email", f"invitee{next(_seq)}@example.cn")
    kwargs.setdefault("role", Role.EDITOR)
    return Invitation.objects.create(provider=provider, **kwargs)
