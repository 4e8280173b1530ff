"""The operator's changes to a financing program's rules, versioned.

Every change is a `FinancingProgramChange` row — who, when, what, old → new, from which day —
written in the transaction that makes it, beside an audit event. What a change guarantees:

* money already credited is never touched: a new nominal applies to certificates funded from
  the day it takes effect (a funded certificate keeps its nominal and its credit transfer);
* the budget cap moves money only through the ledger: a raise funds the difference from the
  treasury, a cut gives back only what the budget still holds (never below what certificates
  were credited), so the ledger's totals stay the sum of its transfers;
* the quota never falls below the certificates already funded;
* the per-child rules (nominals, programs per child, billing regime, advances, where a
  certificate may be used) may take effect
  from a later day within a running period: such a change waits (`applied_at` empty) and
  `financing_changes_apply` brings it in on that day — at the funding of a certificate of that
  program and from `kruzhok financing_changes_apply` (cron) — in the order of their days; a
  program whose period has not started funds nobody yet, so a change to it applies at once;
* totals of the whole period (title, period, quota, budget) take effect at once.
"""

import datetime
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.certificates import financing_reads, ledger
from kruzhok.certificates.models import (
    BillingRegime,
    CertificateReach,
    FinancingField,
    FinancingProgram,
    FinancingProgramChange,
    NominalBand,
)
from kruzhok.common.field_errors import Errors, error_add
from kruzhok.common.models import Municipality
from kruzhok.common.money import format_kopecks
from kruzhok.common.services import audit_record

# Ranges a person may type (rubles for money; ages in full years as in the catalogue).
AGE_MIN, AGE_MAX = 5, 18
NOMINAL_MAX = 10_000_000_00  # 10 million rubles per certificate is far past any real nominal
BUDGET_MAX = 100_000_000_000_00  # 100 billion rubles: no municipality's budget comes close
QUOTA_MAX = 10_000_000
PROGRAMS_PER_CHILD_MAX = 20
PERIOD_DAYS_MAX = 2 * 366

# Fields whose change may wait for a later day; the others are totals of the whole period.
DATED_FIELDS = frozenset(
    {
        FinancingField.NOMINALS,
        FinancingField.PROGRAMS_PER_CHILD,
        FinancingField.BILLING_REGIME,
        FinancingField.ADVANCE,
        # Decides new applications and contracts only: the contracts made stay as they are.
        FinancingField.REACH,
    }
)

Band = tuple[int, int, int]  # age_min, age_max, nominal in kopecks


@dataclass(frozen=True)
class FinancingRules:
    """A financing program's rules as the editor shows and takes them (money in kopecks)."""

    title: str
    period_start: datetime.date
    period_end: datetime.date
    bands: tuple[Band, ...]
    max_funded_certificates: int
    budget_cap: int
    max_programs_per_child: int
    billing_regime: str
    advance_percent: int
    certificate_reach: str = CertificateReach.REGION


def financing_rules(*, financing_program: FinancingProgram) -> FinancingRules:
    """The rules in force now (changes waiting for a later day are not in them)."""
    bands = NominalBand.objects.filter(financing_program=financing_program).order_by("age_min")
    return FinancingRules(
        title=financing_program.title,
        period_start=financing_program.period_start,
        period_end=financing_program.period_end,
        bands=tuple(bands.values_list("age_min", "age_max", "nominal")),
        max_funded_certificates=financing_program.max_funded_certificates,
        budget_cap=financing_program.budget_cap,
        max_programs_per_child=financing_program.max_programs_per_child,
        billing_regime=financing_program.billing_regime,
        advance_percent=financing_program.advance_percent,
        certificate_reach=financing_program.certificate_reach,
    )


def bands_display(bands: tuple[Band, ...] | list[list[int]]) -> str:
    return "; ".join(f"{lo}–{hi} лет: {format_kopecks(nominal)}" for lo, hi, nominal in bands)


def _display(field: str, rules: FinancingRules) -> str:
    if field == FinancingField.TITLE:
        return rules.title
    if field == FinancingField.PERIOD:
        return f"{rules.period_start:%d.%m.%Y}–{rules.period_end:%d.%m.%Y}"
    if field == FinancingField.NOMINALS:
        return bands_display(rules.bands)
    if field == FinancingField.QUOTA:
        return str(rules.max_funded_certificates)
    if field == FinancingField.BUDGET:
        return format_kopecks(rules.budget_cap)
    if field == FinancingField.PROGRAMS_PER_CHILD:
        return str(rules.max_programs_per_child)
    if field == FinancingField.BILLING_REGIME:
        return str(BillingRegime(rules.billing_regime).label)
    if field == FinancingField.REACH:
        return str(CertificateReach(rules.certificate_reach).label)
    return f"{rules.advance_percent} %"


def _data(field: str, rules: FinancingRules) -> object:
    if field == FinancingField.PERIOD:
        return [rules.period_start.isoformat(), rules.period_end.isoformat()]
    if field == FinancingField.NOMINALS:
        return [list(band) for band in rules.bands]
    return getattr(rules, str(field))


def _changed_fields(old: FinancingRules, new: FinancingRules) -> list[FinancingField]:
    changed: list[FinancingField] = []
    for field in FinancingField:
        if field == FinancingField.PERIOD:
            if (old.period_start, old.period_end) != (new.period_start, new.period_end):
                changed.append(field)
        elif _data(field, old) != _data(field, new):
            changed.append(field)
    return changed


def _bands_check(bands: tuple[Band, ...], errors: Errors) -> None:
    if not bands:
        error_add(errors, "bands", "Укажите хотя бы одну возрастную группу с номиналом.")
        return
    previous_max = None
    for lo, hi, nominal in sorted(bands):
        if not (AGE_MIN <= lo <= hi <= AGE_MAX):
            error_add(
                errors,
                "bands",
                f"Возрастная группа {lo}–{hi} лет: возраст от {AGE_MIN} до {AGE_MAX} лет, "
                "«от» не больше «до».",
            )
        if not 0 < nominal <= NOMINAL_MAX:
            error_add(
                errors,
                "bands",
                f"Номинал для {lo}–{hi} лет: больше нуля и не больше "
                f"{format_kopecks(NOMINAL_MAX)}.",
            )
        if previous_max is not None and lo <= previous_max:
            error_add(
                errors,
                "bands",
                f"Возрастные группы пересекаются ({lo} лет попадает в две): у каждого возраста "
                "должен быть один номинал.",
            )
        previous_max = hi


def _check(
    program: FinancingProgram,
    old: FinancingRules,
    new: FinancingRules,
    changed: list[FinancingField],
    effective_from: datetime.date,
    today: datetime.date,
) -> None:
    errors: Errors = {}
    if program.closed_at is not None:
        raise ValidationError("Период закрыт: правила закрытого периода не меняются.")
    if not new.title.strip():
        error_add(errors, "title", "Укажите название программы.")
    if FinancingField.PERIOD in changed:
        if new.period_end <= new.period_start:
            error_add(errors, "period_end", "Окончание периода должно быть позже начала.")
        elif (new.period_end - new.period_start).days > PERIOD_DAYS_MAX:
            error_add(errors, "period_end", "Период не может быть длиннее двух лет.")
        if program.funded_count > 0 or program.period_start <= today:
            error_add(
                errors,
                "period_start",
                "Период уже начался или по нему профинансированы сертификаты: его даты не "
                "меняются. Для нового периода создайте новую программу.",
            )
        elif financing_reads.financing_period_overlaps(
            municipality_id=program.municipality_id,
            start=new.period_start,
            end=new.period_end,
            exclude_pk=program.pk,
        ):
            error_add(
                errors,
                "period_start",
                "Период пересекается с другой программой муниципалитета.",
            )
    _bands_check(new.bands, errors)
    if not program.funded_count <= new.max_funded_certificates <= QUOTA_MAX:
        error_add(
            errors,
            "max_funded_certificates",
            f"Лимит сертификатов ПФ — от числа уже профинансированных ({program.funded_count}) "
            f"до {QUOTA_MAX}.",
        )
    if not 0 <= new.budget_cap <= BUDGET_MAX:
        error_add(errors, "budget_cap", f"Объём средств — от 0 до {format_kopecks(BUDGET_MAX)}.")
    elif new.budget_cap < old.budget_cap:
        left = financing_reads.financing_budget_available(financing_program=program)
        floor = old.budget_cap - left
        if new.budget_cap < floor:
            error_add(
                errors,
                "budget_cap",
                "Объём средств нельзя сделать меньше уже зачисленного на сертификаты: "
                f"не меньше {format_kopecks(floor)}.",
            )
    if not 1 <= new.max_programs_per_child <= PROGRAMS_PER_CHILD_MAX:
        error_add(
            errors,
            "max_programs_per_child",
            f"Программ на ребёнка — от 1 до {PROGRAMS_PER_CHILD_MAX}.",
        )
    if new.billing_regime not in BillingRegime.values:
        error_add(errors, "billing_regime", "Выберите порядок оплаты из списка.")
    if not 0 <= new.advance_percent <= 100:
        error_add(errors, "advance_percent", "Аванс — от 0 до 100 %.")
    if new.certificate_reach not in CertificateReach.values:
        error_add(
            errors,
            "certificate_reach",
            "Выберите из списка, где можно использовать сертификат: у любого поставщика "
            "региона или только у поставщиков своего муниципалитета.",
        )
    if effective_from < today:
        error_add(
            errors,
            "effective_from",
            f"Изменение не может действовать задним числом: укажите {today:%d.%m.%Y} или "
            "более позднюю дату.",
        )
    elif effective_from > program.period_end:
        error_add(
            errors,
            "effective_from",
            f"Дата позже окончания периода ({program.period_end:%d.%m.%Y}): для следующего "
            "периода измените его программу.",
        )
    if not changed and not errors:
        error_add(errors, "__all__", "Ничего не изменено.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic(durable=True)
def financing_program_change(
    *,
    financing_program: FinancingProgram,
    rules: FinancingRules,
    effective_from: datetime.date,
    actor: User | None,
    today: datetime.date | None = None,
) -> list[FinancingProgramChange]:
    """Record and apply (or schedule) the differences between the program's rules and `rules`.

    Raises `ValidationError` keyed by field, in Russian, and saves nothing, when a value is
    out of range or a rule above would break. Totals of the period take effect at once; the
    per-child rules from `effective_from` (today or later)."""
    today = today or timezone.localdate()
    program = FinancingProgram.objects.select_for_update(no_key=True).get(pk=financing_program.pk)
    old = financing_rules(financing_program=program)
    changed = _changed_fields(old, rules)
    _check(program, old, rules, changed, effective_from, today)
    now = timezone.now()
    changes = FinancingProgramChange.objects.bulk_create(
        FinancingProgramChange(
            financing_program=program,
            field=field,
            old_value=_display(field, old),
            new_value=_display(field, rules),
            new_data=_data(field, rules),
            effective_from=effective_from if field in DATED_FIELDS else today,
            changed_by=actor,
            changed_at=now,
        )
        for field in changed
    )
    for change in changes:
        audit_record(
            actor=actor,
            action="financing_program_change",
            obj=program,
            field=change.field,
            old=change.old_value,
            new=change.new_value,
            effective_from=change.effective_from,
        )
        # Nothing is funded by a program before its period starts: a change effective by then
        # is in force for every certificate it will fund, so it is applied now.
        if change.effective_from <= max(today, program.period_start):
            _apply(program, change, old, now)
            change.applied_at = now
    return changes


def _apply(
    program: FinancingProgram,
    change: FinancingProgramChange,
    old: FinancingRules,
    now: datetime.datetime,
) -> None:
    """Bring one change in, once: the UPDATE of `applied_at` is the claim."""
    if not FinancingProgramChange.objects.filter(pk=change.pk, applied_at=None).update(
        applied_at=now
    ):
        return
    field, data = change.field, change.new_data
    programs = FinancingProgram.objects.filter(pk=program.pk)
    if field == FinancingField.NOMINALS:
        NominalBand.objects.filter(financing_program=program).delete()
        NominalBand.objects.bulk_create(
            NominalBand(financing_program=program, age_min=lo, age_max=hi, nominal=nominal)
            for lo, hi, nominal in data
        )
    elif field == FinancingField.PERIOD:
        programs.update(
            period_start=datetime.date.fromisoformat(data[0]),
            period_end=datetime.date.fromisoformat(data[1]),
        )
    elif field == FinancingField.QUOTA:
        # Funding may have taken places since the check: never below what is funded.
        programs.update(max_funded_certificates=Greatest(Value(int(data)), F("funded_count")))
    elif field == FinancingField.BUDGET:
        difference = int(data) - old.budget_cap
        key = f"financing-change:{change.pk}"
        if difference > 0:
            ledger.transfer_fund(financing_program=program, amount=difference, key=key)
        elif difference < 0:
            # Refused by the ledger (InsufficientFunds) past what the budget holds.
            ledger.transfer_defund(financing_program=program, amount=-difference, key=key)
        programs.update(budget_cap=int(data))
    else:
        programs.update(**{str(field): data})


def financing_program_make(
    *, municipality: Municipality, rules: FinancingRules
) -> FinancingProgram:
    """A financing program with its nominal bands, its budget funded to the cap through the
    ledger (inside the caller's durable transaction)."""
    program = FinancingProgram.objects.create(
        municipality=municipality,
        title=rules.title,
        period_start=rules.period_start,
        period_end=rules.period_end,
        max_funded_certificates=rules.max_funded_certificates,
        budget_cap=rules.budget_cap,
        max_programs_per_child=rules.max_programs_per_child,
        billing_regime=rules.billing_regime,
        advance_percent=rules.advance_percent,
        certificate_reach=rules.certificate_reach,
    )
    NominalBand.objects.bulk_create(
        NominalBand(financing_program=program, age_min=lo, age_max=hi, nominal=nominal)
        for lo, hi, nominal in rules.bands
    )
    if rules.budget_cap > 0:
        ledger.transfer_fund(
            financing_program=program, amount=rules.budget_cap, key=f"fund:{program.pk}"
        )
    return program


def next_period(program: FinancingProgram) -> tuple[datetime.date, datetime.date]:
    """The period right after the program's, as long (a school year follows a school year)."""
    start = program.period_end + datetime.timedelta(days=1)
    try:
        end = program.period_end.replace(year=program.period_end.year + 1)
    except ValueError:  # 29 February
        end = program.period_end.replace(year=program.period_end.year + 1, day=28)
    return start, end


@transaction.atomic(durable=True)
def financing_program_next_create(
    *, financing_program: FinancingProgram, actor: User | None
) -> FinancingProgram:
    """The next period's program with this one's rules, to be changed before it starts (its
    changes then apply at once: nobody is funded by it yet). Refused, in Russian, when the
    municipality already has a program sharing a day with that period."""
    start, end = next_period(financing_program)
    if financing_reads.financing_period_overlaps(
        municipality_id=financing_program.municipality_id, start=start, end=end
    ):
        raise ValidationError(
            f"Программа на период {start:%d.%m.%Y}–{end:%d.%m.%Y} уже есть (или пересекается "
            "с ним): откройте её."
        )
    rules = financing_rules(financing_program=financing_program)
    program = financing_program_make(
        municipality=financing_program.municipality,
        rules=replace(
            rules,
            title=f"ПФДО {start.year}/{end.year}",
            period_start=start,
            period_end=end,
        ),
    )
    audit_record(
        actor=actor,
        action="financing_program_create",
        obj=program,
        copied_from=financing_program.pk,
        period=f"{start:%d.%m.%Y}–{end:%d.%m.%Y}",
    )
    return program


def financing_changes_apply(
    *, day: datetime.date, financing_program: FinancingProgram | None = None
) -> int:
    """Bring in the changes due by `day` (of one program, or of all), oldest day first; how
    many were applied. Runs in the caller's transaction (a certificate's funding) or its own."""
    pending = FinancingProgramChange.objects.filter(applied_at=None, effective_from__lte=day)
    if financing_program is not None:
        pending = pending.filter(financing_program=financing_program)
    due = list(pending.select_related("financing_program").order_by("effective_from", "pk"))
    if not due:
        return 0
    now = timezone.now()
    with transaction.atomic():
        for change in due:
            program = change.financing_program
            _apply(program, change, financing_rules(financing_program=program), now)
    return len(due)


def financing_rules_with(rules: FinancingRules, **values: object) -> FinancingRules:
    """The rules with some values replaced (for callers building a change)."""
    return replace(rules, **values)  # type: ignore[arg-type]
