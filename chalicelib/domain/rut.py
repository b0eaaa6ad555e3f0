"""The Chilean RUT: one type to parse, validate and format it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidInputError
from .text import padded, trim

# The forms people type: 12.345.678-5, 12345678-5, 123456785, 12 345 678 5 (k or K), spaces around.
RUT_PATTERN = padded("[0-9]{1,3}(?:[. ]?[0-9]{3}){0,2} *-? *[0-9Kk]")
_FORM = re.compile(RUT_PATTERN)
_SHAPE = re.compile(r"([0-9]{1,9})([0-9K])")
_MAX_BODY = 999_999_999
RUT_REQUIRED = "El RUT es obligatorio."


def compute_check_digit(body: int) -> str:
    """Modulo 11 with weights 2..7 from the right; 11 gives 0, 10 gives K."""
    total = 0
    weight = 2
    for digit in reversed(str(body)):
        total += int(digit) * weight
        weight = 2 if weight == 7 else weight + 1
    remainder = 11 - total % 11
    if remainder == 11:
        return "0"
    if remainder == 10:
        return "K"
    return str(remainder)


@dataclass(frozen=True, order=True)
class Rut:
    body: int
    check_digit: str

    @classmethod
    def parse(cls, raw: object, *, field: str = "rut") -> Rut:
        """Accept `12.345.678-5`, `12345678-5` or `123456785`; reject a wrong check digit."""
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            raise InvalidInputError(RUT_REQUIRED, field=field)
        typed = str(raw)
        if not trim(typed):
            raise InvalidInputError(RUT_REQUIRED, field=field)
        match = _SHAPE.fullmatch(trim(typed).upper().replace(".", "").replace("-", "").replace(" ", ""))
        if _FORM.fullmatch(typed) is None or match is None:
            raise InvalidInputError("El RUT no tiene un formato válido (ejemplo: 12345678K).", field=field)
        body = int(match.group(1))
        digit = match.group(2)
        if body == 0 or body > _MAX_BODY:
            raise InvalidInputError("El RUT no tiene un formato válido.", field=field)
        if compute_check_digit(body) != digit:
            raise InvalidInputError("El RUT no es válido: el dígito verificador no corresponde.", field=field)
        return cls(body, digit)

    @classmethod
    def from_compact(cls, text: str) -> Rut:
        """A RUT this system stored itself (`88086031`): validated when it came in, not again."""
        return cls(int(text[:-1]), text[-1])

    @classmethod
    def is_valid(cls, raw: object) -> bool:
        try:
            cls.parse(raw)
        except InvalidInputError:
            return False
        return True

    def formatted(self) -> str:
        """`8.808.603-1`: thousands separated by dots, dash before the check digit."""
        return f"{self.body:,}".replace(",", ".") + f"-{self.check_digit}"

    def compact(self) -> str:
        """`88086031`: the storage key form, without dots or dash."""
        return f"{self.body}{self.check_digit}"

    def __str__(self) -> str:
        return self.formatted()
