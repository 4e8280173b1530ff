"""The parent's cabinet over the API: children, certificates with their money and operations,
applications from submission to the contract and withdrawal. Each operation calls the same
selector or service as the cabinet's page, so the rules are the pages' own."""

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import client_ip
from kruzhok.api.answers import Decisions, IdempotencyKey, IdPath, json_answer
from kruzhok.api.auth import Principal, principal
from kruzhok.api.idempotency import idempotent
from kruzhok.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kruzhok.api.problems import ApiProblem, Problem
from kruzhok.api.schemas import Money, money
from kruzhok.certificates.selectors import certificate_card
from kruzhok.enrollment import selectors, services
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.families.selectors import child_get_for_guardian, child_list_for_guardian

router = Router(tags=["Родитель"])

ERRORS = frozenset({401, 403, 404, 409, 422, 429})


class ChildOut(Schema):
    id: int
    last_name: str
    first_name: str
    patronymic: str
    birth_date: datetime.date
    municipality_id: int


@router.get("/children", response={200: list[ChildOut], ERRORS: Problem}, summary="Мои дети")
def child_list(request: HttpRequest) -> list[ChildOut]:
    caller = principal(request, Role.PARENT)
    return [
        ChildOut(
            id=child.pk,
            last_name=child.last_name,
            first_name=child.first_name,
            patronymic=child.patronymic,
            birth_date=child.birth_date,
            municipality_id=child.municipality_id,
        )
        for child in child_list_for_guardian(user=caller.user)
    ]


class OperationOut(Schema):
    id: int
    at: datetime.datetime
    kind: str
    kind_name: str
    description: str
    program_title: str
    provider_name: str
    amount: Money = Field(description="изменение остатка: зачисление +, списание −")
    reserved_change: Money = Field(description="изменение резерва по договорам")


class CertificateOut(Schema):
    number: str
    status: str
    status_name: str
    nominal: Money
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    credited: Money
    debited: Money
    balance: Money = Field(description="зачислено − списано")
    reserved: Money = Field(description="в резерве по заключённым договорам")
    available: Money = Field(description="доступно для новых договоров: остаток − резерв")
    operations: list[OperationOut] = Field(description="все операции, от первой к последней")


@router.get(
    "/children/{child_id}/certificate",
    response={200: CertificateOut, ERRORS: Problem},
    summary="Сертификат ребёнка",
)
def certificate_detail(request: HttpRequest, child_id: IdPath) -> CertificateOut:
    """The certificate with its balance, reserve, what is available and every operation."""
    caller = principal(request, Role.PARENT)
    child = child_get_for_guardian(user=caller.user, pk=child_id)
    card = certificate_card(child=child)
    if card is None:
        raise ApiProblem(
            404,
            "Сертификата у ребёнка пока нет: он выдаётся, когда вы принимаете первую оферту "
            "договора по программе, оплачиваемой сертификатом.",
        )
    certificate = card.certificate
    return CertificateOut(
        number=certificate.number,
        status=certificate.status,
        status_name=certificate.get_status_display(),
        nominal=money(certificate.nominal),
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        credited=money(card.money.credited),
        debited=money(card.money.debited),
        balance=money(card.money.balance),
        reserved=money(card.money.reserved),
        available=money(card.money.available),
        operations=[
            OperationOut(
                id=op.transfer_id,
                at=op.created_at,
                kind=op.kind,
                kind_name=op.kind_label,
                description=op.description,
                program_title=op.program_title,
                provider_name=op.provider_name,
                amount=money(op.amount),
                reserved_change=money(op.reserved_change),
            )
            for op in card.operations
        ],
    )


class ContractBrief(Schema):
    id: int
    number: str
    start_date: datetime.date
    end_date: datetime.date
    total_cost: Money
    certificate_part: Money
    parent_part: Money
    terminated_on: datetime.date | None


class ApplicationOut(Schema):
    id: int
    child_id: int
    group_id: int
    program_id: int
    program_title: str
    status: str
    status_name: str
    created_at: datetime.datetime
    decide_by: datetime.date | None = Field(description="до какого дня организация решит")
    offer_expires_at: datetime.datetime | None = Field(description="до какого момента оферта")
    waitlist_position: int | None = Field(description="место в листе ожидания, 1 — первый")
    next_step: str
    contract: ContractBrief | None


def _answer(caller: Principal, application_id: int, *, status: int = 200) -> HttpResponse:
    """The application as it stands after an operation, read as its page reads it."""
    fresh = selectors.application_get_for_parent(user=caller.user, pk=application_id)
    return json_answer(_application_out(fresh), status=status)


def _application_out(application: Application) -> ApplicationOut:
    contract = getattr(application, "contract", None)
    return ApplicationOut(
        id=application.pk,
        child_id=application.child_id,
        group_id=application.group_id,
        program_id=application.group.program_id,
        program_title=application.group.program.title,
        status=application.status,
        status_name=application.get_status_display(),
        created_at=application.created_at,
        decide_by=application.decide_by,
        offer_expires_at=application.offer_expires_at,
        waitlist_position=selectors.waitlist_position(application=application),
        next_step=selectors.application_next_step(application=application).text,
        contract=ContractBrief(
            id=contract.pk,
            number=contract.number,
            start_date=contract.start_date,
            end_date=contract.end_date,
            total_cost=money(contract.total_cost),
            certificate_part=money(contract.certificate_part),
            parent_part=money(contract.parent_part),
            terminated_on=contract.terminated_on,
        )
        if contract is not None
        else None,
    )


APPLICATIONS = Decisions(reach=selectors.application_get_for_parent, out=_application_out)


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_cursor: str | None


class ApplicationFilters(Schema):
    child_id: int | None = Field(None, ge=1, le=2**31 - 1)
    status: ApplicationStatus | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


@router.get(
    "/applications",
    response={200: ApplicationPage, ERRORS: Problem},
    summary="Заявки моих детей",
)
def application_list(request: HttpRequest, filters: Query[ApplicationFilters]) -> ApplicationPage:
    """Newest first."""
    caller = principal(request, Role.PARENT)
    applications = selectors.application_list_for_parent(user=caller.user).select_related(
        "contract"
    )
    if filters.child_id is not None:
        applications = applications.filter(child_id=filters.child_id)
    if filters.status is not None:
        applications = applications.filter(status=filters.status)
    rows, next_cursor = keyset_page(
        applications,
        order=("-pk",),
        kinds=(int,),
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return ApplicationPage(items=[_application_out(a) for a in rows], next_cursor=next_cursor)


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, ERRORS: Problem},
    summary="Заявка",
)
def application_detail(request: HttpRequest, application_id: IdPath) -> ApplicationOut:
    caller = principal(request, Role.PARENT)
    application = selectors.application_get_for_parent(user=caller.user, pk=application_id)
    return _application_out(application)


class ApplicationIn(Schema):
    child_id: int = Field(ge=1, le=2**31 - 1)
    group_id: int = Field(ge=1, le=2**31 - 1)


@router.post(
    "/applications",
    response={201: ApplicationOut, frozenset({400}) | ERRORS: Problem},
    summary="Подать заявку",
)
def application_create(
    request: HttpRequest, payload: ApplicationIn, idempotency_key: IdempotencyKey
) -> HttpResponse:
    """Submit an application of one of my children to a group. A free seat with automatic
    acceptance is taken at once (`accepted`, the offer open); a full group puts the
    application on the waiting line (`waitlisted`); otherwise the provider decides
    (`submitted`)."""
    caller = principal(request, Role.PARENT)
    # Another family's child does not exist for this parent, as on the pages.
    child_get_for_guardian(user=caller.user, pk=payload.child_id)

    def run() -> HttpResponse:
        application = services.application_submit(
            parent=caller.user, child_id=payload.child_id, group_id=payload.group_id
        )
        return _answer(caller, application.pk, status=201)

    return idempotent(
        request, user=caller.user, key=idempotency_key, payload=payload.model_dump(), run=run
    )


@router.post(
    "/applications/{application_id}/cancel",
    response={200: ApplicationOut, ERRORS: Problem},
    summary="Отозвать заявку",
)
def application_cancel(request: HttpRequest, application_id: IdPath) -> ApplicationOut:
    """Cancel an application before the contract (its seat goes to the first in line)."""
    caller = principal(request, Role.PARENT)
    return APPLICATIONS.make(
        user=caller.user,
        pk=application_id,
        decide=lambda application: services.application_cancel(
            parent=caller.user, application=application
        ),
    )


@router.post(
    "/applications/{application_id}/accept-offer",
    response={200: ApplicationOut, frozenset({400}) | ERRORS: Problem},
    summary="Принять оферту",
)
def offer_accept(
    request: HttpRequest, application_id: IdPath, idempotency_key: IdempotencyKey
) -> HttpResponse:
    """Accept the contract offer: the contract is concluded and, for a certificate-paid
    program, the certificate part reserved on the child's certificate."""
    caller = principal(request, Role.PARENT)
    application = selectors.application_get_for_parent(user=caller.user, pk=application_id)

    def run() -> HttpResponse:
        services.contract_accept(
            parent=caller.user,
            application=application,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
        )
        return _answer(caller, application_id)

    return idempotent(request, user=caller.user, key=idempotency_key, payload={}, run=run)


class WithdrawIn(Schema):
    on: datetime.date = Field(description="с какого дня ребёнок не занимается")
    reason: str = Field(min_length=1, max_length=1000)


@router.post(
    "/applications/{application_id}/withdraw",
    response={200: ApplicationOut, frozenset({400}) | ERRORS: Problem},
    summary="Отчислить ребёнка",
)
def application_withdraw(
    request: HttpRequest,
    application_id: IdPath,
    payload: WithdrawIn,
    idempotency_key: IdempotencyKey,
) -> HttpResponse:
    """Withdraw the child from the group from a day (today or later): the contract ends, the
    rest of the certificate's reserve is released."""
    caller = principal(request, Role.PARENT)
    application = selectors.application_get_for_parent(user=caller.user, pk=application_id)

    def run() -> HttpResponse:
        services.contract_withdraw(
            actor=caller.user, application=application, on=payload.on, reason=payload.reason
        )
        return _answer(caller, application_id)

    return idempotent(
        request,
        user=caller.user,
        key=idempotency_key,
        payload=payload.model_dump(mode="json"),
        run=run,
    )
