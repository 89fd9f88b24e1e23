"""The Insightly screen pop's CRM budget: few calls found or not, numbers still found however typed.

Against the Insightly sandbox over real HTTP; its journal counts every call the connector makes.
"""

from __future__ import annotations

from typing import Any

import pytest

from appconnect.connector import ContactLookup, CrmUser
from connectors.insightly import CONNECTOR, InsightlyConnector
from connectors.insightly.phone_plan import (
    PROFILE_FRESH_S,
    Number,
    PhoneProfile,
    fill,
    learn,
    pattern_of,
)
from connectors.insightly.records import CONTACT, LEAD
from tests.connectors.dict_cache import DictCache
from tests.connectors.test_insightly_connector import (  # noqa: F401 - the fixtures this module uses
    sandbox,
    sandbox_server,
)
from tests.sandbox_client import SandboxClient

KEY = "sandbox-insightly-key-avery"
#: the four messy formats of the Insightly acceptance, for the number +1 628 555 0123
MESSY = ["(628) 555-0123", "628-555-0123", "+1 628 555 0123", "6285550123"]
NUMBER = "+16285550123"


@pytest.fixture
def lookup(sandbox: SandboxClient) -> Any:  # noqa: F811
    connector: InsightlyConnector = CONNECTOR()
    user = CrmUser(
        id="5001-insightly",
        platform="insightly",
        access_token=KEY,
        platform_additional_info={"apiUrl": sandbox.base, "instanceId": 900100},
    )
    auth = f"Basic {connector.get_basic_auth(api_key=KEY)}"

    def find(number: str, cache: DictCache) -> tuple[list[Any], int]:
        """The ids found and the CRM calls the lookup made."""
        sandbox.clear_journal()
        result = connector.find_contact(
            user=user, auth_header=auth, request=ContactLookup(phone_number=number, cache=cache)
        )
        assert result.contacts is not None
        found = [c["id"] for c in result.contacts if not c.get("isNewContact")]
        return found, len(sandbox.journal())

    return find


def _people(count: int, pattern: str, first_number: int = 2000) -> list[dict[str, Any]]:
    """``count`` contacts whose PHONE is typed like ``pattern`` (415 555 xxxx numbers)."""
    number = Number.of("+14155550000")
    assert number is not None
    people = []
    for n in range(count):
        digits = Number.of(f"+1415555{first_number + n:04d}")
        assert digits is not None
        people.append({"FIRST_NAME": "P", "LAST_NAME": str(n), "PHONE": fill(pattern, digits)})
    return people


def test_given_a_company_typing_one_format_when_a_stored_number_is_popped_then_at_most_4_calls(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    # 200 contacts typed (415) 555-0142, beside the seed's handful typed otherwise: 96 % of its numbers
    sandbox.seed(contacts=_people(200, "(###) ###-####"))
    cache = DictCache()
    lookup("+14155559999", cache)  # the company's first screen pop learns its profile
    [stored] = sandbox.seed(
        contacts=[{"FIRST_NAME": "Usual", "LAST_NAME": "Format", "PHONE": "(628) 555-0123"}]
    )["contacts"]

    found, calls = lookup(NUMBER, cache)

    assert found == [stored]
    assert calls <= 4


def test_given_a_learned_profile_when_an_unknown_number_is_popped_then_at_most_8_calls(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    sandbox.seed(contacts=_people(10, "(###) ###-####") + _people(10, "###.###.####", 3000))
    cache = DictCache()
    lookup("+14155559999", cache)

    found, calls = lookup("+16285550999", cache)

    assert found == []
    assert calls <= 8  # the budget of issue 15


def test_given_a_new_company_when_an_unknown_number_is_popped_then_at_most_8_calls_sample_included(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    found, calls = lookup("+16285550999", DictCache())

    assert found == []
    assert calls <= 8  # the budget of issue 15


def test_given_a_new_company_with_the_four_messy_formats_when_popped_then_all_four_found(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    ids = sandbox.seed(contacts=[{"FIRST_NAME": "M", "LAST_NAME": f, "PHONE": f} for f in MESSY])["contacts"]

    found, calls = lookup(NUMBER, DictCache())

    assert sorted(found) == sorted(ids)
    assert calls <= 8  # the budget of issue 15


def test_given_a_company_typing_the_four_messy_formats_when_a_new_contact_is_popped_then_found_in_each(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    # a large company (its sample does not hold the new contacts) whose people type all four formats
    sandbox.seed(
        contacts=_people(15, "(###) ###-####")
        + _people(15, "###-###-####", 3000)
        + _people(15, "+# ### ### ####", 4000)
        + _people(15, "##########", 5000)
    )
    cache = DictCache()
    lookup("+14155559999", cache)
    ids = sandbox.seed(contacts=[{"FIRST_NAME": "M", "LAST_NAME": f, "PHONE": f} for f in MESSY])["contacts"]

    found, calls = lookup(NUMBER, cache)

    assert sorted(found) == sorted(ids)
    assert calls <= 8  # the budget of issue 15


def test_given_a_contact_created_from_the_extension_when_popped_then_found_whatever_the_profile(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    sandbox.seed(contacts=_people(20, "(###) ###-####"))
    cache = DictCache()
    lookup("+14155559999", cache)
    [created] = sandbox.seed(leads=[{"FIRST_NAME": "New", "LAST_NAME": "Lead", "PHONE": NUMBER}])["leads"]
    [contact] = sandbox.seed(contacts=[{"FIRST_NAME": "New", "LAST_NAME": "Contact", "PHONE": NUMBER}])[
        "contacts"
    ]

    found, _ = lookup(NUMBER, cache)

    # the seeded lead Jordan Prospect makes the company one with leads: both kinds are searched in E.164
    assert sorted(found) == sorted([created, contact])


def test_given_a_fresh_profile_when_popped_then_no_sample_is_read_and_a_stale_one_is_relearned(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    cache = DictCache()
    lookup("+14155559999", cache)
    [key] = cache.values
    lookup("+14155559998", cache)
    assert [e for e in sandbox.journal() if not e["path"].endswith("/search")] == []

    stale = PhoneProfile.from_cache(cache.values[key])
    assert stale is not None
    cache.values[key] = PhoneProfile(stale.entries, stale.learned_at - PROFILE_FRESH_S - 1).to_cache()
    lookup("+14155559997", cache)

    assert sorted(e["path"] for e in sandbox.journal() if not e["path"].endswith("/search")) == [
        "/v3.1/contacts",
        "/v3.1/leads",
    ]
    relearned = PhoneProfile.from_cache(cache.values[key])
    assert relearned is not None
    assert relearned.fresh()


def test_given_insightly_failing_the_sample_when_popped_then_the_searches_still_answer(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    sandbox.fault(path="^/v3.1/contacts$", status=503, times=None)

    found, _ = lookup("+14155550142", DictCache())

    assert 101 in found  # Maya Patel, typed (415) 555-0142, found by the search


# -- the profile itself --------------------------------------------------------------------------------------


def test_given_phone_values_when_patterned_then_digits_become_placeholders_and_non_numbers_are_refused() -> (
    None
):
    assert pattern_of(" (415) 555-0142 ") == "(###) ###-####"
    assert pattern_of("+44 20 7946 0958") == "+## ## #### ####"
    assert pattern_of("415-555-0142 x12") is None
    assert pattern_of("call me") is None
    assert pattern_of("12345") is None
    assert pattern_of(4155550142) is None


def test_given_patterns_when_filled_then_plus_ones_take_the_country_code_and_others_the_national_number() -> (
    None
):
    us, uk = Number.of("+14155550142"), Number.of("+442079460958")
    assert us is not None
    assert uk is not None
    assert fill("(###) ###-####", us) == "(415) 555-0142"
    assert fill("+# ### ### ####", us) == "+1 415 555 0142"
    assert fill("#-###-###-####", us) == "1-415-555-0142"
    assert fill("+## ## ######", us) is None  # a German pattern does not fit a US number
    assert fill("### #### ####", uk) == "020 7946 0958"  # the trunk prefix
    assert fill("+## ## #### ####", uk) == "+44 20 7946 0958"


def test_given_sampled_records_when_learned_then_most_common_spelling_per_field_first() -> None:
    profile = learn(
        {
            CONTACT: [
                {"PHONE": "(415) 555-0142"},
                {"PHONE": "(415) 555-0143"},
                {"PHONE_MOBILE": "4155550144"},
            ],
            LEAD: [
                {"MOBILE": "n/a", "CUSTOMFIELDS": [{"FIELD_NAME": "Alt__c", "FIELD_VALUE": "415.555.0145"}]}
            ],
        },
        now=1000.0,
    )

    assert profile.entries == (
        (CONTACT, "PHONE", "(###) ###-####", 2),
        (CONTACT, "PHONE_MOBILE", "##########", 1),
        (LEAD, "Alt__c", "###.###.####", 1),
    )
    assert PhoneProfile.from_cache(profile.to_cache()) == profile
    assert PhoneProfile.from_cache({"v": 99}) is None
    assert profile.fresh(now=1000.0 + PROFILE_FRESH_S - 1)
    assert not profile.fresh(now=1000.0 + PROFILE_FRESH_S)


def test_given_two_users_of_one_instance_when_they_pop_then_they_share_one_profile(
    sandbox: SandboxClient,  # noqa: F811
    lookup: Any,
) -> None:
    cache = DictCache()
    lookup("+14155559999", cache)
    connector: InsightlyConnector = CONNECTOR()
    blake = CrmUser(
        id="5002-insightly",
        platform="insightly",
        access_token="sandbox-insightly-key-blake",
        platform_additional_info={"apiUrl": sandbox.base, "instanceId": 900100},
    )
    sandbox.clear_journal()

    connector.find_contact(
        user=blake,
        auth_header=f"Basic {connector.get_basic_auth(api_key='sandbox-insightly-key-blake')}",
        request=ContactLookup(phone_number="+14155559998", cache=cache),
    )

    assert len(cache.values) == 1
    assert [e for e in sandbox.journal() if not e["path"].endswith("/search")] == []
