"""Russian precision families from real news (issue 10, round of 2026-12-01, blind3): each
veto silencing a family of false alarms, with a near miss that must still fire. Sentences
are invented for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.detectors.conftest import (
    ARMS,
    BOYCOTT,
    RUPTURE,
    WITHDRAW,
    assert_fires,
    assert_silent,
    types_of,
)

FIRES: list[tuple[str, str]] = [
    # Arms: a foreign supplier named keeps a delivery to a state's own forces a transfer.
    (ARMS, "Вооружённые силы Армении получили от Франции партию бронемашин."),
    (ARMS, "Армия Сербии получила из России партию танков, которые были на базе хранения."),
    (ARMS, "Турция поставила Украине партию беспилотников, сообщила компания Baykar."),
    # Withdrawals: a government's bill, a step framed by a crisis, a notice that was sent,
    # a leader's own explanation (perfective), a party supporting the state's decision.
    (WITHDRAW, "Правительство Армении внесло в парламент законопроект о выходе из ЕАЭС."),
    (WITHDRAW, "На фоне кризиса Армения вышла из ОДКБ."),
    (WITHDRAW, "Минск сообщил, что Армения направила уведомление о выходе из ОДКБ."),
    (WITHDRAW, "Пашинян пояснил, что Армения заморозила участие в ОДКБ."),
    (WITHDRAW, "Партия власти поддержала решение Армении выйти из ОДКБ."),
    # Boycotts: a report dated today is news.
    (BOYCOTT, "Сегодня стало известно, что Пашинян не поедет на саммит ОДКБ."),
    # Ruptures: a rupture with a warning in another clause; a report confirmed.
    (RUPTURE, "Россия разорвала дипломатические отношения с Грузией и предупредила о новых мерах."),
    (RUPTURE, "Сообщения о высылке подтвердились: Литва выслала двух российских дипломатов."),
    # Probes of the brief's families: a supplier still supplying, a plan naming its
    # supplier, a summit held without a leader who gives no reason.
    (ARMS, "Германия снабжает Украину оружием из своих запасов."),
    (ARMS, "Индия планирует приобрести у Франции 26 истребителей Rafale."),
    (BOYCOTT, "Саммит ОДКБ прошёл без президента Армении."),
    # Withdrawals: the state's own decision, also after a comment on something else.
    (WITHDRAW, "Армения приняла решение заморозить участие в ОДКБ."),
    (WITHDRAW, "Пашинян прокомментировал вопрос журналиста и объявил о решении Армении выйти из ОДКБ."),
    # Arms: a delivery whose effect is told in a relative clause; a timeline named.
    (ARMS, "Германия передала Украине танки Leopard, которые изменят ход боёв."),
    (ARMS, "США назвали сроки поставки Украине истребителей F-16."),
    # Withdrawals: a leader telling of a possible exit himself (considering).
    (WITHDRAW, "Пашинян заявил о возможном выходе Армении из ОДКБ."),
    # Arms: a foreign maker written in Latin script keeps a delivery to a state's forces.
    (ARMS, "ВВС Узбекистана получили первые беспилотники производства компании Baykar, сообщило министерство обороны республики."),
]  # fmt: skip

SILENT: list[tuple[str | None, str]] = [
    # Arms (`own_forces_procurement`): a state's own forces supplied by its makers, orders
    # or stocks.
    (ARMS, "Корпорация «Альфа» начала поставки в ВКС России новых истребителей Су-35."),
    (ARMS, "Минобороны России и корпорация «Бета» подписали контракт на поставку двенадцати истребителей."),
    (ARMS, "Военно-промышленный комплекс Украины нарастил поставки бронемашин в вооружённые силы Украины."),
    (ARMS, "Части ВС РФ получили три сотни гаубиц с базы хранения в Сибири."),
    (ARMS, "Министерство обороны России заказало сто новых танков."),
    # Arms: deliveries paused or stopped ("поставок" had escaped `transfer_stopped`), and
    # a plan told several words before the purchase.
    (ARMS, "Власти США объявили о приостановке поставок ракет Украине."),
    (ARMS, "Вашингтон остановил часть поставок оружия Киеву."),
    (ARMS, "Россия планирует расширить сотрудничество с Ираном и приобрести партию беспилотников."),
    # Withdrawals: drafts of deputies and parties (`proposal_by_deputies`), calls and an
    # assembly's proposal (`others_call`), discussions denied (`off_agenda`), no notice sent
    # (`no_information`), others judging a step hasty (`haste_judged`).
    (WITHDRAW, "Лидер партии «Свобода», депутат парламента Армении Арам Петросян внёс в парламент проект постановления «О выходе Республики Армения из ЕАЭС»."),
    (WITHDRAW, "Вчера в комиссии парламента Армении обсуждался проект заявления оппозиционного депутата «О прекращении членства Армении в ЕАЭС»."),
    (WITHDRAW, "Венгерские националисты выступили за референдум о выходе Венгрии из ЕС."),
    (WITHDRAW, "Ассамблея предлагает определить дату, когда Турция перестанет быть членом Совета Европы."),
    (WITHDRAW, "Постпред заявил, что дискуссии о выходе России из ОБСЕ сейчас не ведутся."),
    (WITHDRAW, "Генсек сообщил, что Армения не направляла уведомлений о выходе из ОДКБ."),
    (WITHDRAW, "Лидер Белоруссии считает, что Армения не должна спешить выходить из ОДКБ."),
    (WITHDRAW, "Он уверен, что Пашинян поторопился и объявил о заморозке участия Армении в ОДКБ."),
    # Every type: a step as the backdrop ("на фоне намерений"), earlier this year, an
    # explanation recalled ("Как пояснял"), a report dated by a past month.
    (WITHDRAW, "Песков ответил на вопрос на фоне намерений США выйти из Парижского соглашения."),
    (WITHDRAW, "В начале этого года Трамп заявил о намерении выйти из ВОЗ."),
    (WITHDRAW, "Как пояснял Пашинян, заморозка членства Армении в ОДКБ была необходима."),
    (BOYCOTT, "В июле стало известно, что Путин не поедет на саммит БРИКС в ЮАР."),
    # Ruptures: warned of as a consequence (`warned_consequence`); reports of an evacuation
    # called untrue (`denied_by`).
    (RUPTURE, "Москва предупреждает о разрыве дипломатических отношений с Вашингтоном."),
    (RUPTURE, "Признание России спонсором терроризма приведёт к полному разрыву дипломатических отношений между Россией и США, заявили в МИД."),
    (RUPTURE, "Информация об эвакуации посольства России из Венесуэлы не соответствует действительности, заявили в МИД России."),
    # Probes: supplies no longer made (`denial`), buying from many countries as a habit
    # (`generic_or_plan`), deliveries told as suspended (`transfer_stopped`, participle), a
    # leader under treatment (`involuntary`), no grounds seen for a rupture (`no_grounds`).
    (ARMS, "Германия больше не снабжает Украину оружием из своих запасов."),
    (ARMS, "Мы закупаем вооружение у многих стран, сказал министр обороны Армении."),
    (ARMS, "Поставки американского оружия Израилю приостановлены."),
    (BOYCOTT, "Саммит прошел без президента Казахстана, который находится на лечении."),
    (RUPTURE, "Кремль не видит оснований для разрыва отношений с Арменией."),
    # Withdrawals: another party commenting on a decision made (`decision_commented`).
    (WITHDRAW, "Глава МИД Казахстана прокомментировал решение Армении заморозить участие в ОДКБ."),
    # Arms: what deliveries do or are called, told by a spokesman (`combat_standing_or_effect`).
    (ARMS, "Песков заявил, что поставки западного оружия Украине не изменят ход конфликта."),
    (ARMS, "Захарова назвала поставки оружия Киеву прямым участием Запада в конфликте."),
    # Withdrawals: others understanding a decision (`decision_commented`); an exit as the
    # topic of a question or characterised by another state (`exit_as_topic`).
    (WITHDRAW, "Москва понимает решение Армении о заморозке участия в ОДКБ."),
    (WITHDRAW, "Пашинян ответил на вопрос о возможном выходе из ОДКБ."),
    (WITHDRAW, "Песков назвал выход Армении из ОДКБ суверенным решением."),
    # Arms: a home maker written in Cyrillic (`own_forces_procurement`).
    (ARMS, "ВКС России получили первые истребители производства корпорации «Сухой», сообщило Минобороны."),
]  # fmt: skip


@pytest.mark.parametrize(("etype", "text"), FIRES)
def test_ru_precision_family_fires(etype: str, text: str) -> None:
    assert_fires(etype, text, "ru")


@pytest.mark.parametrize(("etype", "text"), SILENT)
def test_ru_precision_near_miss_is_silent(etype: str | None, text: str) -> None:
    assert_silent(etype, text, "ru")


# Undated articles (engine): a step dated by its month is told from later on; a dated
# article still reads "в феврале" against its own month.
def test_ru_undated_article_month_dated_step_is_background() -> None:
    text = "В феврале 2024 года Армения заморозила своё участие в ОДКБ."
    assert WITHDRAW not in types_of(text, lang="ru", published=None)
    assert WITHDRAW in types_of(text, lang="ru", published=dt.date(2024, 2, 26))
    assert WITHDRAW not in types_of(text, lang="ru", published=dt.date(2024, 6, 1))
    assert WITHDRAW in types_of(
        "Армения заморозила своё участие в ОДКБ.", lang="ru", published=None
    )
