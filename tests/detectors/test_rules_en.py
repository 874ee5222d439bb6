"""Every English rule family shown firing and not firing (short paraphrased sentences)."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import ARMS, BOYCOTT, DECL, RUPTURE, WITHDRAW, types_of

FIRES = [
    # summit_boycott
    (BOYCOTT, "The Armenian prime minister will not attend next week's CSTO summit in Minsk."),
    (BOYCOTT, "Kazakhstan's president skipped the Eurasian summit in Moscow on Tuesday."),
    (BOYCOTT, "Moldova boycotted the CIS summit in Bishkek, officials said on Friday."),
    (BOYCOTT, "Azerbaijan's president snubbed the informal CIS summit near St Petersburg."),
    (
        BOYCOTT,
        "Georgia's prime minister declined to travel to the European Political Community summit.",
    ),
    (
        BOYCOTT,
        "Pashinyan refused to go to Minsk for the meeting of the Collective Security Council.",
    ),
    (BOYCOTT, "Aliyev turned down an invitation to the CIS summit, his office said on Monday."),
    (
        BOYCOTT,
        "Ukraine's foreign minister stayed away from the OSCE ministerial meeting in protest.",
    ),
    (BOYCOTT, "No U.S. official will attend the G20 summit in Johannesburg, Trump said on Friday."),
    (
        BOYCOTT,
        "Deputy Prime Minister Grigoryan will stand in for Pashinyan at the EAEU summit in Minsk.",
    ),
    (BOYCOTT, "Argentina's Milei sent his foreign minister to the Mercosur summit instead."),
    # withdrawal_statement
    (
        WITHDRAW,
        "Armenia will leave the CSTO, Prime Minister Nikol Pashinyan told parliament on Wednesday.",
    ),
    (WITHDRAW, "Pashinyan said Armenia has frozen its participation in the CSTO."),
    (WITHDRAW, "Mali announced on Sunday that it was pulling out of the G5 Sahel."),
    (WITHDRAW, "Russia suspended its participation in New START, Putin said on Tuesday."),
    (WITHDRAW, "Hungary will begin the process of leaving the International Criminal Court."),
    (WITHDRAW, "Armenia could quit the Eurasian Economic Union at some point, Pashinyan said."),
    (WITHDRAW, "Putin signed a law revoking Russia's ratification of the nuclear test ban treaty."),
    (WITHDRAW, "Kyrgyzstan threatened on Monday to exit the CSTO."),
    # arms_transfer
    (
        ARMS,
        "Politico reported on Wednesday that Belarus had supplied Azerbaijan with artillery systems.",
    ),
    (ARMS, "India has shipped Pinaka rocket launchers to Armenia, officials said on Thursday."),
    (ARMS, "Kyrgyzstan has received Turkish combat drones, the security chief said."),
    (ARMS, "Azerbaijan signed a contract to buy JF-17 fighter jets from Pakistan."),
    (ARMS, "The State Department approved the sale of F-16 fighter jets to Turkey."),
    (ARMS, "North Korea has sent a million artillery shells to Russia, Seoul said on Wednesday."),
    (ARMS, "Russia handed over Iskander missile systems to Belarus on Tuesday."),
    # diplomatic_rupture
    (RUPTURE, "Armenia recalled its ambassador from Belarus on Friday."),
    (RUPTURE, "Lithuania expelled Russia's ambassador on Monday."),
    (RUPTURE, "Niger ordered the French ambassador to leave the country within 48 hours."),
    (RUPTURE, "Moldova declared a Russian diplomat persona non grata."),
    (RUPTURE, "Bolivia severed diplomatic ties with Israel on Tuesday."),
    (RUPTURE, "Mexico suspended diplomatic relations with Ecuador after the embassy raid."),
    (RUPTURE, "Estonia downgraded diplomatic relations with Russia on Monday."),
    (RUPTURE, "Azerbaijan suspended the operations of its embassy in Tehran on Sunday."),
    # declaration_refusal
    (DECL, "Pashinyan refused to sign the CSTO summit declaration on Wednesday."),
    (DECL, "Hungary blocked a joint EU statement on Ukraine, diplomats said on Friday."),
    (DECL, "Georgia declined to align with the EU declaration on sanctions."),
    (
        DECL,
        "The G20 meeting ended without a joint communique after Russia objected to the wording.",
    ),
    (DECL, "The text was agreed by all members except Russia, the chair's statement said."),
    (DECL, "The migration section was dropped after Poland refused to accept it."),
]

SILENT = [
    # same vocabulary, other senses (corpus README rule 4 and the brief)
    "Russian peacekeepers withdrew from Nagorno-Karabakh on Wednesday.",
    "Armenian border guards pulled back from the line near the four villages.",
    "Rybakina withdrew from the French Open with illness.",
    "Customers queued to withdraw their savings from the bank.",
    "Apple withdrew dozens of apps from the Russian store.",
    "U.S. and Chinese officials held arms control talks in Washington.",
    "Tokayev attended the CSTO summit in Minsk and signed the declaration.",
    "The CSTO summit was moved to November for logistical reasons.",
    "Police launched a buyback of weapons from civilians.",
    "Climbers reached the summit of Mount Kazbek on Sunday.",
    "A gun shop owner was convicted after police found rifles had been sold illegally.",
    "Fans will boycott the away match against Rangers.",
    "Opposition lawmakers boycotted the vote on the budget.",
    "Thousands marched through Tbilisi in a protest against the government.",
    "Azerbaijan reopened its embassy in Tehran on Monday.",
    "Several Georgian ambassadors resigned in protest at the decision.",
    # denials, background, speculation
    "Kyrgyzstan has no plans to leave the CSTO, the foreign minister said.",
    "Armenia has not announced any decision to exit the CSTO.",
    "No official decision to exit the CSTO has been announced.",
    "Belarus denied supplying weapons to Azerbaijan.",
    "Armenia, which skipped the summit last year, sent its prime minister this time.",
    "Moldova had previously recalled its ambassador from Moscow.",
    "The United States left the Open Skies treaty in 2020.",
    "If Russia loses, the CSTO will not exist, Lukashenko said.",
    "Analysts said the alliance may not survive the decade.",
    "Customs officers seized a shipment of rifles at the border.",
    "The U.S. sanctioned firms that re-exported components used to make drones.",
    "Armenia summoned the Belarusian ambassador to protest against the remarks.",
    "Washington asked allies to send more air defence systems to Ukraine.",
    "Opposition parties urged the government to quit the CSTO.",
    "All member states signed the declaration at the SCO summit.",
]


@pytest.mark.parametrize(("etype", "text"), FIRES)
def test_rule_fires(etype: str, text: str) -> None:
    assert etype in types_of(text, lang="en")


@pytest.mark.parametrize("text", SILENT)
def test_rule_stays_silent(text: str) -> None:
    assert types_of(text, lang="en") == set()
