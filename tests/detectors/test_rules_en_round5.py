"""English rule families of round 5 (issue 10), found on real news wording: each shown
firing and with a near miss staying silent. Sentences are invented for these tests."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import types_of

ARMS, DECL = "arms_transfer", "declaration_refusal"

FIRES: list[tuple[str, str]] = [
    # arms: a government's approval of a sale, told by its formula; the weapons before the
    # sale noun, in an "of" phrase after the buyer, or only in a later clause
    (ARMS, "The State Department has approved a $2.1 billion arms sale to Qatar."),
    (ARMS, "Washington approves $900 million weapons sale to Poland"),
    (ARMS, "State Department clears Patriot missile sale to Switzerland"),
    (ARMS, "The State Department signed off on a possible Foreign Military Sale to the Kingdom of Morocco of up to 40 attack helicopters."),
    (ARMS, "The US approved a possible foreign military sale to Greece for a range of equipment, including 120 armoured vehicles."),
    (ARMS, "The State Department had approved $3 billion in potential weapons sales to Latvia, Estonia and Romania, the agency said."),
    (ARMS, "US approves possible sale to Taiwan of Abrams tanks and Stinger missiles"),
    (ARMS, "The State Department approved a potential foreign military sale (FMS) of F-16 fighter jets and related equipment to Bahrain."),
    (ARMS, "The United States has approved the sale of 12 Apache helicopters to Morocco, the agency said."),
    (ARMS, "The United States on Thursday announced a $1.4 billion arms package for Taiwan."),
    # the buyer named as the one approved
    (ARMS, "Finland has been granted approval for a potential Foreign Military Sale that includes 64 F-35 jets."),
    (ARMS, "Lithuania was approved to purchase $1.5 billion in HIMARS launchers, the agency said."),
    # deliveries told as the buyer taking possession
    (ARMS, "Azerbaijan has taken possession of the first batch of Israeli Barak missiles."),
    # a foreign supplier equipping another state's army is still a transfer
    (ARMS, "Germany delivered 40 Marder vehicles to the Ukrainian army on Monday."),
    (ARMS, "Rheinmetall handed over the first Skynex air defence systems to the Ukrainian armed forces."),
    # arms: approval of a buyer's request or bid; security assistance and drawdowns;
    # the recipient named before the goods
    (ARMS, "The State Department approved a request by Taiwan to purchase $2 billion worth of military equipment."),
    (ARMS, "US State Department approves Taiwan's bid to buy military equipment"),
    (ARMS, "The United States on Monday announced $1 billion in security assistance for Ukraine, including ammunition for HIMARS."),
    (ARMS, "Blinken said he was authorising the 31st drawdown of US arms and equipment for Ukraine."),
    (ARMS, "China on Monday delivered to Pakistan the most advanced frigate it has ever exported."),
    (ARMS, "The frigate, built by a Chinese state shipbuilder, was handed over to the Pakistan Navy at a ceremony in Shanghai."),
    (ARMS, "The frigate, built at a Shanghai shipyard, was delivered to the Pakistan Navy on Monday."),
    # approval told with the weapons and the buyer only; export licences
    (ARMS, "Berlin green-lights Leopard tanks for Ukraine"),
    (ARMS, "Germany has issued an export licence for 50 Leopard tanks to Qatar, the ministry said."),
    (ARMS, "The European Union approved a fresh €500 million tranche of military aid for Ukraine."),
    # declarations: a text already agreed, disowned afterwards
    (DECL, "Trump abandons G7 joint statement after row with Trudeau"),
    (DECL, "The US president has retracted his endorsement of the joint communique issued at the end of the G7 summit."),
    (DECL, "Washington withdrew its support for the final declaration hours after the summit closed."),
    (DECL, "Hungary pulled its signature from the EU statement on Georgia on Tuesday."),
    (DECL, "Slovakia has backed out of the joint declaration agreed at the Prague summit."),
    (DECL, "Two days after the summit, Brazil disowned the final communique."),
    (DECL, "India withdrew from the joint statement of the Ukraine peace conference on Monday."),
    (DECL, "Mexico and Colombia removed their names from the list of signatories to the communique."),
    (DECL, "Trump reneged on the joint communique agreed by the G7 leaders in Quebec."),
    (DECL, "Trump instructed US representatives not to endorse the G7 communique, he wrote on Twitter."),
]  # fmt: skip

SILENT: list[tuple[str, str]] = [
    # arms: a sale blocked, weighed, expected, discussed or asked for is no transfer
    (ARMS, "The Senate blocked the sale of F-35 jets to Turkey on Thursday."),
    (ARMS, "The State Department is weighing a possible sale of F-16 jets to Turkey."),
    (ARMS, "The State Department is expected to approve the sale of F-16 jets to Turkey."),
    (ARMS, "Congress rejected the proposed arms sale to Saudi Arabia."),
    (ARMS, "Officials discussed the possible sale of F-16 jets to Turkey during the talks."),
    (ARMS, "The State Department has not approved any arms sale to Turkey, a spokesman said."),
    (ARMS, "Lawmakers urged the administration to approve the arms sale to Taiwan."),
    (ARMS, "Democrats sought to block a $650 million arms sale to Saudi Arabia."),
    # domestic procurement and production
    (ARMS, "The Pentagon approved a $2 billion contract for Lockheed Martin to build F-35 jets for the US Air Force."),
    (ARMS, "The government approved a $3 billion budget to buy new tanks for the army."),
    (ARMS, "Prime Minister Modi handed over the home-made Arjun battle tank to the Indian Army on Sunday."),
    (ARMS, "The factory delivered the first batch of new Su-34 bombers to the Russian air force."),
    (ARMS, "The Russian defence ministry took delivery of a new batch of Su-34 bombers from the Novosibirsk aircraft plant."),
    (ARMS, "Turkey rolled out its first domestically built combat drone on Monday."),
    # a request pending, submitted or not yet approved
    (ARMS, "Taiwan's request to buy F-16 jets is still pending in Washington."),
    (ARMS, "Taiwan submitted a request to purchase more Harpoon missiles, officials said."),
    (ARMS, "The State Department has yet to approve a request by Taiwan to buy F-16 jets."),
    (ARMS, "Congress is still debating more security assistance for Ukraine."),
    (ARMS, "Pakistan's navy commissioned a locally built corvette at the Karachi shipyard on Monday."),
    (ARMS, "The Uralvagonzavod plant has handed over a new batch of T-90M tanks to the Russian army."),
    # a re-export refused, deliveries paused, a resolution against sales approved
    (ARMS, "Germany refused to allow Poland to re-export its Leopard tanks to Ukraine."),
    (ARMS, "The US paused arms deliveries to Israel over concerns about Rafah."),
    (ARMS, "The senators approved a resolution condemning arms sales to Saudi Arabia."),
    (ARMS, "The cabinet cleared the procurement of 26 Rafale jets for the navy."),
    # an approval word in another sense: a statement issued, "made it clear"
    (ARMS, "The ministry issued a statement on arms exports to Israel."),
    (ARMS, "It is clear that weapons for Ukraine are running short, the minister said."),
    # interest in buying is no purchase; a supplier failing to deliver is no delivery
    (ARMS, "Armenia has expressed interest in buying the Indian Pinaka rocket system."),
    (ARMS, "Russia's allies have failed to deliver weapons to Armenia despite signed contracts, Pashinyan complained."),
    # declarations: a retraction denied, threatened or negated; the host giving up on a
    # text; support withdrawn from something that is no joint text
    (DECL, "The White House denied that Trump had retracted his endorsement of the communique."),
    (DECL, "Trump threatened to withdraw US support for the communique if Canada kept its tariffs."),
    (DECL, "Trump did not withdraw his support for the G7 communique, his adviser said."),
    (DECL, "Trudeau said Canada would not withdraw from the communique despite Trump's attacks."),
    (DECL, "The host abandoned the idea of a joint statement and issued a chair's summary instead."),
    (DECL, "Organisers abandoned plans for a joint communique after the talks ran late."),
    (DECL, "The party withdrew its support from the coalition government, a statement said."),
    (DECL, "Germany withdrew its support for the draft resolution on Gaza."),
    (DECL, "Britain retracted the statement about the incident after protests from Beijing."),
]  # fmt: skip


@pytest.mark.parametrize(("etype", "text"), FIRES)
def test_family_fires(etype: str, text: str) -> None:
    assert etype in types_of(text, lang="en"), text


@pytest.mark.parametrize(("etype", "text"), SILENT)
def test_near_miss_is_silent(etype: str, text: str) -> None:
    assert etype not in types_of(text, lang="en"), text
