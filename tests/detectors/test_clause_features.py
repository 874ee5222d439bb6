"""Language-wide clause features and free word order (rules/<lang>/_language.yaml
`unless`, rule keys `any_order`, `gap`, `subject_right`), each firing and not firing,
in invented sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.rules import RuleError, load_rules
from tests.detectors.conftest import B, D, R, W, one, types_of

RU = {"lang": "ru"}


@pytest.mark.parametrize(
    ("vetoed", "kept", "etype", "kw"),
    [
        # denied_report: the step is the content of reports someone dismisses.
        (
            "The ministry dismissed reports that Aliyev would skip the CIS summit as fake.",
            "Aliyev will skip the CIS summit, the ministry said.",
            B,
            {},
        ),
        (
            "МИД опроверг сообщения о том, что Алиев не поедет на саммит СНГ.",
            "Алиев не поедет на саммит СНГ, сообщил МИД.",
            B,
            RU,
        ),
        # accusation: the step is what another state accuses the actor of.
        (
            "Lukashenko accused Armenia of trying to leave the CSTO.",
            "Armenia is trying to leave the CSTO, Pashinyan said.",
            W,
            {},
        ),
        # quoted_non_state_speaker: a quotation owned by an analyst or an opposition MP.
        (
            '"Armenia will quit the CSTO," a political analyst in Yerevan said.',
            '"Armenia will quit the CSTO," Pashinyan said on Monday.',
            W,
            {},
        ),
        (
            "«Армения выйдет из ОДКБ уже в этом году», — считает политолог Иван Петров.",
            "«Армения выйдет из ОДКБ», — заявил Пашинян в среду.",
            W,
            RU,
        ),
        # not_only: "не только примет участие" is emphasis, not a refusal.
        (
            "Пашинян не только примет участие в саммите, но и выступит с речью.",
            "Пашинян не примет участия в саммите ОДКБ.",
            B,
            RU,
        ),
    ],
)
def test_clause_veto(vetoed: str, kept: str, etype, kw: dict) -> None:
    assert etype not in types_of(vetoed, **kw)
    assert etype in types_of(kept, **kw)


@pytest.mark.parametrize(
    ("text", "actors"),
    [
        # any_order + subject_right: the verb first, the subject after it.
        ("На саммит в Минске не приедет премьер-министр Армении.", ("Armenia",)),
        ("В саммите ОДКБ Пашинян участия не примет.", ("Armenia", "Nikol Pashinyan")),
        # held_without: the meeting goes ahead without someone.
        ("Саммит ОДКБ в Минске пройдет без Пашиняна.", ("Armenia", "Nikol Pashinyan")),
        # all_but_one_attend, either order.
        (
            "Все лидеры, кроме Пашиняна, подтвердили участие в саммите ОДКБ.",
            ("Armenia", "Nikol Pashinyan"),
        ),
        (
            "В заседании примут участие лидеры всех стран СНГ, за исключением президента Молдавии.",
            ("Moldova",),
        ),
        # will_be_absent, refusal_noun, abstain_from_attending.
        ("На саммите ОДКБ не будет президента Армении.", ("Armenia",)),
        (
            "Отказ Алиева участвовать в саммите СНГ не удивил Кремль.",
            ("Azerbaijan", "Ilham Aliyev"),
        ),
        ("Армения воздерживается от участия в заседаниях ОДКБ.", ("Armenia",)),
        ("Молдова не будет представлена на заседании Совета глав государств СНГ.", ("Moldova",)),
    ],
)
def test_russian_boycott_phrasings(text: str, actors: tuple[str, ...]) -> None:
    assert one(text, B, lang="ru").actors == actors


@pytest.mark.parametrize(
    "text",
    [
        "В саммите примут участие все лидеры стран ОДКБ.",
        "На саммит в Минске приедет Пашинян, сообщили в его офисе.",
        "Саммит ОДКБ пройдет без пресс-конференции.",
        "Все лидеры приедут на саммит ОДКБ, кроме того, ожидается визит генсека.",
    ],
)
def test_russian_attendance_is_not_a_boycott(text: str) -> None:
    assert B not in types_of(text, lang="ru")


def test_any_order_is_validated(tmp_path: Path) -> None:
    lang_dir = tmp_path / "xx"
    lang_dir.mkdir()
    (lang_dir / "_language.yaml").write_text("lang: xx\nclause_breaks: '[;:]'\n", encoding="utf-8")
    (lang_dir / "summit_boycott.yaml").write_text(
        "type: summit_boycott\nprefilter: [skip]\nrules:\n  - id: r\n    any_order: [skip]\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="any_order"):
        load_rules(tmp_path)


@pytest.mark.parametrize(
    ("fires", "silent", "actors", "lang"),
    [
        # missing_from_signatories: the list of signers lacks someone (lists stay whole).
        (
            "Среди подписантов итоговой декларации саммита нет Индии, Мексики и ЮАР.",
            "Среди подписантов декларации есть Грузия и Сербия.",
            ("India", "Mexico", "South Africa"),
            "ru",
        ),
        (
            "Missing from the signatories of the final communique were India, Mexico and South Africa.",
            "Georgia and Serbia were among the signatories of the communique.",
            ("India", "Mexico", "South Africa"),
            "en",
        ),
        (
            "India was not among the signatories of the summit communique.",
            "India was among the signatories of the summit communique.",
            ("India",),
            "en",
        ),
        # not_recognise: refusing to recognise the outcome document.
        (
            "Washington said it would not recognise the G20 leaders' declaration.",
            "Washington said it would recognise the G20 leaders' declaration.",
            ("United States",),
            "en",
        ),
        (
            "Вашингтон не будет признавать итоговую декларацию саммита G20.",
            "Вашингтон заявил, что признает итоговую декларацию саммита.",
            ("United States",),
            "ru",
        ),
    ],
)
def test_declaration_refusal_phrasings(
    fires: str, silent: str, actors: tuple[str, ...], lang: str
) -> None:
    assert one(fires, D, lang=lang).actors == actors
    assert D not in types_of(silent, lang=lang)


def test_absent_list_keeps_every_member() -> None:
    d = one("Отсутствовать будут президенты Молдавии и Узбекистана на саммите.", B, lang="ru")
    assert d.actors == ("Moldova", "Uzbekistan")


@pytest.mark.parametrize(
    ("text", "actors", "target"),
    [
        # The envoy's state told by a demonym fills the target.
        (
            "Черногория объявила российского дипломата персоной нон грата.",
            ("Montenegro",),
            "Russia",
        ),
        (
            "Москва объявила «persona non grata» ряд американских дипсотрудников.",
            ("Russia",),
            "United States",
        ),
        ("Грузия прервала дипотношения с Россией.", ("Georgia",), "Russia"),
        (
            "МИД Украины объявил советника посольства России нежелательным лицом.",
            ("Ukraine",),
            "Russia",
        ),
    ],
)
def test_russian_rupture_phrasings(text: str, actors: tuple[str, ...], target: str) -> None:
    d = one(text, R, lang="ru")
    assert d.actors == actors and d.target == target


@pytest.mark.parametrize(
    "text",
    [
        "МИД объявил журналиста нежелательным лицом.",
        "Москва вызвала посла Молдавии в МИД и вручила ему ноту протеста.",
        "Армения и Турция восстановили дипотношения.",
    ],
)
def test_russian_non_ruptures(text: str) -> None:
    assert R not in types_of(text, lang="ru")


@pytest.mark.parametrize(
    ("text", "lang", "target"),
    [
        # written_phrase: a treaty no table knows is the target as written, not dropped.
        (
            "Georgia exited the agreement on visa-free travel.",
            "en",
            "agreement on visa-free travel",
        ),
        ("Армения вышла из соглашения о ПВО.", "ru", "соглашения о ПВО"),
        (
            "Россия вышла из Договора о ракетах средней и меньшей дальности.",
            "ru",
            "Договора о ракетах средней и меньшей дальности",
        ),
    ],
)
def test_unknown_treaty_is_reported_as_written(text: str, lang: str, target: str) -> None:
    d = one(text, W, lang=lang)
    assert d.target == target and d.details["target_from"] == "as written"


def test_generic_noun_without_complement_names_no_target() -> None:
    # "the agreement zone" has no complement: no target, so no withdrawal.
    assert W not in types_of("Russia withdrew its troops from the agreement zone.")
    assert W not in types_of("Armenia left the union of Armenian writers.")
