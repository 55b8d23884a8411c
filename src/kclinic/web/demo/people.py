"""Synthetic names and facts for demo patients, drawn from a seeded generator."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

GIVEN = (
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Robin",
    "Drew",
    "Parker",
    "Reese",
    "Rowan",
    "Emerson",
    "Hayden",
    "Kendall",
    "Logan",
    "Peyton",
    "Skyler",
    "Dana",
    "Frankie",
    "Jesse",
    "Lee",
    "Noel",
    "Sidney",
    "Terry",
    "Blair",
    "Cameron",
    "Elliot",
    "Harper",
    "Marlowe",
    "Sage",
    "Shawn",
    "Toni",
    "Wren",
    "Kai",
    "Ari",
)
FAMILY = (
    "Abbott",
    "Bennett",
    "Carver",
    "Dalton",
    "Ellison",
    "Fairfax",
    "Garner",
    "Holloway",
    "Ingram",
    "Jennings",
    "Kessler",
    "Lawson",
    "Mercer",
    "Nolan",
    "Oakley",
    "Prescott",
    "Quincy",
    "Ramsey",
    "Sutton",
    "Thorne",
    "Underwood",
    "Vaughn",
    "Whitaker",
    "Yardley",
    "Zeller",
    "Ashford",
    "Brennan",
    "Calloway",
    "Donovan",
    "Everett",
    "Fletcher",
    "Griffin",
    "Harlow",
    "Iverson",
    "Kimball",
    "Lockhart",
    "Maddox",
    "Norwood",
    "Pemberton",
    "Radcliffe",
)
ALLERGIES = (
    ("Penicillin", "rash"),
    ("Sulfonamides", "hives"),
    ("Latex", "contact dermatitis"),
    ("Codeine", "nausea"),
    ("Iodinated contrast", "urticaria"),
)
DIAGNOSES = (
    ("F33.2", "Major depressive disorder, recurrent, severe without psychotic features"),
    ("F33.1", "Major depressive disorder, recurrent, moderate"),
    ("F32.2", "Major depressive disorder, single episode, severe without psychotic features"),
    ("F31.81", "Bipolar II disorder"),
    ("F43.12", "Post-traumatic stress disorder, chronic"),
)
MEDICATIONS = (
    ("Sertraline", "150 mg daily"),
    ("Bupropion XL", "300 mg daily"),
    ("Lithium carbonate", "600 mg twice daily"),
    ("Lamotrigine", "200 mg daily"),
    ("Aripiprazole", "5 mg daily"),
    ("Venlafaxine XR", "225 mg daily"),
)


@dataclass(frozen=True)
class DemoPerson:
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    weight_kg: str
    height_cm: str
    allergies: tuple[tuple[str, str], ...]
    diagnosis: tuple[str, str]
    medications: tuple[tuple[str, str], ...]


def person_mrn(number: int) -> str:
    return f"DEMO{number:05d}"


def person(rng: random.Random, number: int, today: date) -> DemoPerson:
    sex = rng.choice(("female", "female", "male", "male", "other"))
    age = rng.randint(21, 74)
    height = rng.gauss(176 if sex == "male" else 164, 7)
    bmi = min(max(rng.gauss(28, 5), 18.5), 45)
    return DemoPerson(
        mrn=person_mrn(number),
        given_name=rng.choice(GIVEN),
        family_name=rng.choice(FAMILY),
        date_of_birth=date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)),
        sex=sex,
        weight_kg=f"{bmi * (height / 100) ** 2:.1f}",
        height_cm=f"{height:.1f}",
        allergies=tuple(rng.sample(ALLERGIES, k=rng.choice((0, 0, 0, 1, 1, 2)))),
        diagnosis=rng.choice(DIAGNOSES),
        medications=tuple(rng.sample(MEDICATIONS, k=rng.randint(1, 3))),
    )
