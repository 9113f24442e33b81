"""Ids as the database stores them: 64-bit signed integers, whatever a request says.

A number beyond that range cannot name a row, and SQLite (the default database) cannot even be
asked about one (`OverflowError`): URLs take ids through `IdConverter` (`<id:pk>`: a larger number
does not match, so the answer is 404), and API bodies through fields bounded by MAX_ID.
"""

MAX_ID = 2**63 - 1


class IdConverter:
    """Django path converter: digits naming an integer up to MAX_ID (ids, and person numbers)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is beyond the database's integers")
        return number

    def to_url(self, value: int) -> str:
        return str(value)
