"""Tsunagu's Japanese recognizers, one module each (presidio `LocalRecognizer`s)."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from privacy.pii.id_formats import IdFormats, load_id_formats
from privacy.pii.recognizers.address import AddressRecognizer
from privacy.pii.recognizers.date import DateOfBirthRecognizer
from privacy.pii.recognizers.email import EmailRecognizer
from privacy.pii.recognizers.my_number import MyNumberRecognizer
from privacy.pii.recognizers.person import PersonRecognizer
from privacy.pii.recognizers.phone import PhoneRecognizer
from privacy.pii.recognizers.postal_code import PostalCodeRecognizer
from privacy.pii.recognizers.resident_number import ResidentNumberRecognizer
from privacy.pii.recognizers.student_number import StudentNumberRecognizer


def default_recognizers(id_formats: IdFormats | None = None) -> list[EntityRecognizer]:
    """One instance of each Japanese recognizer; local id formats come from id_formats.yaml."""
    formats = id_formats or load_id_formats()
    return [
        PersonRecognizer(),
        MyNumberRecognizer(),
        PhoneRecognizer(formats.resident.labels + formats.student.labels),
        PostalCodeRecognizer(),
        AddressRecognizer(),
        DateOfBirthRecognizer(),
        EmailRecognizer(),
        ResidentNumberRecognizer(formats.resident),
        StudentNumberRecognizer(formats.student),
    ]


__all__ = [
    "AddressRecognizer", "DateOfBirthRecognizer", "EmailRecognizer", "MyNumberRecognizer",
    "PersonRecognizer", "PhoneRecognizer", "PostalCodeRecognizer", "ResidentNumberRecognizer",
    "StudentNumberRecognizer", "default_recognizers",
]
