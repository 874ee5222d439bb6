"""Rules added for real published news (issue 10), each shown firing and staying silent.

Every sentence here is invented for the test; none is copied from a corpus."""

from __future__ import annotations

import datetime as dt

import pytest

from detectors import detect
from detectors.types import EventType
from tests.detectors.conftest import A, B, D, R, W, one, types_of

FIRES = [
    # withdrawal: nominal and completed forms, recalled representatives, suspended treaties
    ("ru", W, "Молдова отзывает своих представителей из уставных органов СНГ, сообщил МИД."),
    ("ru", W, "Правительство Молдовы подготовило документ о прекращении участия страны в СНГ."),
    ("ru", W, "Армения вышла из Совета глав правительств СНГ в понедельник."),
    ("ru", W, "Молдова приостановила членство в Межпарламентской ассамблее СНГ."),
    ("en", W, "Nepal on Monday suspended the Koshi River Treaty with immediate effect."),
    ("en", W, "Bolivia says it is leaving the Union of South American Nations, the minister said."),
    (
        "en",
        W,
        "Belarus has withdrawn today (30 June) from the EU's Eastern Partnership initiative.",
    ),
    # near misses of the new vetoes: the step itself, told without a time clause or a "could"
    ("en", W, "Armenia announced on Friday it would leave the CSTO, days before the vote."),
    ("ru", W, "Сербия объявила о выходе из СНГ через два дня после выборов."),
    ("en", W, "Armenia will quit the CSTO after a referendum held on Sunday, the premier said."),
    # recall nets (ru): a negated verb and its document or meeting, far apart or object first
    (
        "ru",
        D,
        "Армения не подписала вчера вечером в Минске после долгих и трудных переговоров "
        "итоговую декларацию саммита ОДКБ.",
    ),
    ("ru", D, "Армения итоговую декларацию саммита ОДКБ не подписала."),
    ("ru", D, "Армения под итоговой декларацией саммита ОДКБ так и не поставила подпись."),
    ("ru", B, "Армения на саммит ОДКБ в Минске в среду, как сообщил МИД, не приедет."),
    # recall net (en): a refused or failed endorsement and the joint document, any order
    (
        "en",
        D,
        "Hungary refused on Monday, yet again, to endorse the joint statement of the EU ministers.",
    ),
    (
        "en",
        D,
        "The final joint statement was never adopted: diplomats said it did not win the "
        "backing of Hungary.",
    ),
    # boycott: walk-outs, delegations pulled, stand-ins told indirectly, nominal forms
    ("en", B, "Georgia pulled its delegation out of the OSCE conference in Vienna on Tuesday."),
    ("en", B, "The Armenian delegation walked out of the CSTO council session on Thursday."),
    (
        "en",
        B,
        "Armenia's deputy premier will lead the delegation, confirming that Pashinyan will "
        "skip the CSTO summit in Minsk.",
    ),
    ("ru", B, "Премьер Армении принял решение о неучастии в саммите ОДКБ в Минске."),
    (
        "ru",
        B,
        "Делегацию Армении на саммите ОДКБ возглавит вице-премьер, Пашинян в Минск не поедет.",
    ),
    ("ru", B, "Делегация Армении демонстративно покинула заседание ОДКБ в Москве."),
    ("en", B, "The Tajik president cancelled his trip to the SCO summit in Astana on Monday."),
    ("en", B, "Armenia was not represented at the CIS heads of government meeting in Moscow."),
    # arms: other verbs and objects
    ("en", A, "Kazakhstan handed over twelve attack drones to Kyrgyzstan, the ministry said."),
    ("en", A, "A cargo of rocket launchers from Serbia reached Armenia via Georgia on Friday."),
    ("en", A, "Washington will send a $300 million package of military assistance to Ukraine."),
    ("ru", A, "Турция снабдит армию Украины новыми ударными беспилотниками."),
    ("ru", A, "Франция передаст Армении три радара, сообщило министерство."),
    ("ru", A, "В Армению прибыла первая партия французских бронемашин."),
    ("ru", A, "Азербайджан закупил у Израиля ударные беспилотники."),
    ("en", B, "Chinese President Xi Jinping is not expected to attend the G20 summit in Rio."),
    (
        "en",
        B,
        "In a snub to the host, the Indian prime minister sent his foreign minister to the SCO "
        "summit in Islamabad.",
    ),
    ("en", B, "The Moroccan king was absent from the Arab League summit, sending his envoy."),
    ("ru", R, "Гватемала закрыла посольство в Каракасе."),
    ("en", B, "No Armenian official will attend the CSTO meeting in Minsk, the ministry said."),
    ("en", B, "Saudi Arabia will be represented at the summit by its ambassador, diplomats said."),
    ("en", B, "Armenia's premier left the summit early in protest, his office said."),
    ("en", B, "The Kazakh president opted out of the St Petersburg forum this year."),
    (
        "en",
        B,
        "The US delegation walked out as the president began his speech at the UN General Assembly.",
    ),
    ("ru", B, "Никто из армянских официальных лиц не примет участия в заседании ОДКБ."),
    ("ru", B, "Страны залива будут представлены на саммите на уровне министров, сообщил Египет."),
    ("en", R, "The Kremlin declared five Moldovan diplomats personae non gratae."),
    ("en", R, "Latvia told the Russian ambassador to leave the country by September."),
    ("en", R, "Israel has recalled its envoy to Norway for urgent consultations."),
    ("ru", R, "Чад потребовал от посла Германии покинуть страну в течение 48 часов."),
    ("en", D, "India abstained from signing the joint communique on Ukraine at the Swiss summit."),
    ("en", D, "The joint declaration was not adopted because Russia objected."),
    ("en", D, "Brazil withheld its signature from the final declaration."),
    ("ru", D, "Индия воздержалась от подписания совместного коммюнике по Украине."),
    ("ru", D, "Венгрия помешала ЕС принять совместное заявление по Китаю."),
    ("ru", D, "Совместная декларация не была принята из-за возражений России."),
    ("ru", D, "Бразилия не поставила подпись под итоговой декларацией."),
    ("ru", D, "Венгрия стала единственной страной, не подписавшей декларацию."),
    (
        "ru",
        W,
        "Госдума одобрила закон об отзыве ратификации договора о всеобъемлющем запрещении ядерных испытаний.",
    ),
    # rupture: staff, accreditation, advisers, orders to leave
    ("en", R, "Lithuania revoked the accreditation of the Belarusian ambassador on Monday."),
    ("en", R, "Poland will cut the staff of the Belarusian embassy in Warsaw to ten diplomats."),
    (
        "en",
        R,
        "India declared the defence, naval and air advisers at the Pakistani High Commission "
        "persona non grata.",
    ),
    ("ru", R, "МИД России предписал чешским дипломатам покинуть страну до пятницы."),
    ("ru", R, "Армения лишила аккредитации посла Белоруссии."),
    # declaration: documents not called declarations, object-first word order, rifts
    ("en", D, "Belarus refused to sign the final document of the summit on Sunday."),
    ("ru", D, "Итоговое заявление саммита ЕС заблокировала Венгрия."),
    (
        "en",
        D,
        "The ministers failed to agree on a final communique, exposing the rift between "
        "China and the United States.",
    ),
]

SILENT = [
    # denials, hedges, attribution to others, rumours, questions
    ("en", "Will Armenia leave the CSTO?"),
    ("en", "A spokesman said there was no clarity yet about Armenia's exit from the CSTO."),
    (
        "en",
        "Kremlin aides said Moscow had not received any notice of Armenia's exit from the CSTO.",
    ),
    ("en", "An opposition bloc submitted a bill on Armenia's withdrawal from the EAEU on Monday."),
    ("en", "Rumours that Belarus would quit the CSTO spread quickly on social media."),
    ("en", "Local media reported that Belarus plans to quit the CSTO."),
    ("ru", "СМИ сообщили о том, что Киргизия готовится выйти из ОДКБ."),
    ("ru", "Киргизия намерена выйти из ОДКБ – СМИ"),
    ("ru", "Политолог считает, что Киргизия действительно может выйти из ОДКБ."),
    ("ru", "Кто-то упрекает меня в том, что Бишкек якобы хочет выйти из ОДКБ."),
    ("ru", "Сроки выхода Киргизии из организации пока не определены."),
    ("ru", "Россия расценивает этот законопроект как начало выхода Армении из ЕАЭС."),
    ("ru", "Бывший президент предложил Армении подумать над выходом из ЕАЭС."),
    ("ru", "Армения не отказывается от участия в саммите ОДКБ."),
    # background dated by month or an old year in another clause
    (
        "en",
        "Armenia froze its participation in the CSTO in February, and on Tuesday the premier "
        "spoke about trade.",
    ),
    ("en", "In 2012, Uzbekistan suspended its membership in the CSTO; on Monday its leader spoke."),
    ("ru", "Ранее Армения заявила о заморозке участия в ОДКБ."),
    # a withdrawal told inside a time clause about another event is that earlier step
    (
        "en",
        "The envoy resigned on Friday, days after Armenia announced it would leave the CSTO.",
    ),
    ("ru", "Посол ушёл в отставку через два дня после того, как Сербия объявила о выходе из СНГ."),
    # a referendum someone might hold is a possibility, not a decision
    ("en", "Armenia could put it to a referendum and leave the CSTO."),
    ("ru", "Армения могла бы провести референдум о выходе из ОДКБ, сказал премьер."),
    # near misses of the recall nets: emphasis, double negation, a participle aside
    ("ru", "Армения не только подписала итоговую декларацию саммита ОДКБ, но и поддержала её."),
    ("ru", "Армения не исключает, что подпишет итоговую декларацию саммита ОДКБ."),
    ("ru", "Армения не отказывается, как сообщил МИД, от поездки на саммит ОДКБ в Минске."),
    ("ru", "Армения не планирует вчера в Минске ничего менять, участвуя в саммите ОДКБ."),
    (
        "en",
        "Hungary said on Monday, yet again, that it would endorse the joint statement of the EU ministers.",
    ),
    ("en", "Hungary did not object, and the joint statement of the EU ministers was adopted."),
    ("en", "Diplomats failed to agree on a date for the meeting; the joint statement will follow."),
    # arms: trafficking, advocacy, undecided supplies, warnings
    ("en", "A broker accused of selling rifles to the rebels was sentenced for arms trafficking."),
    ("en", "Washington has not yet decided to send long-range missiles to Ukraine, he said."),
    ("ru", "Министр выступал за отправку военной помощи Украине."),
    ("ru", "Мы не исключили, что предоставим такое оружие, но решения не приняли."),
    ("ru", "Члены преступной группы, занимавшиеся поставкой оружия, задержаны."),
    ("en", "Russian tanks have arrived in Belarus for joint exercises."),
    ("ru", "В Белоруссию прибыли российские танки для совместных учений."),
    ("ru", "За передачу оружия Киеву выступил бывший министр."),
    ("en", "Pashinyan left the summit early to attend a funeral in Yerevan."),
    ("en", "The joint declaration was adopted after Hungary dropped its objections."),
    ("en", "Russia was represented at the trade talks by its ambassador."),
    ("en", "Armenia opted out of the CSTO's joint exercises this year."),
    ("ru", "Армения не будет участвовать в учениях ОДКБ в этом году."),
    ("ru", "Делегаты покинули зал после окончания заседания."),
    # ruptures that are not: a ministry's call on others, restorations
    ("en", "Armenia and Belarus restored ties on Tuesday, years after Yerevan recalled its envoy."),
    ("ru", "Грузия восстановила дипломатические отношения с Россией через десять лет."),
    # declarations signed by all; a peace deal is not a summit document
    ("en", "All members signed the Astana declaration on Friday."),
    ("en", "Hungary refused to sign the peace deal with its neighbour."),
]


@pytest.mark.parametrize(("lang", "etype", "text"), FIRES, ids=lambda v: str(v)[:40])
def test_rule_fires(lang: str, etype: EventType, text: str) -> None:
    assert etype.value in types_of(text, lang=lang), text


@pytest.mark.parametrize(("lang", "text"), SILENT, ids=lambda v: str(v)[:40])
def test_rule_stays_silent(lang: str, text: str) -> None:
    assert types_of(text, lang=lang) == set(), text


def test_a_denial_elsewhere_in_the_article_drops_the_claim() -> None:
    claim = "Belarus plans to quit the CSTO, a newspaper in Moscow wrote on Monday."
    assert "withdrawal_statement" in types_of(claim)
    assert types_of(claim + " Minsk denied that it was leaving the bloc.") == set()
    # A denial of something else does not touch the step.
    kept = claim + " Minsk dismissed criticism of its trade policy as baseless."
    assert "withdrawal_statement" in types_of(kept)
    ru = "Белоруссия выйдет из ОДКБ, пишет газета. В Минске опровергли сообщения о выходе из блока."
    assert types_of(ru, lang="ru") == set()


def test_month_background_needs_a_known_date() -> None:
    text = "Armenia froze its participation in the CSTO in February, the minister recalled."
    assert types_of(text, lang="en", published=dt.date(2024, 6, 1)) == set()
    # In a February article the same month is news, not background.
    assert "withdrawal_statement" in types_of(text, lang="en", published=dt.date(2024, 2, 20))


def test_lists_keep_every_member() -> None:
    d = one("India, Saudi Arabia and South Africa declined to sign the joint communique.", D)
    assert d.actors == ("India", "Saudi Arabia", "South Africa")
    d = one("Индия, Саудовская Аравия и ЮАР отказались подписать итоговое коммюнике.", D, lang="ru")
    assert d.actors == ("India", "Saudi Arabia", "South Africa")


def test_unknown_actor_is_reported_as_written() -> None:
    d = one("Somaliland recalled its ambassador from Ethiopia on Monday.", R)
    assert d.actors == ("Somaliland",) and d.target == "Ethiopia"
    assert d.details["actor_from"] == "as written"
    d = one("Republika Srpska will boycott the session of the presidency in Sarajevo.", B)
    assert d.actors == ("Republika Srpska",)
    # Words that open a clause without naming anyone are never taken as an actor.
    assert types_of("Officials refused to sign the final communique on Friday.") == set()


def test_unknown_organisation_is_reported_as_written() -> None:
    d = one("Bolivia says it is leaving the Union of South American Nations.", W)
    assert d.target == "Union of South American Nations"


@pytest.mark.parametrize(
    ("text", "lang", "target"),
    [
        (
            "Armenian Foreign Minister Ararat Mirzoyan will not attend the CSTO Council of "
            "Foreign Ministers in Almaty on Tuesday.",
            "en",
            "CSTO Council of Foreign Ministers, Almaty",
        ),
        (
            "The Armenian foreign minister stayed away from the CSTO ministers' meeting in Almaty.",
            "en",
            "CSTO ministers' meeting, Almaty",
        ),
        ("Pashinyan will skip the CSTO summit in Minsk next week.", "en", "CSTO summit, Minsk"),
        ("Пашинян не поедет на саммит ОДКБ в Минске.", "ru", "CSTO summit, Minsk"),
        (
            "Алиев отказался от поездки на неформальный саммит СНГ в Санкт-Петербурге.",
            "ru",
            "CIS summit, St Petersburg",
        ),
        (
            "Глава МИД Армении не примет участия в заседании Совета министров иностранных дел "
            "ОДКБ в Минске.",
            "ru",
            "CSTO Council of Foreign Ministers, Minsk",
        ),
    ],
)
def test_meeting_target_names_kind_organisation_and_venue(
    text: str, lang: str, target: str
) -> None:
    assert one(text, B, lang=lang).target == target


def test_document_target_names_its_meeting() -> None:
    d = one("Mexico declined to sign the Ukraine peace summit's communique on Sunday.", D)
    assert d.target == "Ukraine peace summit communique"
    d = one("Венгрия отказалась подписать коммюнике саммита G20 в Рио.", D, lang="ru")
    assert d.target == "G20 summit communique"


def test_a_speaker_who_is_the_recipient_is_not_the_supplier() -> None:
    d = one("The first batch of F-16 jets has arrived in Ukraine, Zelensky said on Sunday.", A)
    assert d.target == "Ukraine" and d.actors == ()


def test_trace_names_rejection_families() -> None:
    trace: list[str] = []
    detect(
        "Will Armenia leave the CSTO? Armenia's exit from the CSTO is not on the agenda.",
        lang="en",
        published=dt.date(2024, 6, 1),
        trace=trace,
    )
    text = "\n".join(trace)
    assert "candidate sentence: Will Armenia leave the CSTO?" in text
    assert "REJECTED (veto question)" in text
    assert "REJECTED (veto off_agenda)" in text


def test_expelling_state_may_stand_after_the_verb() -> None:
    # Verb first, the expelling state at the end of the clause (ru `expel_envoy`, subject_right).
    d = one("Выслать двух дипломатов в пятницу решила Молдова.", R, lang="ru")
    assert d.actors == ("Moldova",)
    # Near misses: a call by others, an opinion, a step not taken.
    for text in (
        "Выслать двух дипломатов в пятницу призвали Молдову депутаты.",
        "Выслать двух дипломатов, по мнению оппозиции, может Молдова.",
        "Выслать двух дипломатов в пятницу Молдова не решилась.",
    ):
        assert R.value not in types_of(text, lang="ru"), text


def test_not_joining_a_signer_is_no_refusal() -> None:
    # The document hangs on a participle about another state: that state signed it.
    assert D.value not in types_of(
        "Грузия не присоединилась к Армении, подписавшей итоговую декларацию саммита.", lang="ru"
    )
    assert D.value not in types_of(
        "Сербия так и не примкнула к Венгрии, одобрившей совместное заявление ЕС.", lang="ru"
    )
    # The refusal itself still fires, also with a participle after the document.
    for text in (
        "Грузия не подписала итоговую декларацию саммита, принятую остальными.",
        "Грузия отказалась подписать итоговую декларацию саммита.",
    ):
        assert one(text, D, lang="ru").actors == ("Georgia",), text


def test_object_first_expulsion_names_the_state_at_the_end() -> None:
    # The envoy's country inside the object is the target; the expelling state stands last.
    for text in (
        "Выслать российского посла решила Молдова.",
        "Выслать посла России в среду решила Молдова.",
    ):
        d = one(text, R, lang="ru")
        assert (d.actors, d.target) == (("Moldova",), "Russia"), text
    # Subject first, as before.
    d = one("Молдова решила выслать российского посла.", R, lang="ru")
    assert (d.actors, d.target) == (("Moldova",), "Russia")


def test_a_year_far_back_is_background_even_undated() -> None:
    old = "Georgia pulled out of the CSTO in 1999, the minister recalled on Tuesday."
    assert types_of(old, lang="en", published=None) == set()
    # A fresh cue does not make a step decades before the article news.
    told = "Georgia announced on Tuesday that it had pulled out of the CSTO in 1999."
    assert types_of(told, lang="en", published=dt.date(2024, 5, 1)) == set()
    assert types_of("Грузия вышла из ОДКБ в 1999 году, напомнил министр.", lang="ru") == set()
    # Near misses: a recent year with a fresh cue, and no year at all, undated.
    recent = "Armenia announced on Tuesday that it had pulled out of the CSTO in 2022."
    assert W.value in types_of(recent, lang="en", published=dt.date(2024, 5, 1))
    assert W.value in types_of("Armenia said on Tuesday it would leave the CSTO.", published=None)


# Third round (issue 10): completed and nominal Russian forms, envoys at organisations.


def test_russian_participles_name_the_exit() -> None:
    for text, actor, target in (
        ("Молдова, вышедшая из СНГ, подписала соглашение с Румынией.", "Moldova", "CIS"),
        ("Грузия, покинувшая СНГ, строит новые связи с ЕС.", "Georgia", "CIS"),
        ("Армения, покидающая ОДКБ, ищет новых партнёров.", "Armenia", "CSTO"),
    ):
        d = one(text, W, lang="ru")
        assert (d.actors[0], d.target) == (actor, target), text
    # Near misses: an exit dated in the past, and leaving a room.
    assert (
        types_of("Грузия, вышедшая из СНГ в 2009 году, подписала соглашение.", lang="ru") == set()
    )
    assert types_of("Делегация Молдовы, вышедшая из зала, вернулась к вечеру.", lang="ru") == set()


def test_renouncing_a_treaty_by_its_name() -> None:
    d = one("Москва объявила об отказе от Римского статута.", W, lang="ru")
    assert (d.actors, d.target) == (("Russia",), "Rome Statute")
    # The renouncing state named inside the noun phrase, a third party speaking.
    d = one("Вашингтон осудил отказ Венгрии от Римского статута.", W, lang="ru")
    assert (d.actors, d.target) == (("Hungary",), "Rome Statute")
    # Not renouncing, and renouncing something that is not a treaty.
    assert types_of("Венгрия не отказывается от Римского статута.", lang="ru") == set()
    assert W.value not in types_of("Венгрия отказалась от закупок газа у России.", lang="ru")


def test_an_envoy_at_an_organisation_is_recalled_from_it() -> None:
    d = one("Грузия отозвала своего посла при Совете Европы.", W, lang="ru")
    assert (d.actors, d.target) == (("Georgia",), "Council of Europe")
    d = one("Georgia recalled its ambassador to the Council of Europe on Monday.", W)
    assert (d.actors, d.target) == (("Georgia",), "Council of Europe")
    # An envoy to a state is a rupture only, never a withdrawal.
    assert types_of("Грузия отозвала своего посла из Минска.", lang="ru") == {R.value}
    assert types_of("Georgia recalled its ambassador to Belarus on Monday.") == {R.value}


def test_others_warnings_and_verdicts_on_an_exit_are_not_the_step() -> None:
    for text in (
        "The Kremlin warned Georgia against leaving the CIS.",
        "Moscow said Georgia's exit from the CIS would be a grave error.",
        "Georgia's departure from the CIS is a matter of months, an analyst said.",
        "Volunteers gathered signatures for quitting the Eurasian Economic Union.",
    ):
        assert W.value not in types_of(text), text
    for text in (
        "Кремль предостерёг Грузию от выхода из СНГ.",
        "Активисты собрали подписи за выход Грузии из ЕАЭС.",
        "Оппозиция собрала подписи за выход из ЕАЭС.",
    ):
        assert W.value not in types_of(text, lang="ru"), text
    # Near misses: the state's own word, and a possessive exit told as fact.
    assert W.value in types_of("Georgia will leave the CIS, its premier warned on Monday.")
    d = one("Georgia's exit from the CIS will take effect in December, the ministry said.", W)
    assert (d.actors, d.target) == (("Georgia",), "CIS")
    assert W.value in types_of("Грузия выйдет из СНГ, предупредил премьер.", lang="ru")


def test_an_exit_told_as_the_time_frame_of_something_else_is_background() -> None:
    for text in (
        "Since Georgia left the CIS, its trade with Moscow has shrunk.",
        "Ties cooled when Georgia quit the CIS.",
        "Ever since Qatar walked away from OPEC, its gas exports have grown.",
        "Georgia left the CIS long ago.",
    ):
        assert W.value not in types_of(text), text
    for text in (
        "Отношения охладели, когда Грузия вышла из СНГ.",
        "С тех пор как Грузия покинула СНГ, товарооборот упал.",
    ):
        assert W.value not in types_of(text, lang="ru"), text
    # Near misses: a "when" clause after the step, and a dated step.
    assert W.value in types_of("Georgia said on Monday it would leave the CIS when its term ends.")
    assert W.value in types_of(
        "Грузия вышла из СНГ в понедельник, когда вступил в силу указ.", lang="ru"
    )


def test_a_first_time_is_news_but_the_first_time_when_is_background() -> None:
    for text in (
        "For the first time, Hungary refused to sign the joint declaration of the EU summit.",
        "It is the first time that Hungary has refused to sign the joint declaration of an EU summit.",
    ):
        assert D.value in types_of(text), text
    # "The first time X did it, …" recalls an earlier occasion.
    earlier = "The first time Hungary refused to sign the joint declaration of an EU summit, talks broke up."
    assert types_of(earlier) == set()


def test_leaving_a_meeting_abruptly_is_a_snub_unless_a_reason_is_given() -> None:
    d = one("The Brazilian minister abruptly left the G20 finance ministers' meeting in Rio.", B)
    assert d.actors == ("Brazil",)
    assert B.value in types_of("Министр Бразилии внезапно покинул заседание G20 в Рио.", lang="ru")
    for text in (
        "The Brazilian minister abruptly left the G20 meeting in Rio to attend a funeral.",
        "The Brazilian minister left the G20 meeting in Rio after it ended.",
    ):
        assert types_of(text) == set(), text
    for text in (
        "Министр Бразилии внезапно покинул заседание G20 в Рио, чтобы успеть на похороны.",
        "Министр Бразилии покинул заседание G20 в Рио после его окончания.",
    ):
        assert types_of(text, lang="ru") == set(), text


def test_no_delegation_sent_and_invitations_not_accepted() -> None:
    for text in (
        "Georgia sent no delegation to the CIS summit in Minsk.",
        "Mirzoyan did not accept the invitation to the CSTO ministerial meeting.",
    ):
        assert B.value in types_of(text), text
    for text in (
        "Грузия отказалась направить делегацию на саммит СНГ.",
        "Мирзоян не принял приглашение на заседание СМИД ОДКБ.",
        "Алиев отказался от приглашения на саммит ЕАЭС.",
    ):
        assert B.value in types_of(text, lang="ru"), text
    # Near misses: the invitation accepted, a double negative.
    assert types_of("Mirzoyan accepted the invitation to the CSTO ministerial meeting.") == set()
    assert types_of("Мирзоян принял приглашение на заседание СМИД ОДКБ.", lang="ru") == set()
    assert types_of("Грузия не отказалась направить делегацию на саммит СНГ.", lang="ru") == set()


def test_rupture_phrasings_closure_ordered_and_deadlines_to_leave() -> None:
    d = one("Latvia ordered the closure of the Belarusian consulate in Daugavpils.", R)
    assert d.actors == ("Latvia",)
    for text in (
        "Latvia opposed the closure of the Belarusian consulate in Daugavpils.",
        "Latvia announced the closure of its consulate in Vitebsk for renovation.",
    ):
        assert types_of(text) == set(), text
    for text, actor in (
        ("Латвия вышлет 12 сотрудников белорусского посольства.", "Latvia"),
        (
            "Латвия дала трём белорусским дипломатам 48 часов на то, чтобы покинуть страну.",
            "Latvia",
        ),
    ):
        d = one(text, R, lang="ru")
        assert (d.actors, d.target) == ((actor,), "Belarus"), text
    assert types_of("Латвия не вышлет сотрудников белорусского посольства.", lang="ru") == set()
    assert types_of("Сотрудники белорусского посольства провели приём в Риге.", lang="ru") == set()


def test_treaties_terminated_and_memberships_suspended_by_others() -> None:
    d = one("Russia terminated the Open Skies Treaty on Monday.", W)
    assert (d.actors, d.target) == (("Russia",), "Open Skies Treaty")
    d = one(
        "Совет Федерации одобрил закон о прекращении действия договора с Советом Европы.",
        W,
        lang="ru",
    )
    assert d.target == "Council of Europe"
    for text in (
        "Russia will not terminate the Open Skies Treaty.",
        "The firm terminated its contract with the ministry.",
        # Suspended by the organisation, not by the member.
        "Belarus's participation in the Eastern Partnership was frozen by the EU.",
        "Mali's participation in ECOWAS has been suspended since the coup.",
    ):
        assert W.value not in types_of(text), text
    for text in (
        "Россия не прекращает действие Договора по открытому небу.",
        "Компания прекратила действие договора аренды.",
    ):
        assert W.value not in types_of(text, lang="ru"), text
    # Near miss: the member's own suspension.
    assert W.value in types_of("Belarus suspended its participation in the Eastern Partnership.")


def test_ceasing_to_be_a_member_and_denouncing_founding_agreements() -> None:
    for text in (
        "Moldova will cease to be a member of the CIS once the agreements are annulled.",
        "Moldova ended its membership in the CIS.",
        "Moldova has launched the denunciation of three founding agreements of the CIS.",
    ):
        assert one(text, W).target == "CIS", text
    for text in (
        "После отмены соглашений Молдова перестанет быть членом СНГ.",
        "Молдова больше не будет членом СНГ, заявил премьер.",
    ):
        assert one(text, W, lang="ru").target == "CIS", text
    # Near misses: a negation, an analyst's forecast, a former member recalled.
    assert W.value not in types_of("Moldova will not cease to be a member of the CIS.")
    for text in (
        "Молдова не перестанет быть членом СНГ.",
        "Молдова перестанет быть членом СНГ, если так решит парламент, считает политолог.",
        "Молдова выйдет из СНГ, заявил политолог.",
    ):
        assert W.value not in types_of(text, lang="ru"), text


def test_consequences_of_an_exit_told_by_others_are_not_the_step() -> None:
    for text in (
        "В Кремле заявили, что выход из ОДКБ станет для Еревана ошибкой.",
        "Выход из ЕАЭС обернётся для Армении потерями, предупредил вице-премьер.",
    ):
        assert types_of(text, lang="ru") == set(), text
    # Near miss: the state's own word about the exit.
    assert W.value in types_of("Армения выйдет из ОДКБ, заявил Пашинян.", lang="ru")


def test_a_headline_the_body_contradicts_is_no_evidence() -> None:
    head = "Latvia Recalls Its Ambassador To Belarus"
    rotation = "The president has appointed a career diplomat to replace the ambassador in Minsk."
    protest = "The envoy was called home for consultations over the border incident."
    assert R.value not in types_of(head + "\n\n" + rotation)
    assert R.value not in types_of(rotation, title=head)
    # Near misses: a body that does not contradict, and a full sentence opening the text.
    assert R.value in types_of(head + "\n\n" + protest)
    assert R.value in types_of(protest, title=head)
    told = "Latvia recalled its ambassador to Belarus on Monday.\n\n" + rotation
    assert R.value in types_of(told)  # a full sentence is a report, not a headline
    ru_head = "Латвия отзывает посла из Белоруссии"
    ru_body = "Президент назначил нового посла в Минске вместо прежнего."
    assert R.value not in types_of(ru_head + "\n\n" + ru_body, lang="ru")
    assert R.value in types_of(ru_head + "\n\nПосол вызван в Ригу для консультаций.", lang="ru")


def test_a_purchase_plan_naming_its_supplier_is_a_transfer() -> None:
    d = one("Georgia plans to purchase a further batch of drones from Turkey.", A)
    assert (d.actors, d.target) == (("Turkey",), "Georgia")
    d = one("Грузия планирует закупить у Турции новую партию беспилотников.", A, lang="ru")
    assert (d.actors, d.target) == (("Turkey",), "Georgia")
    # Near misses: a plan with no supplier named stays a buyer's wish.
    assert types_of("Georgia plans to buy weapons to rebuild its army.") == set()
    assert types_of("Грузия планирует закупить оружие для армии.", lang="ru") == set()


def test_blocking_a_blocs_declaratory_proposal_is_a_refusal() -> None:
    d = one("Austria blocked an EU proposal to recognise the opposition leader as president.", D)
    assert d.actors == ("Austria",)
    d = one(
        "Австрия заблокировала предложение ЕС о признании оппозиционера президентом.", D, lang="ru"
    )
    assert d.actors == ("Austria",)
    # Near misses: a sanctions proposal is no declaration; backing the proposal.
    for text in (
        "Austria blocked an EU proposal to impose new sanctions on Belarus.",
        "Austria backed an EU proposal to recognise the opposition leader.",
    ):
        assert types_of(text) == set(), text
    assert types_of("Австрия заблокировала предложение ЕС о новых санкциях.", lang="ru") == set()


def test_membership_put_in_question_ru() -> None:
    for text, actor, target in (
        (
            "Грузия примет окончательное решение о дальнейшем участии в СНГ до весны.",
            "Georgia",
            "CIS",
        ),
        ("Грузия пересмотрит своё членство в СНГ, заявил премьер.", "Georgia", "CIS"),
    ):
        d = one(text, W, lang="ru")
        assert (d.actors, d.target, d.modality.value) == ((actor,), target, "considering"), text
    for text in (
        "Грузия не пересмотрит своё членство в СНГ.",
        "Эксперты обсудили вопрос о дальнейшем участии стран в СНГ.",
        "Грузия приняла решение об участии в саммите СНГ.",
    ):
        assert W.value not in types_of(text, lang="ru"), text


def test_not_ruling_out_an_exit_is_considering_it() -> None:
    for text, lang in (
        ("Georgia does not rule out leaving the CIS, its premier said.", "en"),
        ("Грузия не исключает выхода из СНГ, заявил премьер.", "ru"),
    ):
        assert one(text, W, lang=lang).modality.value == "considering", text
    # The step in a clause of its own is kept (its modality is read in that clause).
    assert W.value in types_of("Премьер не исключил, что Грузия выйдет из СНГ.", lang="ru")
    # Near misses: ruling it out, and a plain negation.
    for text, lang in (
        ("Georgia ruled out leaving the CIS.", "en"),
        ("Georgia will not leave the CIS.", "en"),
        ("Грузия исключила выход из СНГ.", "ru"),
        ("Грузия не выйдет из СНГ.", "ru"),
    ):
        assert W.value not in types_of(text, lang=lang), text


def test_membership_questioned_and_work_stopped_ru() -> None:
    for text, rule in (
        ("Грузия ставит под сомнение целесообразность членства в СНГ.", "reconsider_membership"),
        ("Пашинян поставил под вопрос членство Армении в ЕАЭС.", "reconsider_membership"),
        ("Грузия перестала участвовать в работе СНГ.", "freeze_participation"),
        ("Грузия не участвует в работе СНГ, заявил премьер.", "freeze_participation"),
    ):
        assert one(text, W, lang="ru").rule.endswith(rule), text
    # The organisation's work is no meeting: no boycott; a meeting still is one.
    assert types_of("Грузия не участвует в работе СНГ, заявил премьер.", lang="ru") == {W.value}
    assert B.value in types_of("Грузия не будет участвовать в работе саммита СНГ.", lang="ru")
    # Near misses: taking part, and a membership no one questions.
    assert types_of("Грузия участвует в работе СНГ.", lang="ru") == set()
    assert types_of("Грузия не ставит под сомнение членство в СНГ.", lang="ru") == set()


def test_a_lasting_state_or_a_recalled_fact_is_background_ru() -> None:
    for text in (
        "Ереван уже несколько месяцев не участвует в работе ОДКБ.",
        "В МИД напомнили, что Ереван заморозил участие в ОДКБ.",
    ):
        assert types_of(text, lang="ru") == set(), text
    # Near miss: the same step told as news.
    assert W.value in types_of("Ереван заморозил участие в ОДКБ, заявили в МИД.", lang="ru")


def test_work_stopped_and_membership_decided_en() -> None:
    for text, rule in (
        (
            "Georgia will decide on its further participation in the CIS by spring.",
            "reconsider_membership",
        ),
        ("Georgia questioned the point of remaining in the CIS.", "reconsider_membership"),
        ("Georgia has put its CIS membership on hold.", "stop_participating"),
        ("Georgia has stopped participating in CIS activities.", "stop_participating"),
        (
            "Georgia is not taking part in the work of the CIS, its premier said.",
            "stop_participating",
        ),
    ):
        assert one(text, W).rule.endswith(rule), text
    # The organisation's work is no meeting; a meeting still is one.
    assert types_of("Georgia is not taking part in the work of the CIS.") == {W.value}
    assert B.value in types_of("Georgia is not taking part in the CIS summit.")
    # Near misses.
    for text in (
        "Georgia is taking part in the work of the CIS.",
        "Georgia will not reconsider its membership in the CIS.",
    ):
        assert types_of(text) == set(), text


def test_diverted_arms_that_ended_up_with_another_party() -> None:
    for text, lang in (
        (
            "Bulgarian artillery shells ended up in Ukraine via intermediaries, a newspaper reported.",
            "en",
        ),
        ("Болгарские снаряды попали на Украину через посредников.", "ru"),
        ("Болгарские снаряды оказались на вооружении Украины.", "ru"),
    ):
        d = one(text, A, lang=lang)
        assert (d.actors, d.target) == (("Bulgaria",), "Ukraine"), text
    # Near misses: people, not weapons; weapons under fire, not handed over.
    assert types_of("Bulgarian tourists ended up in Ukraine.") == set()
    assert types_of("Болгарские туристы попали на Украину.", lang="ru") == set()
    assert types_of("Российские снаряды оказались под огнём на Украине.", lang="ru") == set()


def test_a_fact_someone_recalls_is_background() -> None:
    for text, lang in (
        ("He recalled that Georgia walked away from the CIS.", "en"),
        ("Министр напомнил, что Грузия вышла из СНГ.", "ru"),
    ):
        assert types_of(text, lang=lang) == set(), text
    # "…, the minister recalled." after the step is only attribution (see the month test).
    # Near misses: recalling an envoy is the step itself; a plain attribution.
    assert R.value in types_of("Georgia recalled its ambassador from Minsk, the ministry said.")
    assert W.value in types_of("Грузия выйдет из СНГ, заявил министр.", lang="ru")


def test_meeting_named_first_and_the_absent_party_after_but() -> None:
    d = one("The CIS summit opens in Dushanbe on Friday, but Pashinyan will not attend.", B)
    assert d.actors == ("Armenia", "Nikol Pashinyan")
    for text in (
        "Саммит СНГ откроется в Душанбе в пятницу, однако Пашинян в нём участвовать не будет.",
        "Лидеры СНГ соберутся в Душанбе, но Пашинян туда не поедет.",
    ):
        assert B.value in types_of(text, lang="ru"), text
    # Near misses: attending, and an involuntary absence.
    for text in (
        "The CIS summit opens in Dushanbe on Friday, but Pashinyan will attend.",
        "The CIS summit opens in Dushanbe on Friday, but Pashinyan will not attend because he is ill.",
    ):
        assert types_of(text) == set(), text
    assert (
        types_of("Саммит СНГ откроется в Душанбе, но Пашинян не поедет из-за болезни.", lang="ru")
        == set()
    )
