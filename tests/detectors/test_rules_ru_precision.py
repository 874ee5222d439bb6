"""Russian precision families from real news (issue 10, round of 2026-12-01, blind3): each
veto silencing a family of false alarms, with a near miss that must still fire. Sentences
are invented for these tests."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import (
    ARMS,
    assert_fires,
    assert_silent,
)

FIRES: list[tuple[str, str]] = [
    # Arms: a foreign supplier named keeps a delivery to a state's own forces a transfer.
    (ARMS, "Вооружённые силы Армении получили от Франции партию бронемашин."),
    (ARMS, "Армия Сербии получила из России партию танков, которые были на базе хранения."),
    (ARMS, "Турция поставила Украине партию беспилотников, сообщила компания Baykar."),
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
]  # fmt: skip


@pytest.mark.parametrize(("etype", "text"), FIRES)
def test_ru_precision_family_fires(etype: str, text: str) -> None:
    assert_fires(etype, text, "ru")


@pytest.mark.parametrize(("etype", "text"), SILENT)
def test_ru_precision_near_miss_is_silent(etype: str | None, text: str) -> None:
    assert_silent(etype, text, "ru")
