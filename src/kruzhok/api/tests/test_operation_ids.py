"""The schema's operation ids name the router and the function, whatever module of a router
split into a package holds the function: clients generate method names from them."""

from kruzhok.api.api import api


def _operation_ids() -> dict[str, str]:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        f"{method.upper()} {path}": operation["operationId"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def test_operations_of_a_router_package_are_named_by_the_router_not_the_resource_module():
    ids = _operation_ids()
    assert ids["GET /api/v1/provider/invoices"] == "kruzhok_api_routers_provider_invoice_list"
    assert (
        ids["POST /api/v1/provider/groups/{group_id}/attendance"]
        == "kruzhok_api_routers_provider_attendance_mark_bulk"
    )
    assert ids["POST /api/v1/operator/month-closes"] == "kruzhok_api_routers_operator_month_close"
    assert ids["GET /api/v1/catalog/programs"] == "kruzhok_api_routers_catalog_program_list"


def test_every_operation_id_is_unique():
    ids = list(_operation_ids().values())
    assert len(ids) == len(set(ids))
