import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Direction(models.TextChoices):
    """Направленность: stable slugs of the regional Navigator; AIS PFDO ids in DIRECTION_AIS_ID."""

    TECHNICAL = "tekhnicheskoe", "Техническая"
    ARTS = "hudozhestvennoe", "Художественная"
    SCIENCE = "estestvennonauchnoe", "Естественнонаучная"
    SOCIAL = "socialno-pedagogicheskoe", "Социально-гуманитарная"
    TOURISM = "turistsko-kraevedcheskoe", "Туристско-краеведческая"
    SPORTS = "fizkulturno-sportivnoe", "Физкультурно-спортивная"


DIRECTION_AIS_ID = {
    Direction.TECHNICAL: 2,
    Direction.ARTS: 3,
    Direction.SCIENCE: 4,
    Direction.SOCIAL: 5,
    Direction.TOURISM: 6,
    Direction.SPORTS: 7,
}


class ProgramState(models.TextChoices):
    DRAFT = "initial", "Черновик"
    MODERATING = "moderating", "На модерации"
    PUBLISHED = "published", "Опубликована"
    RETURNED = "wait_for_editing", "Возвращена на доработку"
    ARCHIVED = "archive", "В архиве"


class ProgramType(models.TextChoices):
    GENERAL = "general", "Общеразвивающая"
    PREPROF = "preprof", "Предпрофессиональная"
    SPORT = "sport", "Спортивная подготовка"


class ProgramLevel(models.TextChoices):
    INITIAL = "initial", "Стартовый"
    BASIC = "basic", "Базовый"
    ADVANCED = "advanced", "Продвинутый"


class FinancingSource(models.TextChoices):
    CERTIFICATE = "pfdod_certificate", "По сертификату"
    BUDGET = "budget", "Бесплатно (муниципальное задание)"
    PAID = "paid", "Платно"


class StudyForm(models.TextChoices):
    FULL_TIME = "full_time", "Очная"
    PART_TIME = "part_time", "Очно-заочная"
    DISTANCE = "distance", "Заочная, с дистанционными технологиями"


class Program(models.Model):
    """A supplementary education program a provider offers."""

    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name="поставщик",
    )
    title = models.CharField("название", max_length=300)
    description = models.TextField("описание")
    direction = models.CharField("направленность", max_length=30, choices=Direction.choices)
    program_type = models.CharField(
        "вид программы", max_length=20, choices=ProgramType.choices, default=ProgramType.GENERAL
    )
    level = models.CharField(
        "уровень", max_length=20, choices=ProgramLevel.choices, default=ProgramLevel.INITIAL
    )
    age_min = models.PositiveSmallIntegerField("возраст от, лет")
    age_max = models.PositiveSmallIntegerField("возраст до, лет")
    study_form = models.CharField(
        "форма обучения", max_length=20, choices=StudyForm.choices, default=StudyForm.FULL_TIME
    )
    duration_months = models.PositiveSmallIntegerField("продолжительность, месяцев")
    hours_per_week = models.PositiveSmallIntegerField("академических часов в неделю")
    price_per_hour = models.BigIntegerField("стоимость академического часа, коп.")
    financing_source = models.CharField(
        "источник финансирования",
        max_length=20,
        choices=FinancingSource.choices,
        default=FinancingSource.CERTIFICATE,
    )
    accessible_ovz = models.BooleanField("доступна детям с ОВЗ", default=False)
    address = models.CharField("адрес проведения", max_length=500)
    state = models.CharField(
        "состояние", max_length=20, choices=ProgramState.choices, default=ProgramState.DRAFT
    )
    search_document = models.TextField("поисковый индекс", blank=True, editable=False)
    # Stems of the title alone: a program whose title matches the query ranks first.
    title_document = models.TextField("поисковый индекс названия", blank=True, editable=False)
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)

    class Meta:
        verbose_name = "программа"
        verbose_name_plural = "программы"
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__gte=5, age_max__lte=18, age_min__lte=F("age_max")),
                name="program_age_range",
            ),
            models.CheckConstraint(condition=Q(price_per_hour__gte=0), name="program_price_gte_0"),
            models.CheckConstraint(
                condition=Q(duration_months__gte=1, hours_per_week__gte=1),
                name="program_duration_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "direction"]),
            # The catalogue's default order (by title) read in order from an index, stopping
            # after one page, instead of sorting every published program.
            models.Index(
                fields=["title", "id"],
                condition=Q(state="published"),
                name="program_published_title_idx",
            ),
            models.Index(
                fields=["price_per_hour", "title", "id"],
                condition=Q(state="published"),
                name="program_published_price_idx",
            ),
            # A направленность's programs in the catalogue's order: a filter by it walks its
            # own programs instead of every program's title until a page is found (make
            # bench-api: 37 ms for a направленность and an age matching nothing, 20,000 read).
            models.Index(
                fields=["direction", "title", "id"],
                condition=Q(state="published"),
                name="program_published_dir_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        """Free for the family: funded by the municipal task, or priced at nothing."""
        return self.financing_source == FinancingSource.BUDGET or self.price_per_hour == 0


class ProgramModerationEvent(models.Model):
    """One transition of a program's state: who made it, from which state to which, with the
    operator's remarks when the program is returned for changes."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="moderation_events",
        verbose_name="программа",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_state = models.CharField("было", max_length=20, choices=ProgramState.choices)
    to_state = models.CharField("стало", max_length=20, choices=ProgramState.choices)
    remarks = models.TextField("замечания", blank=True)
    at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "переход состояния программы"
        verbose_name_plural = "история проверки программ"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.program}: {self.get_from_state_display()} → {self.get_to_state_display()}"


class Group(models.Model):
    """A study group of a program: a teacher, a number of seats and a weekly schedule."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="groups", verbose_name="программа"
    )
    name = models.CharField("название", max_length=200)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="педагог",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taught_groups",
    )
    capacity = models.PositiveIntegerField("мест")
    seats_taken = models.PositiveIntegerField("занято мест", default=0)
    start_date = models.DateField("начало занятий")
    end_date = models.DateField("окончание занятий")
    enrollment_open = models.BooleanField("запись открыта", default=True)
    auto_accept = models.BooleanField("принимать заявки автоматически", default=False)
    # When the group or its schedule last changed: what API clients and the federal feed
    # sync by (seat counts are live figures and do not move it).
    updated_at = models.DateTimeField("изменена", auto_now=True)

    class Meta:
        verbose_name = "группа"
        verbose_name_plural = "группы"
        ordering = ["program", "name"]
        constraints = [
            # The backstop against overbooking: no code path can take more seats than exist.
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="group_seats_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="group_dates_ordered"
            ),
            # The backstop of the forms' range (common.bounds: from 2000 to the planning
            # horizon, at most 366 days): a year like 2999 or 9999 never reaches the lessons.
            # The span itself is checked by catalog.groups, as date arithmetic in a CHECK would
            # need a function SQLite has only inside Django's connections.
            models.CheckConstraint(
                condition=Q(start_date__gte=datetime.date(2000, 1, 1))
                & Q(end_date__lte=datetime.date(2100, 12, 31)),
                name="group_dates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.title} — {self.name}"

    @property
    def free_seats(self) -> int:
        return self.capacity - self.seats_taken


class Weekday(models.IntegerChoices):
    MONDAY = 0, "понедельник"
    TUESDAY = 1, "вторник"
    WEDNESDAY = 2, "среда"
    THURSDAY = 3, "четверг"
    FRIDAY = 4, "пятница"
    SATURDAY = 5, "суббота"
    SUNDAY = 6, "воскресенье"


class ScheduleSlot(models.Model):
    """A weekly class: weekday, start time and length in academic hours."""

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="schedule", verbose_name="группа"
    )
    weekday = models.PositiveSmallIntegerField("день недели", choices=Weekday.choices)
    start_time = models.TimeField("начало")
    hours = models.PositiveSmallIntegerField("академических часов", default=1)

    class Meta:
        verbose_name = "занятие в расписании"
        verbose_name_plural = "расписание"
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="slot_weekday_range"),
            models.CheckConstraint(condition=Q(hours__gte=1, hours__lte=8), name="slot_hours"),
            models.UniqueConstraint(
                fields=["group", "weekday", "start_time"], name="slot_unique_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()}, {self.start_time:%H:%M}, {self.hours} ак. ч."


# A weekly class as the services and forms pass it: (weekday 0..6, start time, academic hours).
ScheduleEntry = tuple[int, datetime.time, int]


class LessonStatus(models.TextChoices):
    PLANNED = "planned", "Запланировано"
    CANCELLED = "cancelled", "Отменено"


class Lesson(models.Model):
    """One class of a group on a date; generated from the schedule, skipping public holidays."""

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="lessons", verbose_name="группа"
    )
    date = models.DateField("дата")
    start_time = models.TimeField("начало")
    hours = models.PositiveSmallIntegerField("академических часов")
    status = models.CharField(
        "состояние", max_length=20, choices=LessonStatus.choices, default=LessonStatus.PLANNED
    )
    # When the lesson was created, cancelled or moved: what API clients sync by.
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "занятие"
        verbose_name_plural = "занятия"
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "date", "start_time"], name="lesson_unique_time"
            ),
            models.CheckConstraint(condition=Q(hours__gte=1), name="lesson_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.group} — {self.date:%d.%m.%Y} {self.start_time:%H:%M}"

    @property
    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.date, self.start_time)


class LessonChangeKind(models.TextChoices):
    CANCELLED = "cancelled", "Отменено"
    MOVED = "moved", "Перенесено"


class LessonChange(models.Model):
    """A lesson cancelled or moved by the provider: who, when, why, and where it was before.

    A moved lesson keeps its row (and its marks' history) and gets the new date and time; the
    slot it left is remembered here so that generating lessons from the schedule again does not
    put a lesson back there.
    """

    lesson = models.ForeignKey(
        "catalog.Lesson", on_delete=models.PROTECT, related_name="changes", verbose_name="занятие"
    )
    kind = models.CharField("что изменено", max_length=20, choices=LessonChangeKind.choices)
    from_date = models.DateField("была дата")
    from_time = models.TimeField("было время")
    to_date = models.DateField("новая дата", null=True, blank=True)
    to_time = models.TimeField("новое время", null=True, blank=True)
    reason = models.TextField("причина", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="кто", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        # The table keeps the name it was created with in attendance (see migration 0004).
        db_table = "attendance_lessonchange"
        verbose_name = "изменение занятия"
        verbose_name_plural = "изменения занятий"
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="cancelled", to_date__isnull=True, to_time__isnull=True)
                    | models.Q(kind="moved", to_date__isnull=False, to_time__isnull=False)
                ),
                name="lesson_change_target_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["kind", "from_date"])]

    def __str__(self) -> str:
        return f"{self.lesson}: {self.get_kind_display().lower()}"
