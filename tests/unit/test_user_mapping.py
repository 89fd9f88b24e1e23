"""``appconnect.user_mapping``: which RingCentral extension is which CRM user (pure functions).

Matching pairs a CRM user with the first free extension of the same email, else of the same name (``name``,
else ``firstName lastName``); blanks match nothing; an extension is mapped once at most; the admin's own
mappings (no ``auto``) survive a re-initialisation, the automatic ones are matched again.
"""

from __future__ import annotations

from typing import Any

import pytest

from appconnect.user_mapping import extension_ids, match, normalised, resolve, validated

JORDAN = {"id": 12345, "name": "Jordan Lee", "email": "jordan.lee@sandbox.example"}
RILEY = {"id": 12346, "name": "Riley Chen", "email": "riley.chen@sandbox.example"}
NOBODY = {"id": 12360, "name": "", "email": ""}

EXT_JORDAN = {
    "id": 62264425008,
    "name": "Jordan Lee",
    "email": "jordan.lee@sandbox.example",
    "extensionNumber": "101",
}
EXT_RILEY_BY_NAME = {
    "id": 62264425009,
    "firstName": "Riley",
    "lastName": "Chen",
    "email": "riley@elsewhere.example",
    "extensionNumber": "102",
}
EXT_BLANK = {"id": 62264425010, "extensionNumber": "103"}


def _mapped(items: list[dict[str, Any]]) -> dict[Any, list[Any]]:
    """CRM user id -> the extension ids shown for it."""
    return {item["crmUser"]["id"]: [rc["extensionId"] for rc in item["rcUser"]] for item in items}


def _stored(mappings: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {m["crmUserId"]: m["rcExtensionId"] for m in mappings}


# -- extension_ids / normalised ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("101", ["101"]),
        (101, ["101"]),
        (["101", 102], ["101", "102"]),
        (None, []),
        ("", []),
        (["", None, "7"], ["7"]),
    ],
)
def test_given_a_stored_extension_value_when_read_then_a_list_of_string_ids(
    value: Any, expected: list[str]
) -> None:
    assert extension_ids({"rcExtensionId": value}) == expected


def test_given_legacy_and_broken_mappings_when_normalised_then_lists_of_strings_and_no_crmless_entry() -> (
    None
):
    stored = [
        {"crmUserId": 5, "rcExtensionId": "101"},
        {"crmUserId": "6", "rcExtensionId": [102, "103"], "auto": True},
        {"crmUserId": "", "rcExtensionId": ["104"]},
        {"rcExtensionId": ["105"]},
        "not a mapping",
    ]
    assert normalised(stored) == [
        {"crmUserId": "5", "rcExtensionId": ["101"]},
        {"crmUserId": "6", "rcExtensionId": ["102", "103"], "auto": True},
    ]


# -- match ---------------------------------------------------------------------------------------------------


def test_given_same_email_in_another_case_when_matched_then_that_extension() -> None:
    extension = {**EXT_JORDAN, "name": "Desk phone", "email": " JORDAN.LEE@Sandbox.Example "}
    assert match(JORDAN, [EXT_BLANK, extension], set()) is extension


def test_given_no_same_email_when_matched_then_by_name_then_by_first_and_last_name() -> None:
    by_name = {"id": 1, "name": "riley chen", "email": "x@elsewhere.example"}
    assert match(RILEY, [EXT_BLANK, by_name], set()) is by_name
    assert match(RILEY, [EXT_BLANK, EXT_RILEY_BY_NAME], set()) is EXT_RILEY_BY_NAME


def test_given_one_extension_of_the_name_and_another_of_the_email_when_matched_then_the_email_wins() -> None:
    same_name = {"id": 1, "name": "Jordan Lee", "email": "other@sandbox.example"}
    same_email = {"id": 2, "name": "Front desk", "email": "jordan.lee@sandbox.example"}
    assert match(JORDAN, [same_name, same_email], set()) is same_email


def test_given_the_matching_extension_is_taken_when_matched_then_none() -> None:
    assert match(JORDAN, [EXT_JORDAN], {str(EXT_JORDAN["id"])}) is None


@pytest.mark.parametrize(
    "extension",
    [
        {"id": 1},
        {"id": 1, "name": "", "email": ""},
        {"id": 1, "name": None, "email": None},
        {"id": 1, "firstName": "", "lastName": "", "email": " "},
    ],
)
def test_given_blank_email_and_name_on_both_sides_when_matched_then_nothing(
    extension: dict[str, Any],
) -> None:
    assert match(NOBODY, [extension], set()) is None
    assert match({"id": 9}, [extension], set()) is None


# -- resolve -------------------------------------------------------------------------------------------------


def test_given_no_mappings_when_resolved_then_auto_matches_by_email_and_name_and_none_for_blanks() -> None:
    items, mappings = resolve(
        [JORDAN, RILEY, NOBODY], [EXT_JORDAN, EXT_RILEY_BY_NAME, EXT_BLANK], [], rematch=False
    )
    assert _mapped(items) == {12345: [62264425008], 12346: [62264425009], 12360: []}
    assert mappings == [
        {"crmUserId": "12345", "rcExtensionId": ["62264425008"], "auto": True},
        {"crmUserId": "12346", "rcExtensionId": ["62264425009"], "auto": True},
    ]


def test_given_a_match_when_resolved_then_items_have_the_admin_pages_shape() -> None:
    items, _ = resolve([RILEY, {"id": 7}], [EXT_RILEY_BY_NAME], [], rematch=False)
    assert items == [
        {
            "crmUser": {"id": 12346, "name": "Riley Chen", "email": "riley.chen@sandbox.example"},
            "rcUser": [
                {
                    "extensionId": 62264425009,
                    "name": "Riley Chen",
                    "extensionNumber": "102",
                    "email": "riley@elsewhere.example",
                }
            ],
        },
        {"crmUser": {"id": 7, "name": "", "email": ""}, "rcUser": []},
    ]


def test_given_two_crm_users_of_one_email_when_resolved_then_the_extension_goes_to_the_first_only() -> None:
    twin = {"id": 99, "name": "Jordan Lee (old)", "email": "jordan.lee@sandbox.example"}
    items, mappings = resolve([JORDAN, twin], [EXT_JORDAN], [], rematch=False)
    assert _mapped(items) == {12345: [62264425008], 99: []}
    assert _stored(mappings) == {"12345": ["62264425008"]}


@pytest.mark.parametrize("rematch", [False, True])
def test_given_a_manual_mapping_when_resolved_then_kept_and_its_extension_never_mapped_again(
    rematch: bool,
) -> None:
    # the admin mapped Jordan's extension to Riley's CRM user
    manual = {"crmUserId": "12346", "rcExtensionId": ["62264425008"]}
    items, mappings = resolve([JORDAN, RILEY], [EXT_JORDAN, EXT_RILEY_BY_NAME], [manual], rematch=rematch)
    assert _mapped(items) == {12345: [], 12346: [62264425008]}
    assert mappings == [manual]


def test_given_a_legacy_single_id_manual_mapping_when_resolved_then_shown_and_stored_as_a_list() -> None:
    items, mappings = resolve(
        [JORDAN], [EXT_BLANK], [{"crmUserId": 12345, "rcExtensionId": "62264425010"}], rematch=True
    )
    assert _mapped(items) == {12345: [62264425010]}
    assert mappings == [{"crmUserId": "12345", "rcExtensionId": ["62264425010"]}]


def test_given_an_auto_mapping_that_no_longer_matches_when_resolved_then_kept_unless_reinitialised() -> None:
    stored = [{"crmUserId": "12346", "rcExtensionId": ["62264425009"], "auto": True}]
    renamed = {**EXT_RILEY_BY_NAME, "firstName": "Morgan", "lastName": "Diaz"}
    _, kept = resolve([RILEY], [renamed], stored, rematch=False)
    assert _stored(kept) == {"12346": ["62264425009"]}
    items, again = resolve([RILEY], [renamed], stored, rematch=True)
    assert _mapped(items) == {12346: []}
    assert again == []


def test_given_reinitialisation_when_resolved_then_auto_mappings_matched_again_and_manual_ones_kept() -> None:
    stored: list[dict[str, Any]] = [
        {"crmUserId": "12345", "rcExtensionId": ["62264425010"]},  # the admin's
        {"crmUserId": "12346", "rcExtensionId": ["62264425008"], "auto": True},  # a stale guess
    ]
    items, mappings = resolve(
        [JORDAN, RILEY], [EXT_JORDAN, EXT_RILEY_BY_NAME, EXT_BLANK], stored, rematch=True
    )
    assert _mapped(items) == {12345: [62264425010], 12346: [62264425009]}
    assert _stored(mappings) == {"12345": ["62264425010"], "12346": ["62264425009"]}
    assert [m.get("auto") for m in mappings] == [None, True]


def test_given_a_mapping_of_an_unlisted_crm_user_when_resolved_then_kept_and_its_extension_taken() -> None:
    stored = [{"crmUserId": "555", "rcExtensionId": ["62264425008"]}]
    items, mappings = resolve([JORDAN], [EXT_JORDAN], stored, rematch=True)
    assert _mapped(items) == {12345: []}
    assert mappings == stored


def test_given_a_mapped_extension_missing_from_the_list_when_resolved_then_not_shown_but_kept() -> None:
    stored = [{"crmUserId": "12345", "rcExtensionId": ["62264425008", "70000000000"]}]
    items, mappings = resolve([JORDAN], [EXT_JORDAN], stored, rematch=False)
    assert _mapped(items) == {12345: [62264425008]}
    assert _stored(mappings) == {"12345": ["62264425008", "70000000000"]}


def test_given_any_input_when_resolved_then_no_extension_is_in_two_mappings() -> None:
    crm_users = [
        JORDAN,
        RILEY,
        {"id": 3, "name": "Jordan Lee", "email": "riley.chen@sandbox.example"},
        NOBODY,
    ]
    extensions = [EXT_JORDAN, EXT_RILEY_BY_NAME, EXT_BLANK, {"id": 4, "name": "Riley Chen"}]
    stored = [{"crmUserId": "3", "rcExtensionId": ["4"]}]
    for rematch in (False, True):
        items, mappings = resolve(crm_users, extensions, stored, rematch=rematch)
        shown = [ext for item in items for ext in _mapped([item])[item["crmUser"]["id"]]]
        kept = [ext for m in mappings for ext in m["rcExtensionId"]]
        assert len(shown) == len(set(shown))
        assert len(kept) == len(set(kept))


def test_given_stored_mappings_when_resolved_then_the_input_is_not_changed() -> None:
    stored = [{"crmUserId": 12345, "rcExtensionId": "62264425010"}]
    resolve([JORDAN, RILEY], [EXT_JORDAN, EXT_RILEY_BY_NAME], stored, rematch=True)
    assert stored == [{"crmUserId": 12345, "rcExtensionId": "62264425010"}]


# -- validated -----------------------------------------------------------------------------------------------


def test_given_valid_mappings_when_validated_then_normalised() -> None:
    assert validated(
        [
            {"crmUserId": 12345, "rcExtensionId": "62264425010"},
            {"crmUserId": "12346", "rcExtensionId": [1, "2"]},
        ]
    ) == [
        {"crmUserId": "12345", "rcExtensionId": ["62264425010"]},
        {"crmUserId": "12346", "rcExtensionId": ["1", "2"]},
    ]
    assert validated([]) == []


def test_given_one_extension_for_two_crm_users_when_validated_then_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"extension 101 is mapped to two CRM users \(1 and 2\)"):
        validated([{"crmUserId": "1", "rcExtensionId": ["101"]}, {"crmUserId": "2", "rcExtensionId": 101}])


@pytest.mark.parametrize(
    ("mappings", "message"),
    [
        ({"crmUserId": "1"}, "userMappings must be a list"),
        ("1:101", "userMappings must be a list"),
        (None, "userMappings must be a list"),
        ([{"rcExtensionId": ["101"]}], "needs a crmUserId"),
        ([{"crmUserId": "", "rcExtensionId": ["101"]}], "needs a crmUserId"),
        (["1:101"], "needs a crmUserId"),
    ],
)
def test_given_malformed_mappings_when_validated_then_value_error(mappings: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validated(mappings)


def test_given_the_same_extension_twice_for_one_crm_user_when_validated_then_accepted() -> None:
    assert validated(
        [{"crmUserId": "1", "rcExtensionId": ["101"]}, {"crmUserId": "1", "rcExtensionId": "101"}]
    )


def test_given_unknown_fields_in_a_mapping_when_validated_then_only_crm_user_and_extensions_kept() -> None:
    saved = validated([{"crmUserId": "1", "rcExtensionId": ["101"], "adminAccessToken": "rc-token"}])
    assert saved == [{"crmUserId": "1", "rcExtensionId": ["101"]}]


def test_given_an_extension_without_an_id_when_resolved_then_never_matched_nor_stored() -> None:
    items, mappings = resolve(
        [JORDAN], [{"name": "Jordan Lee", "email": "jordan.lee@sandbox.example"}], [], rematch=False
    )
    assert _mapped(items) == {12345: []}
    assert mappings == []
