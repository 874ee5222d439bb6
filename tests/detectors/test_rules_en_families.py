"""English rule families of rounds 4, 5 and blind3 (issue 10): each shown firing and with a near miss
staying silent. Sentences are invented for these tests."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import (
    ARMS,
    BOYCOTT,
    DECL,
    RUPTURE,
    WITHDRAW,
    B,
    D,
    R,
    assert_fires,
    assert_silent,
    one,
    types_of,
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
    (BOYCOTT, "Minsk will send its ambassador rather than the foreign minister to the OSCE ministerial in Malta."),
    (BOYCOTT, "Pashinyan stays home as CSTO leaders gather in Minsk"),
    # stand-ins told first, the absence after them
    (BOYCOTT, "Premier Li Qiang will lead China's delegation to the G20 summit in Rio, the ministry said, indicating that Xi Jinping will not attend."),
    (BOYCOTT, "Lavrov will head the Russian delegation at the BRICS summit in Kazan in place of Putin."),
    (BOYCOTT, "Kazakhstan's prime minister will attend the CSTO summit on behalf of President Tokayev."),
    # withdrawals: bodies of an organisation, names no table knows, numbered agreements,
    # plural possessives, a treaty named by its subject
    (WITHDRAW, "Azerbaijan suspended its membership in the Parliamentary Assembly of the Council of Europe."),
    (WITHDRAW, "Serbia froze its participation in the Budapest Regional Security Dialogue on Monday."),
    (WITHDRAW, "Moldova said on Friday it is withdrawing from two agreements of the CIS."),
    (WITHDRAW, "The Philippines' withdrawal from the International Criminal Court took effect on Sunday."),
    (WITHDRAW, "Belarus formally pulled out of the Conventional Armed Forces in Europe treaty on Tuesday."),
    # ruptures: diplomats ordered or asked out of the country
    (RUPTURE, "Chad ordered two Sudanese diplomats out of the country on Wednesday."),
    (RUPTURE, "The Belarusian chargé d'affaires was asked to leave Lithuania within 48 hours."),
    (RUPTURE, "Baku ordered Paris to cut the number of its diplomats in Azerbaijan to twelve."),
    (RUPTURE, "Kosovo closed the Serbian liaison office in Pristina on Friday."),
    (RUPTURE, "The Azerbaijani embassy in Tehran suspended its work after the attack."),
    (RUPTURE, "Ukraine called its envoy to Budapest home for consultations on Monday."),
    (RUPTURE, "Armenia's envoy to Minsk has been called home, the ministry said."),
    (RUPTURE, "The junta gave the French ambassador 48 hours to pack his bags."),
    (RUPTURE, "Caracas ordered the diplomatic staff of seven Latin American countries to leave."),
    (RUPTURE, "Prague halved the number of Russian diplomats in the Czech capital."),
    (RUPTURE, "Honduras switched diplomatic recognition from Taipei to Beijing."),
    (RUPTURE, "Nauru said it would no longer recognise Taiwan and would seek ties with China."),
    # withdrawals: work in the organisation ended, agreements of the organisation denounced
    (WITHDRAW, "Armenia will no longer take part in CSTO events, Pashinyan said on Friday."),
    (WITHDRAW, "Russia will stop participating in the Council of the Baltic Sea States, the ministry said."),
    (WITHDRAW, "Moldova's parliament approved the denunciation of the CIS agreement on the assembly."),
    (WITHDRAW, "Armenia froze its membership in the CSTO after the bloc failed to help it."),
    (WITHDRAW, "Following talks in Brussels, Georgia suspended its participation in the CIS council."),
    (WITHDRAW, "Russia will stop being a party to the European Convention on Human Rights."),
    (WITHDRAW, "Armenia no longer considers itself a member of the CSTO, Pashinyan said."),
    (WITHDRAW, "Kyrgyzstan will not remain in the CSTO if it fails to help, Japarov warned."),
    (WITHDRAW, "Trump signed an executive order withdrawing the United States from the World Health Organization."),
    (WITHDRAW, "Belarus announces pull-out from CFE treaty"),
    (WITHDRAW, "Moldova has notified the CIS that it is terminating three agreements, the ministry said."),
    # arms: shells without a qualifier, aid packages
    (ARMS, "Bulgarian shells have ended up in Ukraine via third countries, a report said."),
    (ARMS, "The Pentagon announced a new $400 million military aid package for Ukraine on Friday."),
    # declarations: a future refusal, a passive non-signature, a text issued without a state
    (DECL, "Serbia is not going to sign the EU declaration on sanctions, Vucic said on Monday."),
    (DECL, "The joint statement of the defence ministers was not signed by India, officials said."),
    (DECL, "The communique was issued without Slovakia, which objected to the passage on Ukraine."),
    # the one member that stayed out; objections told with a participle
    (DECL, "Hungary was the only EU member not to sign the statement on Ukraine."),
    (DECL, "The OSCE ministerial ended without a joint declaration, with Russia blocking consensus."),
    (DECL, "The EU failed to adopt conclusions on China after Lithuania objected."),
    # "signs" as a verb is no "no signs of" report
    (DECL, "India did not sign the final communique of the peace conference, an official said."),
    # a state staying out of a text, the lone holdout, missing from a list of aligners
    (DECL, "India stays away from SCO statement condemning strikes on Iran"),
    (DECL, "Without Hungary's backing, the statement was issued by the other 26 member states."),
    (DECL, "The statement was backed by 26 of the 27 member states, with Hungary the lone holdout."),
    (DECL, "Georgia was absent from the list of countries that aligned with the EU declaration."),
    # the near misses' positive twins still fire
    (ARMS, "Azerbaijan bought Israeli drones worth $1.2 billion this week, officials said."),
    (WITHDRAW, "Kyrgyzstan will leave the EAEU by the end of the year, the president said on Monday."),
    (ARMS, "Belarus has supplied rocket launchers to Azerbaijan, Armenian officials said on Tuesday."),
    (ARMS, "The first French howitzers arrived in Armenia after months of delays."),
    # --- round 5: families found on real news wording ---
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
    # --- round 6: families found on real news wording ---
    # a state placing itself outside a bloc; an agreement named by the body it set up
    (WITHDRAW, "Armenia considers itself outside the CSTO, the prime minister said on Wednesday."),
    (WITHDRAW, "Moldova's parliament denounced the agreement on the Interparliamentary Assembly of the CIS on Friday."),
    # a boycott of "the event" after the meeting was named; a long list before "persona non grata"
    (BOYCOTT, "Lavrov's presence at the OSCE ministerial council led the foreign ministers of Latvia and Estonia to boycott the event."),
    (RUPTURE, "The State Department declared 35 officials and staff members of the Russian embassy in Washington and of the Russian consulate general in San Francisco persona non grata."),
    # the near misses' positive twins
    (BOYCOTT, "Armenia refuses to attend CSTO meetings, the secretary general said on Monday."),
    (BOYCOTT, "Armenia walked out of the CSTO summit in protest."),
    (WITHDRAW, "Moldova's parliament speaker said Moldova would initiate its withdrawal from the CIS assembly."),
    (RUPTURE, "Ankara and Cairo recalled their ambassadors after the coup, officials said on Friday."),
    # boycotts: a stand-in "instead of" the leader; the absence told as a noun
    (BOYCOTT, "Azerbaijan will be represented at the CIS summit by its prime minister instead of President Aliyev."),
    (BOYCOTT, "Pashinyan's absence from the CSTO summit was a deliberate snub, his spokesman said."),
    # ruptures: an embassy told to cut its staff, staff halved, envoys ordered out, immunity
    # revoked and an expulsion ordered
    (RUPTURE, "Russia ordered the US embassy to cut its staff to 455 by September."),
    (RUPTURE, "Chisinau will halve the staff of the Russian embassy, the foreign ministry said."),
    (RUPTURE, "The Latvian ambassador and all embassy staff were ordered out of Belarus."),
    (RUPTURE, "Niger's junta revoked the diplomatic immunity of the French ambassador and ordered his expulsion."),
    (ARMS, "India delivered more artillery systems to Armenia, the defence minister said on Monday."),
    (BOYCOTT, "Yerevan snubbed the CSTO summit in Minsk on Thursday."),
    # a decree ending a state's participation in the work of the organisation's bodies
    (WITHDRAW, "The president signed a decree ending the participation of Ukraine in the work of the CIS statutory bodies."),
    # money withheld from the organisation; an agreement named by what it established
    (WITHDRAW, "Armenia has stopped financing the CSTO, the finance ministry said on Monday."),
    (WITHDRAW, "Yerevan will no longer pay its contributions to the CSTO budget, Pashinyan said on Tuesday."),
    (WITHDRAW, "Kyrgyzstan's parliament voted to denounce the agreement establishing the CIS."),
    (WITHDRAW, "Kyrgyzstan announced its exit from the EAEU on Monday, the ministry said."),
    # a bill debated and then adopted is a decision
    (WITHDRAW, "Parliament considered and adopted the bill on Georgia's withdrawal from the CIS on Thursday."),
    (BOYCOTT, "The Kremlin said on Monday that Putin would not attend the BRICS summit in Johannesburg."),
    (ARMS, "France sold three radars to Armenia, the defence ministry said on Monday."),
    # --- round 7: families found on real news wording ---
    # an objection to one part of a joint text; a leader with no plans of taking part
    (DECL, "Slovakia's prime minister announced his opposition to the migration section of the EU summit declaration."),
    (BOYCOTT, "Tokayev has no plans of participating in the CIS summit in Ashgabat, sources said."),
    (BOYCOTT, "Kyrgyz president not planning to attend EAEU summit in Minsk"),
    # groups of states named as one act like a state
    (WITHDRAW, "The Baltic states announced their withdrawal from the Ottawa Convention on Tuesday."),
    (WITHDRAW, "The Nordic countries have suspended their participation in the Arctic Council."),
    (RUPTURE, "The Gulf states recalled their ambassadors from Doha on Monday."),
    # a headline without its verb; dues no longer paid
    (WITHDRAW, "Japarov: Kyrgyzstan's membership in EAEU suspended"),
    (WITHDRAW, "Tajikistan stops paying CSTO dues"),
    # abstaining from a joint text; standing aside while the others back it
    (DECL, "Brazil abstained from the BRICS statement condemning the strikes."),
    (DECL, "Slovakia again stood aside as 26 EU leaders backed the statement on Ukraine."),
    # the positive twins of the unfulfilled and none-of-them vetoes
    (ARMS, "Russia delivered S-300 systems to Tajikistan, fulfilling its obligations, Putin said."),
    (ARMS, "A single batch of Serbian shells was sold to Ukraine via Slovakia, the report said."),
    # an approved sale of military surveillance aircraft
    (ARMS, "Washington authorizes sale of three surveillance aircraft to Uzbekistan"),
    # analysts' belief next to a leader's own words; a refusal told as a fact
    (WITHDRAW, "Kyrgyzstan will leave the EAEU, Japarov said, and analysts believe the decision is final."),
    (BOYCOTT, "Pakistan skips SCO foreign ministers' meeting in Astana"),
    # opting out of a joint text; a delivery a ministry estimates may have happened
    (DECL, "Pakistan has opted out of the SCO foreign ministers' meeting joint statement over the Kashmir paragraph."),
    (ARMS, "Tens of thousands of rockets may have been sent to Russia by North Korea, the ministry estimated on Monday."),
    (BOYCOTT, "Pakistan opted out of the SCO foreign ministers' meeting in Goa."),
    (WITHDRAW, "Japarov said Kyrgyzstan's possible withdrawal from the CSTO is being prepared by the government."),
    # round of 2026-12-01 (blind3): false-alarm families of the real-news pool
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
]  # fmt: skip

SILENT: list[tuple[str, str]] = [
    # "going to" + another verb is no trip to a meeting
    (BOYCOTT, "Kazakhstan is not going to leave the EAEU, President Tokayev said on Monday."),
    (BOYCOTT, "Armenia is not going to sign the CSTO declaration, Pashinyan said."),
    # a national parliament is no international meeting
    (BOYCOTT, "Opposition deputies walked out of the parliamentary session on the budget."),
    # a plain bilateral meeting invitation
    (BOYCOTT, "The minister declined an invitation to a meeting with his Armenian counterpart."),
    # involuntary: a delayed flight or a technical fault; a denial of plans to skip
    (BOYCOTT, "Lukashenko missed the opening of the SCO summit because his flight was delayed."),
    (BOYCOTT, "Japarov missed the first session of the CIS summit after a technical fault on his plane."),
    (BOYCOTT, "The Kremlin said Putin had no plans to skip the BRICS summit in Kazan."),
    # the step told by a commentator or the opposition, without quotation marks
    (BOYCOTT, "Pashinyan will not attend the CSTO summit in Minsk, an opposition MP claimed on Tuesday."),
    (WITHDRAW, "Armenia will quit the CSTO before the end of the year, a political analyst predicted."),
    (RUPTURE, "Moldova will expel the Russian ambassador within days, an opposition leader said."),
    # withdrawals: the organisation names something else; a contest is no body; denials in
    # other words
    (WITHDRAW, "Orbán's veto leaves EU statement at 26 members"),
    (WITHDRAW, "The dispute left the NATO allies divided over the budget."),
    (WITHDRAW, "The Armenian delegation left the CSTO headquarters in Moscow after the talks."),
    (WITHDRAW, "Ukraine suspended its participation in the Eurovision Song Contest this year."),
    (WITHDRAW, "The president said talk of Belarus leaving the Union State was nonsense."),
    (WITHDRAW, "Talk of Armenia quitting the CSTO is a fairy tale, the speaker of parliament said."),
    # withdrawals: negations with "must"/"has not frozen", the step as a topic, others'
    # calls rejected, explainers
    (WITHDRAW, "Former president Kocharyan said Armenia must not leave the CSTO."),
    (WITHDRAW, "Armenia has not frozen its participation in the CSTO, the foreign ministry insisted."),
    (WITHDRAW, "Kyrgyzstan's exit from the EAEU has long been debated in Bishkek."),
    (WITHDRAW, "It is premature to talk about Armenia's withdrawal from the CSTO, Pashinyan said."),
    (WITHDRAW, "Kazakhstan will remain in the EAEU, Tokayev said, rejecting calls to leave the bloc."),
    (WITHDRAW, "Why Russia left the Council of Europe"),
    (WITHDRAW, "Moldova's exit from the CIS explained: what it means for migrant workers"),
    # arms: a supply as the topic of a protest; deliveries held up
    (ARMS, "Armenia protested to Minsk over Belarus supplying weapons to Azerbaijan."),
    (ARMS, "Pashinyan raised the issue of Belarus selling rocket launchers to Azerbaijan with Lukashenko."),
    (ARMS, "Deliveries of the French howitzers to Armenia have been delayed until next year."),
    # ruptures: what a state would be right to do; trade ties; being asked is no order
    (RUPTURE, "Beijing would have every reason to recall its ambassador from Vilnius, the ministry said."),
    (RUPTURE, "Should Chisinau go ahead, Moscow will recall its ambassador, the ministry said."),
    (RUPTURE, "Trade ties between Armenia and Russia were cut sharply by the new sanctions."),
    (RUPTURE, "Lawmakers asked the government to expel the Russian ambassador."),
    (RUPTURE, "Armenia revoked the accreditation of two Russian journalists on Monday."),
    (ARMS, "Congress is still debating a military aid package for Ukraine."),
    # background: a step told as the time frame of the news; a frozen membership as a state
    (WITHDRAW, "After Russia's withdrawal from the grain deal, Ukraine opened its own sea corridor."),
    (WITHDRAW, "The decision comes after Niger, Mali and Burkina Faso left ECOWAS."),
    (RUPTURE, "Relations have been tense since Azerbaijan expelled two French diplomats."),
    (WITHDRAW, "Armenia's frozen membership in the CSTO was one topic of the talks."),
    (RUPTURE, "Paris called its ambassador in Baku to ask about the arrests."),
    (RUPTURE, "The opposition said it would no longer recognise Georgia's election results."),
    (WITHDRAW, "Kyrgyzstan will not remain silent about the CSTO's failures, Japarov said."),
    (WITHDRAW, "Moldova is terminating three gas contracts with Russian suppliers."),
    (WITHDRAW, "The bill would take Armenia out of the CSTO, an opposition lawmaker said."),
    (WITHDRAW, "Kremlin: no signals that Armenia plans to leave the CSTO"),
    (WITHDRAW, "Russia would regret Armenia's exit from the CSTO, Lavrov said."),
    (BOYCOTT, "India stays away from SCO statement condemning strikes on Iran"),
    (DECL, "Georgia was absent from the group photo at the EU summit."),
    (BOYCOTT, "Pashinyan stayed home while his wife visited the summit of Mount Aragats."),
    (ARMS, "Azerbaijan bought most of its weapons from Israel and Turkey over the past decade."),
    (ARMS, "Weapons sent to Ukraine are resold on the black market, Moscow claimed without evidence."),
    (ARMS, "India is ready to supply more weapons to Armenia if asked, the envoy said."),
    # a dinner is no meeting; routine representation without an absence
    (BOYCOTT, "At the G20 summit, Modi will lead India's delegation but will not attend the dinner."),
    (BOYCOTT, "Vice President Harris will represent the United States at the inauguration in Mexico City."),
    (DECL, "Hungary was the only EU member to sign the statement without reservations."),
    # declarations: a text adopted without a state that was not there to sign
    (DECL, "The communique was adopted without Russia, which is suspended from the council."),
    # --- round 5: families found on real news wording ---
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
    # --- round 6: families found on real news wording ---
    # withdrawals: a denial in other words, a judgement, another state's reading, a request
    # for clarification, a position told again and again
    (WITHDRAW, "Armenia's withdrawal from the CSTO is not under consideration now, the deputy minister said."),
    (WITHDRAW, "A draft law on Armenia's withdrawal from the EAEU is premature, the speaker said."),
    (WITHDRAW, "Moscow sees the vote as the start of Armenia's possible exit from the EAEU, Overchuk said."),
    (WITHDRAW, "The Kremlin will clarify the prime minister's remarks about freezing Armenia's membership in the CSTO, Peskov said."),
    (WITHDRAW, "Yerevan has repeatedly stated that its membership in the CSTO is frozen, the agency noted."),
    # boycotts: a walk-out someone demands; a known habit in a concessive clause
    (BOYCOTT, "A petition demanding that Kyrgyzstan walks out of the EAEU gathered 10,000 signatures."),
    (BOYCOTT, "Although Armenia refuses to attend CSTO meetings, it still pays its dues, the secretary general said."),
    # withdrawals: a public mood, a ground not prepared, a denial without "the", what is
    # unclear, a draft under debate, the step as the time frame or topic of talk
    (WITHDRAW, "The people of Kazakhstan said unambiguously that it is time to leave the CSTO."),
    (WITHDRAW, "Tokayev says he is not preparing the ground for quitting the EAEU."),
    (WITHDRAW, "Armenia's withdrawal from CSTO is not on agenda, says Russian diplomat"),
    (WITHDRAW, "Kremlin: Armenia's position on leaving the CSTO is unclear"),
    (WITHDRAW, "Lawmakers debated a draft law on Armenia's withdrawal from the EAEU on Tuesday."),
    (WITHDRAW, "The CSTO drew up a plan of further steps after Uzbekistan's leaving the bloc."),
    (WITHDRAW, "The Kremlin has seen many discussions about Armenia leaving the CSTO among pro-Western analysts."),
    # withdrawals: party figures, former leaders and the opposition floating the step; an
    # exit called impossible; nobody talking of it; reports called false
    (WITHDRAW, "The leader of the Republican Party proposed that Armenia quit the EAEU."),
    (WITHDRAW, "Former president Kocharyan suggested Armenia could leave the CSTO if Russia fails to act."),
    (WITHDRAW, "The ruling party's leader in parliament, Aram Sargsyan, said Armenia might leave the CSTO at some point."),
    (WITHDRAW, "The opposition Armenia Alliance said the country must leave the CSTO immediately."),
    (WITHDRAW, "Armenia's leaving the CSTO is not possible, said Grigoryan, the head of the Security Council."),
    (WITHDRAW, "No one is talking about leaving the CSTO, Mirzoyan said."),
    (WITHDRAW, "Reports that Armenia has quit the CSTO are false, the ministry said."),
    # ruptures: an envoy back at the post makes the recall in the same article old news
    (RUPTURE, "The Turkish ambassador will return to Cairo to resume his duties. Ankara and Cairo recalled their ambassadors after the coup."),
    # boycotts: a national parliament's session; a dinner at the meeting, not the meeting
    (BOYCOTT, "Georgia's parliament speaker refused to attend the session of the Georgian parliament."),
    (BOYCOTT, "Kazakhstan's foreign minister will not attend the dinner but will take part in the CSTO ministerial."),
    (BOYCOTT, "Erdogan did not attend the NATO summit dinner because he had to leave early for Ankara."),
    # a purchase still under talks; a known state that goes on is background
    (ARMS, "Armenia is in talks with India on buying more artillery systems, the defence minister said."),
    (WITHDRAW, "Armenia continues to freeze its participation in the CSTO, Pashinyan said on Monday."),
    (BOYCOTT, "Minsk still boycotts the sessions of the CIS assembly, the speaker said on Monday."),
    # a past habit summed up in plural meetings; an envoy's return told after a long aside
    (WITHDRAW, "The decree ended the participation of Ukrainian athletes in the CIS games."),
    (WITHDRAW, "Armenia will not stop financing the CSTO, the finance minister said."),
    (WITHDRAW, "The bank stopped financing the CSTO exercises in Tajikistan."),
    # no statement or document made; the step judged as a known fact
    (WITHDRAW, "Kyrgyzstan has made no statement about leaving the EAEU, the ministry said."),
    (WITHDRAW, "The secretariat has seen no documents on Tajikistan's exit from the CSTO."),
    (WITHDRAW, "Moldova's exit from the CIS is temporary, the speaker of the Russian Duma claimed."),
    (WITHDRAW, "Georgia's withdrawal from the CIS only helps Russia, Georgia's envoy to the CIS said."),
    # boycotts: an observer state, mourning at home, a delayed flight
    (BOYCOTT, "Uzbekistan, which is only an observer, did not take part in the EAEU summit."),
    (BOYCOTT, "Lukashenko will not attend the summit owing to the mourning for the victims of the crash."),
    (BOYCOTT, "Pashinyan missed the first day of the summit because of a delayed flight."),
    # an absence told "at the time" is old; a warrant for the leader's arrest is no choice
    (BOYCOTT, "The Kremlin said at the time that Putin would not attend the BRICS summit in Johannesburg."),
    (BOYCOTT, "Putin will not attend the BRICS summit because of a warrant for his arrest issued by the ICC."),
    # arms: a contract cancelled after the fact; a planned sale condemned
    (ARMS, "The contract for the delivery of Su-30 jets to Armenia was cancelled."),
    (ARMS, "Baku condemned the planned sale of French radars to Yerevan."),
    (BOYCOTT, "As the rift widened, Yerevan froze its role in the alliance, cancelled its part in the drills and snubbed CSTO summits."),
    (RUPTURE, "Turkey's ambassador to Egypt, who had been pulled back for consultations amid the long row between the two capitals, will return to resume his duties. Ankara and Cairo recalled their ambassadors after the coup."),
    # --- round 7: families found on real news wording ---
    # the step ruled out by another state, a comment about it, or opposed by others
    (WITHDRAW, "Moscow excludes the possibility of Tajikistan quitting the CSTO"),
    (WITHDRAW, "Kremlin comments on Kyrgyzstan's possible withdrawal from EAEU"),
    (WITHDRAW, "Most Kyrgyz parties and voters oppose an exit from the EAEU, the deputy speaker insisted."),
    # a sale one is eligible for, or a permit not yet decided, is no transfer
    (ARMS, "The State Department took Turkmenistan off the list of countries eligible to buy American military equipment."),
    (ARMS, "Washington has not yet made a decision on extending its permit to supply weapons to Baku, the envoy said."),
    # support for a part of the text; no plans to skip
    (DECL, "Hungary announced its support for the Ukraine part of the summit declaration."),
    (BOYCOTT, "Tokayev has no plans to skip the CIS summit in Ashgabat, his spokesman said."),
    (WITHDRAW, "Kyrgyzstan's membership in EAEU suspended since May, the minister recalled on Monday."),
    (WITHDRAW, "The bank stopped paying CSTO staff salaries in March."),
    (DECL, "Brazil abstained from the vote on the BRICS statement on Monday."),
    (DECL, "Slovakia stood aside, and the 27 leaders then backed the statement unanimously."),
    # a supply owed and not made; not a single unit sold
    (ARMS, "Kyrgyzstan paid for the supply of drones, but Turkey did not fulfil the terms of the deal."),
    (ARMS, "Not a single unit of Bulgarian weapons was sold to Ukraine, the minister insisted."),
    (ARMS, "The ministry approved the purchase of civilian transport aircraft for the national airline."),
    # analysts believing that an exit is near; a refusal forecast as likely
    (WITHDRAW, "Analysts believe that if talks fail, Bishkek is almost certain to leave the EAEU."),
    (BOYCOTT, "Pakistan opts out of SCO foreign ministers' statement"),
    (DECL, "The Ukrainian minister stated that it is very likely that the final declaration will not be accepted at the OSCE meeting."),
    # a meeting's joint statement is a document, not the meeting; "Armed Forces" is a name;
    # a decision still being taken
    (BOYCOTT, "Pakistan has opted out of the SCO foreign ministers' meeting joint statement over the Kashmir paragraph."),
    (ARMS, "The Armed Forces of Kazakhstan have long possessed types of weapons bought in the Soviet era."),
    (ARMS, "The Commerce Department is deciding on the renewal of its permission for the supply of rifles to Baku."),
    # a possible exit judged by what it would do
    (WITHDRAW, "A Duma deputy said that Kyrgyzstan's possible withdrawal from the CSTO would affect only Kyrgyzstan itself."),
    # round of 2026-12-01 (blind3): false-alarm families of the real-news pool
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
        "Any remarks from Astana about possibly quitting the EAEU are its own sovereign affair, the Kremlin said.",
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
    (RUPTURE, "Brussels will keep funding Belgrade only as long as Serbia cuts ties with Moscow."),
    (
        BOYCOTT,
        "We will not go along with a pro-war position, Orban said at the EU summit in Brussels.",
    ),
    (BOYCOTT, "Modi made remarks at the SCO summit that will not go unnoticed in Beijing."),
    (BOYCOTT, "The Kremlin denied that Putin will skip the BRICS summit in Kazan."),
    (BOYCOTT, "It is not uncommon for leaders to skip the G20 summit."),
    (BOYCOTT, "Yerevan is not planning to take part in the financing of the CSTO."),
]  # fmt: skip


@pytest.mark.parametrize(("etype", "text"), FIRES)
def test_family_fires(etype: str, text: str) -> None:
    assert_fires(etype, text, "en")


@pytest.mark.parametrize(("etype", "text"), SILENT)
def test_near_miss_is_silent(etype: str, text: str) -> None:
    assert_silent(etype, text, "en")


def test_experts_reporting_a_delivery_still_count() -> None:
    # Third-party reports of deliveries are news: the commentator veto skips arms.
    text = "Iran has shipped ballistic missiles to Russia, Western experts said on Friday."
    assert ARMS in types_of(text, lang="en")


def test_model_number_is_no_year() -> None:
    # `not_years` (_language.yaml): "Mirage 2000" names a jet, not a date; without it the
    # delivery reads as told about the year 2000, i.e. background.
    assert ARMS in types_of(
        "Ukraine will get Mirage 2000 jets from France, Macron said.", lang="en"
    )
    assert ARMS in types_of(
        "Germany has delivered six more PzH 2000 howitzers to Ukraine.", lang="en"
    )


def test_a_real_year_still_dates_the_step() -> None:
    text = "France delivered Mirage jets to India in 2000, the minister recalled on Monday."
    assert ARMS not in types_of(text, lang="en")
    assert WITHDRAW not in types_of("Georgia pulled out of the CIS in 2009.", lang="en")


def test_group_of_states_is_the_actor_as_named() -> None:
    # A group of states named as one is reported by its name, not cut to its first word.
    found = one("The Baltic states recalled their ambassadors from Minsk on Monday.", R, lang="en")
    assert found.actors == ("Baltic states",)
    found = one(
        "The Nordic countries refused to sign the joint statement of the OSCE.", D, lang="en"
    )
    assert found.actors == ("Nordic countries",)
    found = one("The three Sahel states boycotted the ECOWAS summit in Abuja.", B, lang="en")
    assert found.actors == ("Sahel states",)


def test_headline_recall_over_a_summons_is_silent() -> None:
    body = "Doha summoned the Egyptian ambassador on Monday to protest the remarks."
    assert RUPTURE not in types_of(body, title="Qatar recalls Egyptian ambassador", lang="en")
    body = "Qatar recalled its ambassador from Cairo on Monday, the ministry said."
    assert RUPTURE in types_of(body, title="Qatar recalls ambassador from Cairo", lang="en")


def test_article_on_a_reopened_embassy_tells_the_closure_as_past() -> None:
    body = (
        "Norway reopened its embassy in Kabul on Sunday.\n\n"
        "Norway had closed the embassy and ordered all Afghan diplomats to leave."
    )
    assert RUPTURE not in types_of(body, title="Norway reopens embassy in Kabul", lang="en")
    body = "Norway ordered all Afghan diplomats to leave on Sunday."
    assert RUPTURE in types_of(body, title="Norway expels Afghan diplomats", lang="en")
