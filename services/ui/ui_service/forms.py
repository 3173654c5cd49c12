"""The prediction form: plain-language fields, parsed into `RawPassenger`.

Ranges come from `RawPassenger` itself, so the form, its HTML limits and the model
service can never disagree about what a valid passenger is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from annotated_types import Ge, Le, MaxLen
from pydantic import ValidationError

from titanic_common.features import RawPassenger

FIELDS = ("pclass", "sex", "age", "sibsp", "parch", "fare", "embarked", "name", "cabin")
OPTIONAL_FIELDS = frozenset({"age", "fare", "embarked", "name", "cabin"})

LABELS = {
    "pclass": "Ticket class",
    "sex": "Sex",
    "age": "Age in years",
    "sibsp": "Siblings or spouses aboard",
    "parch": "Parents or children aboard",
    "fare": "Fare paid (pounds, 1912)",
    "embarked": "Port where they boarded",
    "name": "Name (optional)",
    "cabin": "Cabin (optional)",
}
HINTS = {
    "age": "Leave empty if unknown.",
    "fare": "Leave empty if unknown. Most fares were between 7 and 80 pounds.",
    "name": "As on the passenger list, e.g. “Smith, Mrs. John”: the title (Mr, Mrs, Miss, "
    "Master) is used.",
    "cabin": "e.g. C85. Only whether there is a cabin number matters.",
}
CHOICES: dict[str, list[tuple[str, str]]] = {
    "pclass": [("1", "First class"), ("2", "Second class"), ("3", "Third class")],
    "sex": [("female", "Female"), ("male", "Male")],
    "embarked": [
        ("S", "Southampton"),
        ("C", "Cherbourg"),
        ("Q", "Queenstown"),
        ("", "Unknown"),
    ],
}
DEFAULTS = {
    "pclass": "3",
    "sex": "female",
    "age": "29",
    "sibsp": "0",
    "parch": "0",
    "fare": "14.45",
    "embarked": "S",
    "name": "",
    "cabin": "",
}


def bounds(name: str) -> tuple[float | None, float | None]:
    """(minimum, maximum) of a numeric RawPassenger field, from its own constraints."""
    metadata = RawPassenger.model_fields[name].metadata
    low = next((m.ge for m in metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, Le)), None)
    return low, high


def max_length(name: str) -> int | None:
    """Longest text a RawPassenger field accepts."""
    metadata = RawPassenger.model_fields[name].metadata
    return next((m.max_length for m in metadata if isinstance(m, MaxLen)), None)


def message_for(name: str) -> str:
    """The one message a person sees when a field is wrong: what is accepted."""
    if name in CHOICES:
        options = ", ".join(label for value, label in CHOICES[name] if value)
        return f"{LABELS[name]}: choose one of {options}."
    if name in ("name", "cabin"):
        return f"{LABELS[name]} must be at most {max_length(name)} characters."
    low, high = bounds(name)
    kind = "a whole number" if name in ("sibsp", "parch") else "a number"
    unknown = ", or left empty if unknown" if name in OPTIONAL_FIELDS else ""
    return f"{LABELS[name]} must be {kind} from {low:g} to {high:g}{unknown}."


@dataclass
class PassengerForm:
    """What the user typed (redisplayed as is), per-field messages, and the parsed value."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    passenger: RawPassenger | None = None

    @property
    def ok(self) -> bool:
        return self.passenger is not None and not self.errors


def default_form() -> PassengerForm:
    """A form pre-filled with a typical third-class passenger."""
    return PassengerForm(values=dict(DEFAULTS))


def parse_form(data: Mapping[str, object]) -> PassengerForm:
    """Validate posted fields against RawPassenger; never raises on bad input."""
    values = {name: str(data.get(name, "") or "").strip() for name in FIELDS}
    payload = {
        name: value for name, value in values.items() if value or name not in OPTIONAL_FIELDS
    }
    try:
        passenger = RawPassenger.model_validate(payload)
    except ValidationError as exc:
        errors = {
            str(err["loc"][0]): message_for(str(err["loc"][0]))
            for err in exc.errors()
            if err["loc"] and err["loc"][0] in LABELS
        }
        return PassengerForm(values=values, errors=errors or {"form": "Check the form."})
    return PassengerForm(values=values, passenger=passenger)


def upstream_errors(fields: Mapping[str, str]) -> dict[str, str]:
    """Field messages for errors the model service found that the form did not."""
    return {name: message_for(name) if name in LABELS else msg for name, msg in fields.items()}
