"""Form parsing: ranges from RawPassenger, field-level messages, typed input kept."""

from __future__ import annotations

from titanic_common.features import RawPassenger
from ui_service import forms


def posted(**changes: str) -> dict[str, str]:
    return {**forms.DEFAULTS, **changes}


def test_defaults_make_a_valid_passenger():
    form = forms.parse_form(posted())
    assert form.ok
    assert form.passenger == RawPassenger(
        pclass=3, sex="female", age=29, sibsp=0, parch=0, fare=14.45, embarked="S"
    )


def test_empty_optional_fields_become_unknown():
    form = forms.parse_form(posted(age="", fare=" ", embarked="", name="", cabin=""))
    assert form.ok and form.passenger is not None
    assert form.passenger.age is None and form.passenger.embarked is None


def test_out_of_range_age_names_the_field_and_keeps_every_value():
    form = forms.parse_form(posted(age="121", fare="80", cabin="B5"))
    assert not form.ok
    assert form.errors == {
        "age": "Age in years must be a number from 0 to 120, or left empty if unknown."
    }
    assert form.values["age"] == "121"
    assert form.values["fare"] == "80" and form.values["cabin"] == "B5"


def test_every_bad_field_gets_its_own_message():
    form = forms.parse_form(posted(pclass="4", sibsp="1.5", embarked="X", fare="-1"))
    assert set(form.errors) == {"pclass", "sibsp", "embarked", "fare"}
    assert "whole number from 0 to 20" in form.errors["sibsp"]
    assert "Southampton" in form.errors["embarked"]


def test_ranges_come_from_raw_passenger():
    assert forms.bounds("age") == (0, 120)
    assert forms.bounds("fare") == (0, 10_000)
    assert forms.max_length("name") == 200


def test_missing_required_field_is_reported():
    data = posted()
    del data["sex"]
    assert "sex" in forms.parse_form(data).errors


def test_model_service_rejections_map_to_form_messages():
    errors = forms.upstream_errors({"age": "too old", "passenger_id": "unknown"})
    assert errors["age"] == forms.message_for("age")
    assert errors["passenger_id"] == "unknown"
