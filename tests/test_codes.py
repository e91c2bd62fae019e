"""Credit codes (GB 32100-2015), provider codes (TC260-PG-20252A) and filing numbers."""

import pytest

from providers import codes

VALID_USCC = [
    "91350100M000100Y43",
    "91440300708461136T",
    "91110102MAD55U9H0F",
    "91110114MACY9KQ17M",
    "91330000755918469E",
]


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_credit_codes_pass(code):
    assert codes.validate_uscc(code) == code


def test_lower_case_and_spaces_are_normalised():
    assert codes.validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100I43", "forbidden_letter"),
        ("91350100M000100O43", "forbidden_letter"),
        ("91350100M000100Z43", "forbidden_letter"),
        ("91350100M000100S43", "forbidden_letter"),
        ("91350100M000100V43", "forbidden_letter"),
        ("91350100M000100Y4!", "charset"),
        ("913501A0M000100Y43", "division"),
        ("91350100M000100Y44", "check_character"),
    ],
)
def test_invalid_credit_codes_say_which_rule_failed(raw, error):
    with pytest.raises(codes.CodeError) as exc:
        codes.validate_uscc(raw)
    assert exc.value.code == error
    assert str(exc.value)


def test_check_character_message_names_the_right_character():
    with pytest.raises(codes.CodeError) as exc:
        codes.validate_uscc("91350100M000100Y44")
    assert "3" in str(exc.value)


@pytest.mark.parametrize("code", ["001191440300708461136T1XGW3", "001191110102MAD55U9H0F10002"])
def test_observed_provider_codes_pass(code):
    assert codes.validate_provider_code(code) == code


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("001191440300708461136T1XGW", "length"),
        ("011191440300708461136T1XGW3", "format"),
        ("002191440300708461136T1XGW3", "subject"),
        ("001191440300708461137T1XGW3", "embedded_uscc"),
        ("001191440300708461136T3XGW3", "service_type"),
        ("001191440300708461136T1XGW-", "charset"),
    ],
)
def test_invalid_provider_codes(raw, error):
    with pytest.raises(codes.CodeError) as exc:
        codes.validate_provider_code(raw)
    assert exc.value.code == error


def test_provider_code_must_belong_to_the_provider():
    with pytest.raises(codes.CodeError) as exc:
        codes.validate_provider_code("001191440300708461136T1XGW3", uscc="91350100M000100Y43")
    assert exc.value.code == "mismatch"


def test_provider_code_is_derived_from_the_credit_code():
    derived = codes.provider_code_from_uscc("91350100M000100Y43")
    assert derived == "001191350100M000100Y4300000"
    assert codes.validate_provider_code(derived) == derived


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("网信算备110108823483901230031号", True),
        ("网信算备11010882348390123003号", False),
        ("网信算备110108823483901230031", False),
        ("算备110108823483901230031号", False),
    ],
)
def test_algorithm_filing_numbers(number, ok):
    if ok:
        assert codes.validate_algorithm_filing_number(number) == number
    else:
        with pytest.raises(codes.CodeError):
            codes.validate_algorithm_filing_number(number)


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("Beijing-WenXinYiYan-20230821", True),
        ("Jiangsu-HaiRuiFaLv-202512030062", True),
        ("Beijing-CoMi-20251201S0128", True),
        ("Beijing WenXin 20230821", False),
        ("Beijing-WenXin-2023082", False),
    ],
)
def test_generative_ai_filing_numbers(number, ok):
    if ok:
        assert codes.validate_gai_filing_number(number) == number
    else:
        with pytest.raises(codes.CodeError):
            codes.validate_gai_filing_number(number)
