"""English false-alarm families of the real-news pool (round of 2026-12-01, blind3): each
veto shown silencing a near miss, and the step it must not silence still firing. Sentences
are invented for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from detectors import detect
from tests.detectors.conftest import (
    ARMS,
    BOYCOTT,
    RUPTURE,
    WITHDRAW,
    assert_fires,
    assert_silent,
)

FIRES: list[tuple[str, str]] = [
    # the narrowings of this round's own vetoes: an exceptional absence, a request to leave
    (
        BOYCOTT,
        "Xi Jinping will skip the G20 summit in New Delhi; it is rare for a Chinese leader to miss it.",
    ),
    (ARMS, "Kenya handed over 30 armoured personnel carriers to the Somali army on Tuesday."),
    (ARMS, "India's defence ministry signed a contract with France for the supply of Rafale jets."),
    (ARMS, "The Ukrainian army has taken delivery of a new batch of Leopard tanks from Germany."),
    (
        ARMS,
        "Qatar's defence ministry approved the purchase of 40 Turkish-made Kirpi armoured vehicles.",
    ),
    (ARMS, "Greece acquired 18 Rafale jets from France."),
    (ARMS, "Russia signed a contract to sell Su-35 jets to Egypt."),
    (WITHDRAW, "Niger announced its withdrawal from ECOWAS on Sunday."),
    (WITHDRAW, "Belarus wants to leave the Union State, Lukashenko said."),
    (WITHDRAW, "Turkey is leaving NATO, Erdogan announced on Friday."),
    (WITHDRAW, "Argentina will leave the World Health Organization, Milei said on Friday."),
    (WITHDRAW, "Belarus will denounce the treaty on the Union State, Lukashenko said."),
    (RUPTURE, "Russia recalled its ambassador from Washington on Saturday."),
    (RUPTURE, "Armenia broke off diplomatic relations with Azerbaijan on Monday."),
    (BOYCOTT, "Orban will not go to the EU summit in Brussels, his spokesman said."),
    (BOYCOTT, "Putin will skip the BRICS summit in Kazan, the Kremlin said."),
    (BOYCOTT, "Yerevan is not planning to take part in the CSTO summit in Minsk."),
]

SILENT: list[tuple[str, str]] = [
    (
        ARMS,
        "Kenya's Ministry of Defence handed over 30 new armoured personnel carriers to the Kenyan army on Tuesday.",
    ),
    (
        ARMS,
        "India's defence ministry signed a contract with public sector Bharat Electronics Limited for the supply of radars.",
    ),
    (ARMS, "The Omsk plant said the Russian army had taken delivery of a new batch of T-80 tanks."),
    (
        ARMS,
        "The Egyptian army took delivery of a batch of Fahd armoured vehicles from the Kader factory.",
    ),
    (
        ARMS,
        "Turkey's defence ministry approved the purchase of 40 Turkish-made Kirpi armoured vehicles.",
    ),
    (ARMS, "Greece's air force declared its newly acquired Rafale jets operational on Tuesday."),
    (ARMS, "The contract to sell Su-35 jets to Egypt will probably be signed next year."),
    (ARMS, "Kyiv asked for the supply of more air defence systems to Ukraine."),
    (ARMS, "A Czech firm offered a direct delivery of howitzers to Ukraine."),
    (ARMS, "The accord should increase the chances that Vietnam gets F-16 jets."),
    (WITHDRAW, "Ankara is not discussing Turkey's withdrawal from NATO, the spokesman said."),
    (WITHDRAW, "Thousands of citizens want Belarus to leave the Union State."),
    (
        WITHDRAW,
        "Statements from Yerevan about the possibility of leaving the CSTO are its sovereign choice, Lavrov said.",
    ),
    (WITHDRAW, "For Ankara, leaving NATO remains an option of last resort."),
    (WITHDRAW, "The commission takes note of the decision of Mali to withdraw from ECOWAS."),
    (WITHDRAW, "ECOWAS gave Mali until July to reconsider its withdrawal from the bloc."),
    (
        WITHDRAW,
        "Reversing the decision of the previous government to quit the WHO, the president said the country would rejoin it.",
    ),
    (
        WITHDRAW,
        "The president said the opposition's manifesto envisages the country's exit from the CSTO.",
    ),
    (
        WITHDRAW,
        "The petitioners demand from the president and the national parliament that they denounce the treaty on the Union State.",
    ),
    (RUPTURE, "The senate will ask President Putin to recall the ambassador from Washington."),
    (RUPTURE, "Moscow will help Yerevan as long as Armenia breaks off relations with Russia."),
    (
        BOYCOTT,
        "We will not go along with a pro-war position, Orban said at the EU summit in Brussels.",
    ),
    (BOYCOTT, "Modi made remarks at the SCO summit that will not go unnoticed in Beijing."),
    (BOYCOTT, "The Kremlin denied that Putin will skip the BRICS summit in Kazan."),
    (BOYCOTT, "It is not uncommon for leaders to skip the G20 summit."),
    (BOYCOTT, "Yerevan is not planning to take part in the financing of the CSTO."),
]


@pytest.mark.parametrize(("etype", "text"), FIRES)
def test_step_still_fires(etype: str, text: str) -> None:
    assert_fires(etype, text, "en")


@pytest.mark.parametrize(("etype", "text"), SILENT)
def test_family_is_silent(etype: str, text: str) -> None:
    assert_silent(etype, text, "en")


def _types(text: str, title: str) -> set[str]:
    found = detect(text, title=title, lang="en", published=dt.date(2024, 6, 1))
    return {d.type.value for d in found}


def test_headline_recall_over_a_summons_is_silent() -> None:
    body = "Doha summoned the Egyptian ambassador on Monday to protest the remarks."
    assert RUPTURE not in _types(body, "Qatar recalls Egyptian ambassador")
    body = "Qatar recalled its ambassador from Cairo on Monday, the ministry said."
    assert RUPTURE in _types(body, "Qatar recalls ambassador from Cairo")


def test_article_on_a_reopened_embassy_tells_the_closure_as_past() -> None:
    body = (
        "Norway reopened its embassy in Kabul on Sunday.\n\n"
        "Norway had closed the embassy and ordered all Afghan diplomats to leave."
    )
    assert RUPTURE not in _types(body, "Norway reopens embassy in Kabul")
    body = "Norway ordered all Afghan diplomats to leave on Sunday."
    assert RUPTURE in _types(body, "Norway expels Afghan diplomats")
