"""Gunicorn's access log without secrets: `gunicorn --logger-class
kruzhok.gunicorn_logging.MaskingLogger` writes each request line with e-mail addresses, link
tokens and anything like a СНИЛС masked (accounts.log_masking), as the portal's own log does."""

from datetime import timedelta
from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]

from kruzhok.accounts.log_masking import mask_secrets


class MaskingLogger(glogging.Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: mask_secrets(v) if isinstance(v, str) else v for k, v in atoms.items()}
