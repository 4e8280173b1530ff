"""The financing program: its rules, budget and history of changes."""

import datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kruzhok.api.answers import READ_ERRORS, WRITE_ERRORS, IdPath, date_checked, decided
from kruzhok.api.auth import Principal
from kruzhok.api.problems import Problem
from kruzhok.api.routers.operator.access import MunicipalityQuery, caller_of, municipalities
from kruzhok.api.schemas import Money, money
from kruzhok.billing import selectors as billing_selectors
from kruzhok.certificates import financing_reads
from kruzhok.certificates.financing import (
    FinancingRules,
    financing_program_change,
    financing_rules,
    financing_rules_with,
)
from kruzhok.certificates.models import BillingRegime, FinancingProgram, FinancingProgramChange

router = Router()

RegimeSlug = Literal[tuple(BillingRegime.values)]  # type: ignore[valid-type]


class BandOut(Schema):
    age_min: int = Field(ge=5, le=18)
    age_max: int = Field(ge=5, le=18)
    nominal: Money


class FinancingOut(Schema):
    id: int
    municipality_id: int
    title: str
    period_start: datetime.date
    period_end: datetime.date
    bands: list[BandOut] = Field(description="номиналы по возрасту, действующие сейчас")
    max_funded_certificates: int
    funded_certificates: int
    budget_cap: Money
    max_programs_per_child: int
    billing_regime: RegimeSlug  # type: ignore[valid-type]
    advance_percent: int
    closed: bool = Field(description="период закрыт: правила не меняются")


class BudgetOut(Schema):
    cap: Money
    credited: Money
    expired: Money
    committed: Money
    spent: Money
    left: Money
    quota: int
    funded_certificates: int
    quota_left: int


class ChangeOut(Schema):
    field: str
    field_name: str
    old_value: str
    new_value: str
    effective_from: datetime.date
    applied: bool = Field(description="вступило в силу; нет — ждёт дня effective_from")
    changed_by_id: int | None
    changed_at: datetime.datetime


class FinancingDetail(FinancingOut):
    budget: BudgetOut
    changes: list[ChangeOut] = Field(description="история изменений, новые первыми (до 100)")


def _financing_out(program: FinancingProgram, rules: FinancingRules) -> FinancingOut:
    return FinancingOut(
        id=program.pk,
        municipality_id=program.municipality_id,
        title=rules.title,
        period_start=rules.period_start,
        period_end=rules.period_end,
        bands=[BandOut(age_min=lo, age_max=hi, nominal=money(n)) for lo, hi, n in rules.bands],
        max_funded_certificates=rules.max_funded_certificates,
        funded_certificates=program.funded_count,
        budget_cap=money(rules.budget_cap),
        max_programs_per_child=rules.max_programs_per_child,
        billing_regime=rules.billing_regime,
        advance_percent=rules.advance_percent,
        closed=program.closed_at is not None,
    )


def _change_out(change: FinancingProgramChange) -> ChangeOut:
    return ChangeOut(
        field=change.field,
        field_name=change.get_field_display(),
        old_value=change.old_value,
        new_value=change.new_value,
        effective_from=change.effective_from,
        applied=change.applied_at is not None,
        changed_by_id=change.changed_by_id,
        changed_at=change.changed_at,
    )


def _financing_detail(program: FinancingProgram) -> FinancingDetail:
    program.refresh_from_db()
    figures = financing_reads.financing_budget_figures(financing_program=program)
    changes = financing_reads.financing_program_changes(financing_program=program)
    return FinancingDetail(
        **_financing_out(program, financing_rules(financing_program=program)).model_dump(),
        budget=BudgetOut(
            cap=money(figures.cap),
            credited=money(figures.credited),
            expired=money(figures.expired),
            committed=money(figures.committed),
            spent=money(figures.spent),
            left=money(figures.left),
            quota=figures.quota,
            funded_certificates=figures.funded_certificates,
            quota_left=figures.quota_left,
        ),
        changes=[_change_out(c) for c in changes[:100]],
    )


def _financing_program(caller: Principal, program_id: int) -> FinancingProgram:
    return get_object_or_404(
        FinancingProgram.objects.select_related("municipality"),
        pk=program_id,
        municipality_id__in=billing_selectors.operator_municipality_ids(user=caller.user),
    )


@router.get(
    "/financing",
    response={200: list[FinancingOut], READ_ERRORS: Problem},
    summary="Программы ПФДО",
    url_name="operator_financing_list",
)
def financing_list(request: HttpRequest, query: Query[MunicipalityQuery]) -> list[FinancingOut]:
    """The financing programs of the caller's municipalities, newest period first."""
    caller = caller_of(request)
    programs = FinancingProgram.objects.filter(
        municipality_id__in=municipalities(caller, query.municipality)
    ).order_by("municipality_id", "-period_start")
    return [_financing_out(p, financing_rules(financing_program=p)) for p in programs]


@router.get(
    "/financing/{financing_id}",
    response={200: FinancingDetail, READ_ERRORS: Problem},
    summary="Программа ПФДО",
    url_name="operator_financing_detail",
)
def financing_detail(request: HttpRequest, financing_id: IdPath) -> FinancingDetail:
    """The program's rules in force, its budget figures (as beside the editor) and its
    history of changes."""
    caller = caller_of(request)
    return _financing_detail(_financing_program(caller, financing_id))


class BandIn(Schema):
    age_min: int = Field(ge=5, le=18)
    age_max: int = Field(ge=5, le=18)
    nominal: Money


class FinancingChangeIn(Schema):
    """Only the fields given change; the rest stay as they are."""

    title: str | None = Field(None, min_length=1, max_length=300)
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    bands: list[BandIn] | None = Field(None, min_length=1, max_length=4)
    max_funded_certificates: int | None = Field(None, ge=0, le=10_000_000)
    budget_cap: Money | None = None
    max_programs_per_child: int | None = Field(None, ge=1, le=20)
    billing_regime: RegimeSlug | None = None  # type: ignore[valid-type]
    advance_percent: int | None = Field(None, ge=0, le=100)
    effective_from: datetime.date = Field(
        description="с какого дня действуют новые номиналы и правила для детей (сегодня или "
        "позже); лимит сертификатов и объём средств меняются сразу"
    )


@router.patch(
    "/financing/{financing_id}",
    response={200: FinancingDetail, WRITE_ERRORS: Problem},
    summary="Изменить программу ПФДО",
    url_name="operator_financing_change",
)
def financing_change(
    request: HttpRequest, financing_id: IdPath, payload: FinancingChangeIn
) -> FinancingDetail:
    """Change the program's rules through the editor's own service: the same checks (a
    refusal is 422 with the field, nothing saved; a closed period's rules are 409) and the same
    record of each change. A raise of the budget is funded from the treasury through the
    ledger; a change sent again finds nothing to change (422)."""
    caller = caller_of(request)
    program = _financing_program(caller, financing_id)
    values: dict[str, object] = {
        name: getattr(payload, name)
        for name in (
            "title",
            "period_start",
            "period_end",
            "max_funded_certificates",
            "max_programs_per_child",
            "billing_regime",
            "advance_percent",
        )
        if getattr(payload, name) is not None
    }
    for name in ("period_start", "period_end"):
        date_checked(getattr(payload, name), field=name)
    if payload.title is not None:
        values["title"] = payload.title.strip()
    if payload.budget_cap is not None:
        values["budget_cap"] = payload.budget_cap.amount
    if payload.bands is not None:
        values["bands"] = tuple(
            sorted((b.age_min, b.age_max, b.nominal.amount) for b in payload.bands)
        )
    rules = financing_rules_with(financing_rules(financing_program=program), **values)
    effective_from = date_checked(payload.effective_from, field="effective_from")
    assert effective_from is not None
    decided(
        lambda: financing_program_change(
            financing_program=program,
            rules=rules,
            effective_from=effective_from,
            actor=caller.user,
            today=timezone.localdate(),
        )
    )
    return _financing_detail(program)
