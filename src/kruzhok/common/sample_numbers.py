"""Checksummed identifiers for the demo municipality, the benchmarks and the tests.

Each user of these passes a prefix of its own (the demo 2614, the tests' world 2615, the
catalogue's factories 78, …) so that two sets of numbers in one database never collide, and
a serial that numbers within the set. The check digits are the real ones (python-stdnum for
ИНН and ОГРН); ОГРНИП bodies whose remainder by 13 is 10–12 are skipped, since no valid
ОГРНИП has one (and python-stdnum mishandles them).
"""

from stdnum.ru import inn as stdnum_inn

from kruzhok.common.validators import snils_check_digits


def _body(prefix: str, serial: int, length: int) -> str:
    body = f"{prefix}{serial:0{length - len(prefix)}d}"
    if len(body) != length:
        raise ValueError(f"serial {serial} does not fit after prefix {prefix}")
    return body


def inn_sample(serial: int, *, prefix: str, entrepreneur: bool = False) -> str:
    """A 10-digit organisation ИНН, or a 12-digit personal one for an entrepreneur."""
    if entrepreneur:
        body = _body(prefix, serial, 10)
        return body + stdnum_inn.calc_personal_check_digits(body)
    body = _body(prefix, serial, 9)
    return body + stdnum_inn.calc_company_check_digit(body)


def ogrn_sample(serial: int, *, prefix: str, entrepreneur: bool = False) -> str:
    """A 13-digit ОГРН (remainder of the first 12 by 11, last digit), or a 15-digit ОГРНИП
    (remainder of the first 14 by 13) for an entrepreneur."""
    if not entrepreneur:
        body = _body(f"102{prefix}", serial, 12)
        return body + str(int(body) % 11 % 10)
    while True:
        body = _body(f"314{prefix}", serial, 14)
        remainder = int(body) % 13
        if remainder < 10:
            return body + str(remainder)
        serial += 1


def snils_sample(serial: int) -> str:
    """A СНИЛС with a valid checksum (numbers above 001-001-998 are checksummed)."""
    body = f"{1_002_000 + serial * 7919:09d}"
    return body + snils_check_digits(body)
