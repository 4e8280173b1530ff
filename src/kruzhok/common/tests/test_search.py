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
