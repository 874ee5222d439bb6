"""English rule families of round 4 (issue 10): each shown firing and with a near miss
staying silent. Sentences are invented for these tests."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import types_of

BOYCOTT, WITHDRAW, ARMS, RUPTURE, DECL = (
    "summit_boycott",
    "withdrawal_statement",
    "arms_transfer",
    "diplomatic_rupture",
    "declaration_refusal",
)

FIRES: list[tuple[str, str]] = [
    # boycotts: invitations to any international meeting, walk-outs of a named
    # parliamentary assembly, leaving the hall in protest
    (BOYCOTT, "The presidents of Uzbekistan and Tajikistan declined invitations to the Eurasian forum in Kazan."),
    (BOYCOTT, "Georgia's prime minister turned down an invitation to the OSCE conference in Malta."),
    (BOYCOTT, "Baku's delegation stormed out of the Parliamentary Assembly of the Council of Europe on Monday."),
    (BOYCOTT, "The Malian delegation left the ECOWAS summit hall in protest before the vote."),
    (BOYCOTT, "Aliyev is not going to the CIS summit in Dushanbe, his aide said on Friday."),
    (BOYCOTT, "Pashinyan is not going to attend the CSTO summit in Minsk, his office said."),
]

SILENT: list[tuple[str, str]] = [
    # "going to" + another verb is no trip to a meeting
    (BOYCOTT, "Kazakhstan is not going to leave the EAEU, President Tokayev said on Monday."),
    (BOYCOTT, "Armenia is not going to sign the CSTO declaration, Pashinyan said."),
    # a national parliament is no international meeting
    (BOYCOTT, "Opposition deputies walked out of the parliamentary session on the budget."),
    # a plain bilateral meeting invitation
    (BOYCOTT, "The minister declined an invitation to a meeting with his Armenian counterpart."),
    # the step told by a commentator or the opposition, without quotation marks
    (BOYCOTT, "Pashinyan will not attend the CSTO summit in Minsk, an opposition MP claimed on Tuesday."),
    (WITHDRAW, "Armenia will quit the CSTO before the end of the year, a political analyst predicted."),
    (RUPTURE, "Moldova will expel the Russian ambassador within days, an opposition leader said."),
]


@pytest.mark.parametrize(("etype", "text"), FIRES)
def test_family_fires(etype: str, text: str) -> None:
    assert etype in types_of(text, lang="en"), text


@pytest.mark.parametrize(("etype", "text"), SILENT)
def test_near_miss_is_silent(etype: str, text: str) -> None:
    assert etype not in types_of(text, lang="en"), text


def test_experts_reporting_a_delivery_still_count() -> None:
    # Third-party reports of deliveries are news: the commentator veto skips arms.
    text = "Iran has shipped ballistic missiles to Russia, Western experts said on Friday."
    assert ARMS in types_of(text, lang="en")
