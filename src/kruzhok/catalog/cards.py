"""Program cards of the catalogue, rendered once per program version and reused.

A card's text (title, provider, direction, ages, price, how it is paid) changes only when its
program does — every change goes through catalog.programs, which moves `updated_at`, also when
the provider is renamed — so its HTML is cached under the program's id and `updated_at`. The
seat badge is the live part: it is filled into the cached HTML from the page's figures
(selectors.program_figures, kept at most FIGURES_TTL_S seconds with the search's page).
"""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from kruzhok.catalog import selectors
from kruzhok.catalog.templatetags.catalog_tags import ru_plural

CARD_TTL_S = 24 * 3600
SEATS_SLOT = "<!--seats-->"


def _key(row: selectors.ProgramFiguresRow) -> str:
    return f"catalog:card:{row.pk}:{row.updated_at.timestamp()}"


def seats_badge(*, free_seats: int, group_count: int) -> SafeString:
    """«Свободно 3 места», «Мест нет» or «Набор не объявлен»."""
    if free_seats > 0:
        word = ru_plural(free_seats, "место,места,мест")
        # Only an integer and a fixed word go in: nothing to escape (format_html's escaping
        # is a good part of a catalogue page's twenty badges).
        return mark_safe(
            f'<span class="badge text-bg-success">Свободно {int(free_seats)} {word}</span>'
        )
    if group_count:
        return mark_safe('<span class="badge text-bg-secondary">Мест нет</span>')
    return mark_safe('<span class="badge text-bg-secondary">Набор не объявлен</span>')


def cards_shown(
    *, program_ids: list[int], figures: dict[int, selectors.ProgramFiguresRow]
) -> list[tuple[int, str, int, int]]:
    """Everything the cards of these programs show that can change, in their order: each
    program's version and seat figures (a catalogue page's ETag is made of it)."""
    return [
        (row.pk, row.updated_at.isoformat(), row.free_seats, row.group_count)
        for row in (figures[pk] for pk in program_ids if pk in figures)
    ]


def program_cards(
    *, program_ids: list[int], figures: dict[int, selectors.ProgramFiguresRow]
) -> list[SafeString]:
    """The cards of the given programs, in their order, with live seat badges from `figures`
    (selectors.program_figures of these programs, read for this request): one cache round
    trip, and the programs of missing cards read and rendered (then cached)."""
    rows = [figures[pk] for pk in program_ids if pk in figures]
    keys = {row.pk: _key(row) for row in rows}
    cached: dict[str, str] = cache.get_many(list(keys.values()))
    missing = [row.pk for row in rows if keys[row.pk] not in cached]
    if missing:
        rendered = {}
        for program in selectors.program_list_for_cards(program_ids=missing):
            row = figures[program.pk]
            # The version the card is stored under is the one just read with the seats.
            program.updated_at = row.updated_at
            rendered[keys[program.pk]] = render_to_string(
                "catalog/_card.html", {"program": program, "seats_badge": SEATS_SLOT}
            )
        cache.set_many(rendered, CARD_TTL_S)
        cached |= rendered
    cards = []
    for row in rows:
        html = cached.get(keys[row.pk])
        if html is None:  # the program changed between the two reads: next time
            continue
        badge = seats_badge(free_seats=row.free_seats, group_count=row.group_count)
        cards.append(mark_safe(html.replace(SEATS_SLOT, badge, 1)))
    return cards
