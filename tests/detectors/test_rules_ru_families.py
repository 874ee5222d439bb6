"""Russian rules by phrasing family (issue 10, round 4): each family with several
inflected forms (aspect, tense, noun) firing, and a near miss staying silent. Sentences are
invented for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from detectors import detect
from tests.detectors.conftest import ARMS, BOYCOTT, DECL, RUPTURE, WITHDRAW, types_of

FIRES = [
    # Withdrawals: a membership frozen or suspended, in every aspect and as a noun.
    (WITHDRAW, "Армения приостановила членство в ОДКБ."),
    (WITHDRAW, "Армения приостанавливает своё членство в ОДКБ."),
    (WITHDRAW, "Армения приостановит членство в ОДКБ, заявил Пашинян."),
    (WITHDRAW, "Власти Армении объявили о приостановке членства в ОДКБ."),
    (WITHDRAW, "Ереван замораживает участие в ОДКБ."),
    (WITHDRAW, "Ереван объявил о заморозке своего участия в ОДКБ."),
    # Ruptures: an envoy's accreditation, agrément or immunity withdrawn.
    (RUPTURE, "Нигер отозвал аккредитацию посла Франции."),
    (RUPTURE, "Власти Нигера лишили посла Франции аккредитации."),
    (RUPTURE, "Нигер лишил посла Франции дипломатического иммунитета."),
    (RUPTURE, "Правительство Мали отозвало агреман у посла Франции."),
    (RUPTURE, "Литва аннулировала агреман, выданный послу России."),
    (
        RUPTURE,
        "Хунта отозвала аккредитацию французского посла и потребовала от полиции выдворить его из страны.",
    ),
    # Ruptures: an embassy's work suspended or closed, any aspect.
    (RUPTURE, "Азербайджан приостанавливает деятельность своего посольства в Иране."),
    (RUPTURE, "Азербайджан приостановил деятельность посольства в Тегеране."),
    (RUPTURE, "Латвия закрывает посольство в Минске."),
    (RUPTURE, "Посольство Эквадора в Мексике приостанавливает работу."),
    # Ruptures: ties cut, every aspect of each verb.
    (RUPTURE, "Боливия прерывает дипломатические отношения с Израилем."),
    (RUPTURE, "Эстония понижает уровень дипломатических отношений с Россией."),
    (RUPTURE, "Армения замораживает дипломатические отношения с Белоруссией."),
    (RUPTURE, "Ирак приостанавливает дипломатические отношения со Швецией."),
    (RUPTURE, "Нигер разорвет дипломатические отношения с Францией."),
    # Arms: passive delivery with the goods first.
    (ARMS, "Около тысячи контейнеров с боеприпасами из КНДР были доставлены в Россию."),
    (ARMS, "Гаубицы Caesar переданы Армении."),
    (ARMS, "Первые F-16 будут переданы Украине летом."),
    (ARMS, "Иранские беспилотники были переправлены в Россию по Каспийскому морю."),
    # Declarations: issued without someone, a passage dropped at someone's insistence.
    (DECL, "Коммюнике было опубликовано без подписей Индии, Саудовской Аравии и ЮАР."),
    (DECL, "Итоговое заявление было принято без Венгрии."),
    (DECL, "Декларация саммита подписана без поддержки Турции."),
    (DECL, "По настоянию Турции из итоговой декларации убрали пункт о курдах."),
    (DECL, "Абзац о миграции был исключён из заявления саммита по требованию Польши и Венгрии."),
    (DECL, "Из проекта декларации удалили раздел об Украине из-за позиции Китая."),
]

SILENT = [
    # A journalist's accreditation is no rupture.
    "Министерство иностранных дел отозвало аккредитацию корреспондента немецкого телеканала.",
    # An agrément given, a branch of a bank closed.
    "Баку дал агреман на назначение нового посла Ирана.",
    "Банк приостановил работу отделения в Минске.",
    # Drills are no membership.
    "Армения приостановила участие в учениях ОДКБ.",
    "Армения приостанавливает участие в манёврах ОДКБ.",
    # Analysts not ruling an exit out are not the state.
    "Эксперты не исключают, что Армения выйдет из ОДКБ.",
    # Others urging a boycott.
    "Украинский МИД призвал лидеров отказаться от поездки на саммит БРИКС в Казани.",
    "Оппозиция призывает президента не ехать на саммит ОДКБ.",
    # A state's own forces moved for drills.
    "Российские ракеты были доставлены в Белоруссию для учений.",
    # A declaration adopted without a state's *participation* (it was not there) and a bill.
    "Декларация была принята без участия России.",
    "Из законопроекта по требованию оппозиции исключили пункт о налогах.",
    # Old steps dated by a spelled-out span, or told as known.
    "Три года назад Россия вышла из Совета Европы.",
    "Армения заморозила участие в ОДКБ год назад.",
    "Полгода назад Ереван отозвал посла из Минска.",
    "Как известно, Армения заморозила участие в ОДКБ.",
    "Армения, как известно, заморозила участие в ОДКБ.",
    # An opposition leader's word, and deputies' demand to expel an envoy.
    "Лидер оппозиционной партии заявил, что Армения должна выйти из ОДКБ.",
    "Оппозиционный депутат считает, что стране пора покинуть ЕАЭС.",
    "Депутаты потребовали выслать посла России.",
]

# The same steps told as news still fire.
NEWS_AFTER_OLD = [
    (WITHDRAW, "Год назад Россия вышла из ДОВСЕ, а сегодня Москва объявила о выходе из Конвенции о защите прав человека."),
    (WITHDRAW, "Правительство Армении, несмотря на критику оппозиции, объявило о выходе из ОДКБ."),
]  # fmt: skip


@pytest.mark.parametrize(("etype", "text"), NEWS_AFTER_OLD)
def test_ru_news_next_to_old_steps_fires(etype: str, text: str) -> None:
    assert etype in types_of(text, lang="ru"), text


@pytest.mark.parametrize(("etype", "text"), FIRES)
def test_ru_family_fires(etype: str, text: str) -> None:
    assert etype in types_of(text, lang="ru"), text


@pytest.mark.parametrize("text", SILENT)
def test_ru_family_near_miss_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


# Boycotts told by the venue only, the meeting named in the title (scope `context`).
SUMMIT_TITLE = "Саммит ОДКБ пройдет в Минске 28 ноября"
VENUE_ONLY = [
    "Пашинян не поедет в Минск, сообщила его пресс-секретарь.",
    "В Минск Пашинян не поедет, сообщили в правительстве.",
    "Премьер-министр Армении не полетит в Минск.",
    "Пашинян так и не приехал в Минск.",
]


@pytest.mark.parametrize("text", VENUE_ONLY)
def test_ru_venue_only_boycott_needs_a_meeting_in_context(text: str) -> None:
    assert BOYCOTT in types_of(text, title=SUMMIT_TITLE, lang="ru"), text
    assert BOYCOTT not in types_of(text, title="Новости дня", lang="ru"), text


def test_ru_venue_only_boycott_near_misses() -> None:
    for text in (
        "Президент Киргизии не поедет в Минск из-за болезни.",
        "Лукашенко не поедет в Москву на парад Победы.",
    ):
        assert types_of(text, title=SUMMIT_TITLE, lang="ru") == set(), text


@pytest.mark.parametrize(
    "text",
    [
        "Пашинян не полетит в Минск на саммит ОДКБ.",
        "Армения не представлена на саммите ОДКБ.",
    ],
)
def test_ru_more_attend_verbs(text: str) -> None:
    assert BOYCOTT in types_of(text, lang="ru"), text


ARMS_FIRES = [
    # Contracts and deals told from either side, with "о покупке/о продаже".
    "Армения заключила сделку с Индией о покупке зенитных систем.",
    "Сербия подписала с Францией контракт о покупке 12 истребителей Rafale.",
    "Турция заключила соглашение о продаже беспилотников Кувейту.",
    # Aid packages for a named recipient.
    "Вашингтон выделил Киеву новый пакет военной помощи.",
    "Пентагон объявил о новом пакете военной помощи для Украины.",
    # "вооружает" as a giving verb.
    "Израиль вооружает Азербайджан беспилотниками.",
    "Иран вооружил хуситов ракетами.",
]

ARMS_SILENT = [
    # A state's own industry supplying its own forces.
    "Уралвагонзавод передал Минобороны России партию танков Т-90М.",
    "Армия Азербайджана получила новые танки от отечественного завода.",
    "Завод имени Дегтярева поставил в войска партию пулеметов.",
    # Readiness is no supply; money for development is no package.
    "Индия готова поставлять Армении оружие.",
    "Минобороны выделило 1 миллиард рублей на разработку беспилотников.",
    "Россия вооружает свою армию новыми танками.",
]


@pytest.mark.parametrize("text", ARMS_FIRES)
def test_ru_arms_family_fires(text: str) -> None:
    assert ARMS in types_of(text, lang="ru"), text


@pytest.mark.parametrize("text", ARMS_SILENT)
def test_ru_arms_near_miss_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


STAND_IN_FIRES = [
    "Делегацию Армении на саммите ОДКБ возглавит вице-премьер Мгер Григорян.",
    "Армению на саммите СНГ представит вице-премьер Мгер Григорян.",
    "Интересы Еревана на саммите ЕАЭС будет представлять вице-премьер.",
    "На саммите БРИКС Россию представит министр иностранных дел Сергей Лавров.",
    "Армения будет представлена на саммите вице-премьером.",
    "Делегацию Азербайджана на саммите возглавлял посол.",
]

STAND_IN_SILENT = [
    # The head of state leads; no summit; a ministers' meeting led by a deputy minister.
    "Делегацию Казахстана на саммите ОДКБ возглавит президент Токаев.",
    "Делегацию Армении на переговорах возглавит вице-премьер.",
    "Армению на заседании СМИД ОДКБ представит замминистра.",
    "Армения представит на саммите свои предложения, сообщил министр.",
]


@pytest.mark.parametrize("text", STAND_IN_FIRES)
def test_ru_stand_in_without_vmesto_fires(text: str) -> None:
    assert BOYCOTT in types_of(text, lang="ru"), text


@pytest.mark.parametrize("text", STAND_IN_SILENT)
def test_ru_stand_in_near_miss_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


DECL_FIRES = [
    "Итоговую декларацию саммита Армения так и не подписала.",
    "Совместное заявление министров Венгрия не поддержала.",
    "Венгрия выступила против совместного заявления ЕС по Израилю.",
    "Словакия и Венгрия дистанцировались от итогового коммюнике.",
    "Под итоговым документом нет подписи Армении.",
    "Армения отозвала свою подпись под декларацией.",
    "Россия возразила против формулировок итогового коммюнике, и документ не был принят.",
]

DECL_SILENT = [
    "Россия выступила против проекта резолюции.",
    "Депутаты выступили против законопроекта.",
    "Оппозиция отказалась подписать совместное заявление с правительством.",
    "Армения не исключает, что не подпишет итоговый документ.",
    "Под итоговым документом стоят подписи всех участников.",
]


@pytest.mark.parametrize("text", DECL_FIRES)
def test_ru_declaration_family_fires(text: str) -> None:
    assert DECL in types_of(text, lang="ru"), text


@pytest.mark.parametrize("text", DECL_SILENT)
def test_ru_declaration_near_miss_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


@pytest.mark.parametrize(
    "text",
    [
        "Путин не поедет на саммит БРИКС в ЮАР и примет участие в нем по видеосвязи.",
        "Путин не будет лично присутствовать на саммите, а выступит по видеосвязи.",
        "На саммите не было Пашиняна.",
        "На саммите ОДКБ не будет президентов Армении и Киргизии.",
    ],
)
def test_ru_absence_in_person_and_not_there_fire(text: str) -> None:
    assert BOYCOTT in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    "text",
    [
        "Путин примет участие в саммите БРИКС по видеосвязи.",
        "Пашинян не смог приехать на саммит и выступил по видеосвязи.",
        "На саммите не было разногласий, заявил Лавров.",
    ],
)
def test_ru_remote_attendance_stays_silent(text: str) -> None:
    assert BOYCOTT not in types_of(text, lang="ru"), text


WITHDRAW_SILENT = [
    # Others on the right to leave, denials told as "речи не идёт", media claims.
    "Песков заявил, что решение о выходе из ОДКБ — суверенное право Армении.",
    "Мы уважаем право Армении выйти из ОДКБ, сказал Песков.",
    "Армения имеет право выйти из ОДКБ, напомнил Песков.",
    "Пашинян: о выходе из ОДКБ речи не идет.",
    "Речь о выходе из ЕАЭС не идёт, подчеркнул министр.",
    "Армения вступит в ЕС и выйдет из ЕАЭС, утверждают СМИ.",
    "Ереван готовится к выходу из ОДКБ, пишут армянские СМИ.",
    # A post left, not the organisation.
    "Представитель Армении покинул должность заместителя генсека ОДКБ.",
    "Генсек ОДКБ покинет свой пост в конце года.",
]


@pytest.mark.parametrize("text", WITHDRAW_SILENT)
def test_ru_withdrawal_near_miss_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


def test_ru_exercising_the_right_to_leave_fires() -> None:
    text = "Армения воспользовалась правом на выход из ОДКБ и уведомила секретариат."
    assert WITHDRAW in types_of(text, lang="ru")


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("Египет отозвал посла из Израиля.", "Egypt"),
        ("Бердымухамедов не примет участия в саммите СНГ.", "Turkmenistan"),
        ("Траоре не поедет на саммит ЭКОВАС.", "Burkina Faso"),
        ("Ортега разорвал дипломатические отношения с Израилем.", "Nicaragua"),
        ("Сикорский отказался подписать совместное заявление.", "Poland"),
    ],
)
def test_ru_names_of_known_actors(text: str, actor: str) -> None:
    found = {a for d in detect(text, lang="ru", published=dt.date(2024, 6, 1)) for a in d.actors}
    assert actor in found, (text, found)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("США вышли из Всемирной организации здравоохранения.", "WHO"),
        ("Россия вышла из Черноморской зерновой инициативы.", "Black Sea Grain Initiative"),
    ],
)
def test_ru_full_names_of_organisations(text: str, target: str) -> None:
    found = [d.target for d in detect(text, lang="ru", published=dt.date(2024, 6, 1))]
    assert target in found, (text, found)


RUPTURE_MORE = [
    "Литва понизила статус дипмиссии России до уровня временного поверенного.",
    "Россия приняла решение закрыть генконсульство Эстонии в Петербурге.",
    "Россия объявила о прекращении дипломатических отношений с Грузией.",
    "Грузия прекращает дипотношения с Россией.",
]

RUPTURE_MORE_SILENT = [
    "Литва не намерена прекращать дипломатические отношения с Белоруссией.",
    "Компания понизила цены до уровня прошлого года.",
    "Страны договорились о прекращении огня.",
]


@pytest.mark.parametrize("text", RUPTURE_MORE)
def test_ru_rupture_more_forms_fire(text: str) -> None:
    assert RUPTURE in types_of(text, lang="ru"), text


@pytest.mark.parametrize("text", RUPTURE_MORE_SILENT)
def test_ru_rupture_more_near_misses(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


@pytest.mark.parametrize(
    ("text", "etype", "actors"),
    [
        ("Мали, Буркина-Фасо и Нигер отозвали послов из Алжира.", RUPTURE, ("Mali", "Burkina Faso", "Niger")),
        ("Венгрия, Словакия и Австрия отказались подписать совместное заявление.", DECL, ("Hungary", "Slovakia", "Austria")),
        ("Армения, Молдавия и Азербайджан не примут участия в саммите СНГ.", BOYCOTT, ("Armenia", "Moldova", "Azerbaijan")),
        ("Литва, Латвия и Эстония вышли из Оттавской конвенции.", WITHDRAW, ("Lithuania", "Latvia", "Estonia")),
    ],
)  # fmt: skip
def test_ru_lists_keep_every_member(text: str, etype: str, actors: tuple[str, ...]) -> None:
    found = [
        d for d in detect(text, lang="ru", published=dt.date(2024, 6, 1)) if d.type.value == etype
    ]
    assert found and found[0].actors == actors, (text, found)


def test_ru_list_acting_on_a_third_state_keeps_the_third_as_target() -> None:
    text = "Мали, Буркина-Фасо и Нигер отозвали послов из Алжира."
    [d] = detect(text, lang="ru", published=dt.date(2024, 6, 1))
    assert d.target == "Algeria"


@pytest.mark.parametrize(
    "text",
    [
        "Пашинян не едет на саммит ОДКБ",
        "Пашинян не летит на саммит ЕАЭС",
        "Санду не собирается на саммит СНГ",
        "Армения вновь не пришла на заседание ОДКБ",
        "Армения не делегировала своего представителя на заседание Совета министров обороны ОДКБ",
    ],
)
def test_ru_present_tense_and_headline_boycotts(text: str) -> None:
    assert BOYCOTT in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    "text",
    [
        "Армения не собирается бойкотировать саммит ОДКБ.",
        "Армения не намерена пропускать саммит ОДКБ.",
        "Армения не будет бойкотировать саммит.",
        "Бойкотировать саммит Армения не станет.",
        "Пашинян не пропустит саммит ЕАЭС.",
        "Пашинян едет на саммит ОДКБ.",
        "Поезд не едет в Минск из-за ремонта путей.",
    ],
)
def test_ru_boycott_denied_or_attended_stays_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


# Each step negated or denied, in several aspects (they fired on main).
DENIED_STEPS = [
    "Армения не намерена приостанавливать членство в ОДКБ.",
    "Армения не приостанавливала членство в ОДКБ, заявил МИД.",
    "Армения не будет замораживать участие в ОДКБ.",
    "Армения не отзывала посла из Минска, заявили в МИД.",
    "Россия не выдворяла эстонских дипломатов.",
    "Молдавия не будет закрывать посольство в Москве.",
    "Армения не отказывалась подписывать декларацию.",
]


@pytest.mark.parametrize("text", DENIED_STEPS)
def test_ru_denied_steps_stay_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


def test_ru_not_only_is_no_denial() -> None:
    text = "Армения не только отозвала посла, но и выслала дипломатов."
    assert RUPTURE in types_of(text, lang="ru")


@pytest.mark.parametrize(
    "text",
    [
        "Почему Пашинян не едет на саммит ОДКБ",
        "Зачем Армении выходить из ОДКБ",
        "Что будет, если Армения выйдет из ОДКБ",
        "Армения могла бы выйти из ОДКБ, считает бывший министр.",
        "Выход Армении из ОДКБ возможен, допустил экс-президент.",
        "Армении следует выйти из ОДКБ, считает бывший министр.",
        "Армения рассчитывает получить от Индии новые системы ПВО.",
    ],
)
def test_ru_questions_and_others_opinions_stay_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


@pytest.mark.parametrize(
    ("etype", "text"),
    [
        (WITHDRAW, "Армения вышла из ОДКБ, сообщил МИД."),
        (ARMS, "КНДР поставила России артиллерийские снаряды, пишут журналисты."),
    ],
)
def test_ru_state_and_third_party_reports_still_fire(etype: str, text: str) -> None:
    assert etype in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    "text",
    [
        "Последний российский военный покинул миссию ООН в Мали.",
        "Армения отозвала посла в России в связи с назначением на новую должность.",
        "Посол России отозван по истечении срока полномочий.",
    ],
)
def test_ru_missions_and_rotations_stay_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


@pytest.mark.parametrize(
    ("text", "actor", "target"),
    [
        ("В Армению прибыли французские бронемашины Bastion.", "France", "Armenia"),
        ("Израильские беспилотники поступили на вооружение армии Азербайджана.", "Israel", "Azerbaijan"),
        ("Азербайджан принял на вооружение турецкие беспилотники Akinci.", "Turkey", "Azerbaijan"),
        ("На вооружение армии Армении поступили индийские РСЗО Pinaka.", "India", "Armenia"),
    ],
)  # fmt: skip
def test_ru_foreign_weapons_entering_service(text: str, actor: str, target: str) -> None:
    found = [
        d for d in detect(text, lang="ru", published=dt.date(2024, 6, 1)) if d.type.value == ARMS
    ]
    assert found and actor in found[0].actors and found[0].target == target, (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "Российские танки Т-90 поступили на вооружение армии России.",
        "В Белоруссию прибыла российская военная техника для учений.",
        "На вооружение армии России поступили новые танки.",
    ],
)
def test_ru_own_make_or_drills_stay_silent(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


@pytest.mark.parametrize(
    ("text", "actor", "target"),
    [
        ("ВСУ получили американские танки Abrams.", "United States", "Ukraine"),
        ("Сербия получила китайские зенитные комплексы.", "China", "Serbia"),
        ("США передали ВСУ партию снарядов.", "United States", "Ukraine"),
    ],
)
def test_ru_receiver_and_maker_named(text: str, actor: str, target: str) -> None:
    [d] = [
        d for d in detect(text, lang="ru", published=dt.date(2024, 6, 1)) if d.type.value == ARMS
    ]
    assert d.actors == (actor,) and d.target == target, d


@pytest.mark.parametrize(
    "text",
    [
        "Выход Грузии из СНГ вступил в силу.",
        "Выход США из Парижского соглашения стал официальным.",
        "Выход России из Совета Европы официально завершился.",
    ],
)
def test_ru_exit_taking_effect_fires(text: str) -> None:
    assert WITHDRAW in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    "text",
    [
        "Выход Армении из ОДКБ станет ошибкой.",
        "Выход Армении из ОДКБ состоится не скоро.",
        "Выход Грузии из СНГ вступил в силу в 2009 году.",
    ],
)
def test_ru_exit_noun_near_misses(text: str) -> None:
    assert types_of(text, lang="ru") == set(), text


def test_ru_not_joining_a_statement_is_no_boycott() -> None:
    # "присоединиться к" takes documents as often as meetings: not an attending verb.
    text = "Венгрия не присоединилась к заявлению лидеров ЕС по итогам саммита."
    assert types_of(text, lang="ru") == {DECL}


@pytest.mark.parametrize(
    ("etype", "text"),
    [
        (BOYCOTT, "Пашинян не поедет на саммит ОДКБ, заявил журналистам пресс-секретарь премьера."),
        (WITHDRAW, "Армения выйдет из ОДКБ, сказал журналистам Пашинян."),
        (WITHDRAW, "Армения выйдет из ОДКБ, сказал Пашинян экспертам клуба «Валдай»."),
    ],
)
def test_ru_state_speaking_to_journalists_or_experts_fires(etype: str, text: str) -> None:
    # The non-state speaker veto reads only a speaker in the nominative.
    assert etype in types_of(text, lang="ru"), text


def test_ru_opposition_leader_after_the_sentence_stays_silent() -> None:
    assert types_of("Армения выйдет из ОДКБ, заявил лидер оппозиции.", lang="ru") == set()


@pytest.mark.parametrize(
    ("etype", "text"),
    [
        (WITHDRAW, "Отвечая на вопрос депутата от оппозиции, Пашинян заявил, что Армения выйдет из ОДКБ."),
        (WITHDRAW, "Пашинян, которого критикует оппозиция, заявил, что Армения заморозила участие в ОДКБ."),
        (DECL, "Несмотря на протесты оппозиции, Армения отказалась подписать итоговую декларацию саммита."),
    ],
)  # fmt: skip
def test_ru_opposition_mentioned_but_the_state_speaks(etype: str, text: str) -> None:
    assert etype in types_of(text, lang="ru"), text


# Round 5 (real-news families): a position restated as unchanged, a reported discussion of
# an exit and a non-official's forecast are no step; the step itself still fires.
@pytest.mark.parametrize(
    "text",
    [
        "Позиция Армении относительно заморозки участия в ОДКБ не изменилась, сообщила пресс-секретарь МИД.",
        "Позиция Еревана насчёт заморозки участия в работе ОДКБ не менялась, заявила представитель МИД.",
        "Участие Армении в ОДКБ по-прежнему заморожено, сообщила пресс-секретарь МИД.",
        "В Москве исходят из заявлений Еревана о том, что Армения заморозила участие в ОДКБ.",
        "Россия исходит из того, что Армения заморозила участие в ОДКБ.",
        "В МИД Армении ответили на вопросы журналистов.\n\nЗамглавы МИД прокомментировал заявление "
        "секретаря Совбеза Армении об обсуждениях вопроса о выходе республики из ОДКБ.",
        "Ереван ответил на слухи.\n\nЗамминистра прокомментировал слова секретаря Совбеза Армении "
        "об обсуждении вопроса о выходе республики из ОДКБ.",
        "Турция скоро выйдет из НАТО, а альянс развалится. Такое мнение высказал глава Ассоциации евразийских исследований.",
        "Сербия рано или поздно покинет ОДКБ. Такой прогноз дал политолог из Белграда.",
        "Венгрия рано или поздно покинет Евросоюз, уверен глава аналитического центра.",
        "Председатель ассоциации предрёк, что Турция выйдет из НАТО в ближайшие годы.",
        "Бывший посол спрогнозировал, что Грузия покинет СНГ вслед за Украиной.",
        "Армения вправе выйти из ОДКБ, заявили в Кремле.",
        "Турция выходит из НАТО\n\nТурция скоро выйдет из НАТО. Об этом заявил политолог Иван Петров.",
        "Венгрия покинет Евросоюз\n\nВенгрия покинет ЕС до конца десятилетия. В этом уверен глава аналитического центра.",
    ],
)  # fmt: skip
def test_ru_restated_position_reported_talk_and_forecasts_stay_silent(text: str) -> None:
    assert WITHDRAW not in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    "text",
    [
        "Армения заморозила участие в ОДКБ, заявил Пашинян.",
        "Позиция Армении изменилась: Ереван заморозил участие в ОДКБ.",
        "Армения начала обсуждение вопроса о выходе из ОДКБ.",
        "Турция выйдет из НАТО, заявил Эрдоган.",
        "Армения скоро выйдет из ОДКБ, заявил Пашинян на брифинге.",
        "Армения выходит из ОДКБ\n\nАрмения выйдет из ОДКБ. Об этом заявил премьер-министр Никол Пашинян.",
    ],
)  # fmt: skip
def test_ru_the_step_itself_still_fires_next_to_the_new_vetoes(text: str) -> None:
    assert WITHDRAW in types_of(text, lang="ru"), text


# Treaties by their formal title or numbered short form resolve as the target.
@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Путин объявил о приостановке участия России в договоре СНВ-III.", "New START"),
        ("Москва приостанавливает своё участие в Договоре о мерах по дальнейшему сокращению и ограничению стратегических наступательных вооружений.", "New START"),
        ("США вышли из Договора о ликвидации ракет средней и меньшей дальности.", "INF Treaty"),
        ("Вашингтон объявил о выходе из договора о РСМД.", "INF Treaty"),
    ],
)  # fmt: skip
def test_ru_treaty_titles_and_numbered_forms(text: str, target: str) -> None:
    found = [d.target for d in detect(text, lang="ru", published=dt.date(2024, 6, 1))]
    assert target in found, (text, found)


@pytest.mark.parametrize(
    "text",
    [
        "Россия не намерена приостанавливать участие в договоре СНВ-III.",
        "Эксперты обсудили будущее договора СНВ-III.",
    ],
)
def test_ru_treaty_title_alone_is_no_step(text: str) -> None:
    assert WITHDRAW not in types_of(text, lang="ru"), text


# A boycott told as a noun in any case, often inside someone else's reaction.
@pytest.mark.parametrize(
    "text",
    [
        "Песков выразил сожаление в связи с отказом Пашиняна от участия в саммите ОДКБ.",
        "Кремль сожалеет об отказе премьера Армении приехать на саммит ОДКБ.",
        "В Минске не стали комментировать причины отказа Алиева от поездки на саммит СНГ.",
    ],
)
def test_ru_refusal_noun_in_any_case_fires(text: str) -> None:
    assert BOYCOTT in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    "text",
    [
        "Возможный отказ Пашиняна от участия в саммите ОДКБ обсуждают эксперты.",
        "Кремль опроверг сообщения об отказе Пашиняна от участия в саммите ОДКБ.",
    ],
)
def test_ru_possible_or_denied_refusal_noun_stays_silent(text: str) -> None:
    assert BOYCOTT not in types_of(text, lang="ru"), text


# Signatures taken back or missing: off the list of signatories, absent among them.
@pytest.mark.parametrize(
    "text",
    [
        "Ирак и Иордания были исключены из списка подписантов итогового коммюнике саммита.",
        "Ирак и Иордания исключены из списка стран, подписавших коммюнике саммита.",
        "Из списка подписавших декларацию саммита удалили Ирак и Иорданию.",
        "Руанда исчезла из списка подписантов коммюнике саммита.",
        "При этом среди подписантов отсутствуют Саудовская Аравия, Индия и Бразилия, которые участвовали в саммите.",
    ],
)  # fmt: skip
def test_ru_signatures_removed_or_absent_fire(text: str) -> None:
    assert DECL in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    "text",
    [
        "Армения вошла в список подписантов декларации саммита.",
        "Ирак был включён в список подписантов коммюнике саммита.",
        "Среди подписантов коммюнике саммита есть Венгрия и Турция.",
        "Ирак не был исключён из списка подписантов коммюнике саммита.",
    ],
)
def test_ru_signatories_listed_stay_silent(text: str) -> None:
    assert DECL not in types_of(text, lang="ru"), text


# Common vetoes: a pundit opening the sentence with an opinion or forecast, a denial told
# with "что", a position restated, a hedge on a boycott, a habit over the last years.
@pytest.mark.parametrize(
    ("etype", "text"),
    [
        (RUPTURE, "Эксперт не исключил, что Грузия разорвёт отношения с Россией."),
        (RUPTURE, "По мнению политолога, Армения скоро разорвёт отношения с Россией."),
        (ARMS, "Политолог уверен, что Китай скоро начнёт поставлять оружие России."),
        (ARMS, "Эксперты прогнозируют, что США передадут Украине новые ракеты."),
        (BOYCOTT, "Эксперт уверен, что Пашинян не поедет на саммит ОДКБ."),
        (BOYCOTT, "По словам политолога, Алиев не приедет на саммит СНГ."),
        (WITHDRAW, "По словам отставного генерала, Турция покинет НАТО до конца десятилетия."),
        (BOYCOTT, "Кремль опроверг, что Путин пропустит саммит G20."),
        (BOYCOTT, "Позиция Еревана хорошо известна: он воздерживается от участия в заседаниях ОДКБ, объяснил Путин."),
        (BOYCOTT, "Пашинян не исключил, что не поедет на саммит ОДКБ."),
        (BOYCOTT, "Ереван фактически бойкотировал все мероприятия ОДКБ последние два года."),
    ],
)  # fmt: skip
def test_ru_pundits_denials_restatements_and_habits_stay_silent(etype: str, text: str) -> None:
    assert etype not in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    ("etype", "text"),
    [
        (BOYCOTT, "Впервые за последние десять лет Пашинян не поедет на саммит ОДКБ."),
        (BOYCOTT, "Пашинян не поедет на саммит ОДКБ в Минске, заявил его пресс-секретарь."),
        (WITHDRAW, "Эксперт рассказал, что Армения в среду вышла из ОДКБ."),
        (RUPTURE, "Грузия разорвала дипломатические отношения с Россией, заявил министр."),
    ],
)  # fmt: skip
def test_ru_steps_next_to_the_common_vetoes_fire(etype: str, text: str) -> None:
    assert etype in types_of(text, lang="ru"), text


# Arms: deliveries stopped, failed or frozen, warnings and trade statistics are no transfer.
@pytest.mark.parametrize(
    "text",
    [
        "Россия не выполнила контракт на поставку оружия Армении.",
        "Армения заморозила контракты на поставку российского оружия.",
        "Германия приостановила поставки оружия Израилю.",
        "Москва предупредила Сеул о последствиях поставок оружия Украине.",
        "Поставки оружия Армении из Индии выросли в разы, говорится в докладе SIPRI.",
        "Российская армия уничтожила переданные Украине танки Leopard.",
        "Россия остаётся крупнейшим поставщиком оружия для Индии.",
        "В Кремле заявили, что поставки оружия Украине затягивают конфликт.",
        "Турция отказалась продавать беспилотники Bayraktar России.",
        "Германия запретила экспорт оружия в Израиль.",
    ],
)
def test_ru_arms_stopped_warned_or_counted_stay_silent(text: str) -> None:
    assert ARMS not in types_of(text, lang="ru"), text


@pytest.mark.parametrize(
    "text",
    [
        "Россия возобновила поставки С-400 Индии после задержки.",
        "Франция поставит Армении гаубицы Caesar по новому контракту.",
        "Германия передала Украине очередную партию снарядов.",
        "Турция продала Украине беспилотники Bayraktar, несмотря на отказ России.",
    ],
)
def test_ru_arms_deliveries_next_to_the_new_vetoes_fire(text: str) -> None:
    assert ARMS in types_of(text, lang="ru"), text


# A consensus failed between two sides is no one state's refusal; one objector still is.
@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("Саммит G20 завершился без совместного коммюнике из-за разногласий между США и Китаем.", False),
        ("Участникам не удалось согласовать итоговое заявление, поскольку Россия и Запад разошлись в оценках.", False),
        ("Саммит завершился без совместного заявления из-за разногласий с Венгрией.", True),
        ("Итоговое заявление не было принято из-за позиции Венгрии.", True),
    ],
)  # fmt: skip
def test_ru_mutual_disagreement_is_no_refusal(text: str, fires: bool) -> None:
    assert (DECL in types_of(text, lang="ru")) is fires, text
