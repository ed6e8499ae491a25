"""Seeded synthetic FtM entities shaped like a trafficking case file: people, companies, phones, accounts,
addresses and payments between them."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

FIRST = ["Ana", "Maria", "Ion", "Jan", "Piotr", "Nguyen", "Tran", "Olga", "Amina", "Blessing", "Chidi", "Luis", "Sofia"]
LAST = ["Popescu", "Kowalski", "Nowak", "Van Minh", "Petrova", "Okafor", "Garcia", "Ionescu", "Le", "Adeyemi"]
COUNTRIES = ["gb", "pl", "ro", "vn", "ng", "es", "de", "it", "ua", "al"]


def entities(n: int, seed: int = 7) -> Iterator[dict[str, object]]:
    """n entities: per block of 10, 4 people, 1 company, 1 phone, 2 accounts, 1 address, 1 payment."""
    rng = random.Random(seed)
    for block in range(0, n, 10):
        people = [f"person-{block + i}" for i in range(4)]
        kinds = [
            *({"id": pid, "schema": "Person", "properties": {
                "name": [f"{rng.choice(FIRST)} {rng.choice(LAST)}"], "nationality": [rng.choice(COUNTRIES)],
                "birthDate": [f"{rng.randint(1960, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]}}
              for pid in people),
            {"id": f"company-{block}", "schema": "Company", "properties": {
                "name": [f"{rng.choice(LAST)} Services Ltd"], "jurisdiction": [rng.choice(COUNTRIES)]}},
            {"id": f"phone-{block}", "schema": "UserAccount", "properties": {
                "phone": [f"+4420794{rng.randint(60000, 69999)}"], "service": ["phone"], "owner": [people[0]]}},
            *({"id": f"account-{block + i}", "schema": "BankAccount", "properties": {
                "accountNumber": [f"{rng.randint(10**7, 10**8 - 1)}"], "country": ["gb"]}} for i in range(2)),
            {"id": f"address-{block}", "schema": "Address", "properties": {
                "full": [f"{rng.randint(1, 200)} High Street, Birmingham"], "country": ["gb"]}},
            {"id": f"payment-{block}", "schema": "Payment", "properties": {
                "payer": [f"company-{block}"], "beneficiary": [people[1]], "amount": [str(rng.randint(50, 900))],
                "currency": ["GBP"], "date": [f"2015-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]}},
        ]
        yield from kinds[: n - block]


def jsonl(n: int, seed: int = 7) -> list[str]:
    """The entities as FtM JSON lines."""
    return [json.dumps(e) + "\n" for e in entities(n, seed)]
