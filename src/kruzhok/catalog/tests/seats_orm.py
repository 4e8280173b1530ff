"""The ORM's statements for what `catalog.seats` writes by hand: test_seats.py holds the two
equal, and bench/rawsql_cost.py times one against the other."""

from django.db.models import F

from kruzhok.catalog.models import Group


def group_seat_take(*, group_id: int) -> bool:
    taken = Group.objects.filter(pk=group_id, seats_taken__lt=F("capacity")).update(
        seats_taken=F("seats_taken") + 1
    )
    return taken == 1


def group_seats_lock(*, group_id: int) -> int:
    return (
        Group.objects.select_for_update()
        .filter(pk=group_id)
        .values_list(F("capacity") - F("seats_taken"), flat=True)
        .get()
    )
