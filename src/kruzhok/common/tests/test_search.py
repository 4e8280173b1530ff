"""Russian search: query stems must start words of the document's stems."""

from kruzhok.common.search import search_document, search_terms


def matches(query: str, *texts: str) -> bool:
    document = search_document(*texts)
    return all(f" {term}" in document for term in search_terms(query))


def test_robot_is_a_prefix_of_a_stem_of_robotics():
    [stem] = search_terms("робот")
    assert any(word.startswith(stem) for word in search_document("Робототехника").split())
    assert matches("робот", "Робототехника для начинающих")


def test_forms_of_one_word_share_a_stem():
    assert search_terms("рисование") == search_terms("рисованию")
    assert matches("рисование", "Обучение рисованию акварелью")
    assert matches("Рисованию", "Рисование")


def test_unrelated_words_do_not_match():
    assert not matches("шахматы", "Робототехника")
    assert not matches("робот рисование", "Робототехника")  # every term must match


def test_yo_is_folded_and_short_words_are_dropped():
    assert search_terms("ёлка") == search_terms("елка")
    assert search_terms("я и робот") == search_terms("робот")
    assert search_terms("") == []


def test_document_is_space_framed_without_repeats():
    document = search_document("Кружок", "кружок КРУЖОК")
    assert document.startswith(" ") and document.endswith(" ")
    assert document.split() == ["кружок"]


def test_drawing_finds_academic_drawing():
    """«рисование» and «рисунок» are one activity though Snowball gives them two stems."""
    assert matches("рисование", "Академический рисунок")
    assert matches("рисунок", "Обучение рисованию акварелью")
    assert matches("рисовать", "Академический рисунок")


def test_a_root_token_matches_only_whole():
    assert not matches("рисование", "Риск и страховка в туризме")
    assert not matches("рисование", "Рис и другие крупы")


def test_a_query_without_letters_or_digits_has_no_terms():
    assert search_terms("😀🎨") == []
