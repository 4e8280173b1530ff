"""Answers built outside ninja's own serialisation (an idempotent operation keeps the exact
bytes it answered): validated by the same schema the operation documents."""

from django.http import HttpResponse
from ninja import Schema


def json_answer(schema: type[Schema], data: Schema, *, status: int = 200) -> HttpResponse:
    body = schema.model_validate(data).model_dump_json()
    return HttpResponse(body, status=status, content_type="application/json")
