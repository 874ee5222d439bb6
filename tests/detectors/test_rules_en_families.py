"""English rule families of round 4 (issue 10): each shown firing and with a near miss
staying silent. Sentences are invented for these tests."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import ARMS, BOYCOTT, DECL, RUPTURE, WITHDRAW, types_of

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
]  # fmt: skip


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
