"""Reading the CSV files people upload (markers, study values), whatever wrote them.

Spreadsheets and old Macs end lines with \\r\\n or a bare \\r, Excel starts UTF-8 files with a byte-order
mark; Python's csv module takes neither a bare \\r outside quotes nor an over-long field, and says so
with csv.Error. `csv_rows` takes them all, or raises CsvTextError with a message for the user.
"""

import csv
import io


class CsvTextError(ValueError):
    """Text that is not a readable CSV; the message is for the user."""


def csv_rows(text: str) -> list[list[str]]:
    """The rows of CSV text with any line ending and an optional byte-order mark."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise CsvTextError(f"Not a readable CSV file: {error}.") from None
