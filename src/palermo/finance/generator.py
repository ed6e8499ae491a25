"""Seeded synthetic transaction streams: a year of ordinary banking with labelled trafficking typologies injected.

Ordinary life: wages on the 25th, rent and utilities early in the month, card spending, cash at home-town ATMs,
transfers between friends, shops banking their takings (a few bars after midnight). Into it go labelled
instances of every packaged typology, so a rule pack's recall and precision can be measured at any size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from palermo.finance.ledger import Ledger

CHANNELS = ["cash", "transfer", "mobile", "wire", "card", "direct_debit", "check"]
CATEGORIES = ["", "payroll", "rent", "groceries", "restaurants", "retail", "utilities", "transport", "lodging",
              "online_classifieds", "adult_advertising", "prepaid_card"]
CITIES = ["Lyon", "Lille", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Nice", "Strasbourg", "Rennes",
          "Grenoble", "Dijon", "Metz", "Rouen", "Tours", "Brest", "Paris"]
MEMOS = ["", "salary", "rent", "thanks", "advert", "ticket", "hotel"]
CH = {c: i for i, c in enumerate(CHANNELS)}
CAT = {c: i for i, c in enumerate(CATEGORIES)}
MEMO = {m: i for i, m in enumerate(MEMOS)}
SPEND = ["groceries", "restaurants", "retail", "transport", "lodging", "online_classifieds", "prepaid_card"]
SPEND_WEIGHTS = [0.45, 0.2, 0.27, 0.05, 0.02, 0.007, 0.003]
START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
DAY = 86400
TYPOLOGIES = ["funnel_account", "wages_pooled", "wages_moved_on", "escort_advertising", "travel_for_several",
              "cash_at_night", "prepaid_cards", "shared_contact", "fan_in", "fan_out", "cycle", "scatter_gather",
              "gather_scatter", "bipartite", "stack"]


@dataclass(frozen=True)
class Injected:
    """One planted instance of a typology: its transactions and the accounts involved."""

    typology: str
    tx_ids: tuple[str, ...]
    accounts: tuple[str, ...]


@dataclass
class _Columns:
    ts: list[np.ndarray] = field(default_factory=list)
    src: list[np.ndarray] = field(default_factory=list)
    dst: list[np.ndarray] = field(default_factory=list)
    cents: list[np.ndarray] = field(default_factory=list)
    channel: list[np.ndarray] = field(default_factory=list)
    category: list[np.ndarray] = field(default_factory=list)
    location: list[np.ndarray] = field(default_factory=list)
    memo: list[np.ndarray] = field(default_factory=list)

    def add(self, ts: np.ndarray, src: np.ndarray, dst: np.ndarray, cents: np.ndarray, channel: int | np.ndarray,
            category: int | np.ndarray, location: int | np.ndarray = -1, memo: int | np.ndarray = 0) -> None:
        n = len(ts)
        self.ts.append(np.asarray(ts, dtype=np.int64))
        self.src.append(np.asarray(src, dtype=np.int64))
        self.dst.append(np.asarray(dst, dtype=np.int64))
        self.cents.append(np.asarray(cents, dtype=np.int64))
        for name, value in (("channel", channel), ("category", category), ("location", location), ("memo", memo)):
            getattr(self, name).append(np.broadcast_to(np.asarray(value, dtype=np.int16), (n,)).copy())

    def size(self) -> int:
        return int(sum(len(a) for a in self.ts))


class World:
    """The accounts of the synthetic economy and their integer ids (persons, employers, merchants)."""

    def __init__(self, rng: np.random.Generator, persons: int) -> None:
        self.rng = rng
        self.persons = persons
        self.employers = max(5, persons // 40)
        spend_merchants = {"groceries": max(3, persons // 150), "restaurants": max(3, persons // 150),
                           "retail": max(3, persons // 100), "transport": 20, "lodging": 30,
                           "online_classifieds": 5, "prepaid_card": 5, "adult_advertising": 3,
                           "utilities": 10, "rent": max(2, persons // 500)}
        self.merchant_base = persons + self.employers
        self.merchants: dict[str, np.ndarray] = {}
        nxt = self.merchant_base
        for cat, n in spend_merchants.items():
            self.merchants[cat] = np.arange(nxt, nxt + n)
            nxt += n
        self.total = nxt
        self.home = rng.integers(0, len(CITIES), persons)
        self.employer = rng.integers(persons, persons + self.employers, persons)
        self.salary = (rng.lognormal(np.log(2400), 0.35, persons) * 100).astype(np.int64)

    def label(self, idx: int) -> str:
        """The account id of an integer account."""
        if idx < self.persons:
            return f"P{idx:07d}"
        if idx < self.merchant_base:
            return f"E{idx - self.persons:05d}"
        return f"M{idx - self.merchant_base:05d}"

    def person(self, n: int = 1) -> np.ndarray:
        """``n`` distinct random persons."""
        return self.rng.choice(self.persons, size=n, replace=False)


def _background(w: World, cols: _Columns, months: int) -> None:
    rng, n = w.rng, w.persons
    for m in range(months):
        month = START + m * 30 * DAY
        everyone = np.arange(n)
        # wages on the 25th, in the morning
        cols.add(month + 24 * DAY + 9 * 3600 + rng.integers(0, 3600, n), w.employer, everyone,
                 w.salary + rng.integers(-500, 500, n), CH["transfer"], CAT["payroll"], memo=MEMO["salary"])
        # rent: 60% to letting agencies by direct debit, 15% to a private landlord by transfer
        pay = rng.random(n)
        agency = everyone[pay < 0.6]
        cols.add(month + rng.integers(0, 3 * DAY, len(agency)), agency,
                 rng.choice(w.merchants["rent"], len(agency)), w.salary[agency] * 3 // 10, CH["direct_debit"],
                 CAT["rent"], memo=MEMO["rent"])
        private = everyone[(pay >= 0.6) & (pay < 0.75)]
        cols.add(month + rng.integers(0, 3 * DAY, len(private)) + 10 * 3600, private,
                 (private * 7919 + 13) % n, w.salary[private] * 3 // 10, CH["transfer"], CAT["rent"],
                 memo=MEMO["rent"])
        cols.add(month + 5 * DAY + rng.integers(0, DAY, n), everyone, rng.choice(w.merchants["utilities"], n),
                 rng.integers(3000, 15000, n), CH["direct_debit"], CAT["utilities"])
        # card spending
        k = rng.poisson(20, n)
        who = np.repeat(everyone, k)
        cat_idx = rng.choice(len(SPEND), len(who), p=SPEND_WEIGHTS)
        merchant = np.empty(len(who), dtype=np.int64)
        for i, cat in enumerate(SPEND):
            sel = cat_idx == i
            merchant[sel] = rng.choice(w.merchants[cat], int(sel.sum()))
        cats = np.array([CAT[c] for c in SPEND], dtype=np.int16)[cat_idx]
        cols.add(month + rng.integers(0, 30, len(who)) * DAY + rng.integers(8 * 3600, 22 * 3600, len(who)),
                 who, merchant, (rng.lognormal(np.log(35), 0.9, len(who)) * 100).astype(np.int64) + 100,
                 CH["card"], cats, location=w.home[who])
        # cash at the ATM, mostly at home and by day
        k = rng.poisson(3, n)
        who = np.repeat(everyone, k)
        away = rng.random(len(who)) < 0.1
        where = np.where(away, rng.integers(0, len(CITIES), len(who)), w.home[who])
        hour = np.where(rng.random(len(who)) < 0.03, rng.integers(0, 6, len(who)), rng.integers(7, 23, len(who)))
        cols.add(month + rng.integers(0, 30, len(who)) * DAY + hour * 3600 + rng.integers(0, 3600, len(who)),
                 who, np.full(len(who), -1), rng.integers(2, 40, len(who)) * 1000, CH["cash"], CAT[""], where)
        # transfers between friends
        k = rng.poisson(1.5, n)
        who = np.repeat(everyone, k)
        cols.add(month + rng.integers(0, 30 * DAY, len(who)), who, rng.integers(0, n, len(who)),
                 rng.integers(1000, 30000, len(who)), np.where(rng.random(len(who)) < 0.3, CH["mobile"],
                                                                CH["transfer"]), CAT[""], memo=MEMO["thanks"])
        # shops bank their takings by day; a few bars after closing time
        shops = np.concatenate([w.merchants["groceries"], w.merchants["restaurants"], w.merchants["retail"]])
        k = rng.poisson(8, len(shops))
        who = np.repeat(shops, k)
        bar = (who % 50) == 0
        hour = np.where(bar, 23, rng.integers(9, 18, len(who)))
        cols.add(month + rng.integers(0, 30, len(who)) * DAY + hour * 3600 + rng.integers(0, 3600, len(who)),
                 np.full(len(who), -1), who, rng.integers(200, 5000, len(who)) * 100, CH["cash"], CAT[""],
                 (who % len(CITIES)))


class _Injector:
    def __init__(self, w: World, cols: _Columns, days: int) -> None:
        self.w, self.cols, self.days = w, cols, days
        self.instances: list[tuple[str, int, int, list[int]]] = []  # typology, first tx, count, accounts

    def when(self) -> int:
        return START + int(self.w.rng.integers(1, self.days - 40)) * DAY

    def plant(self, typology: str, rows: list[tuple[int, int, int, int, int, int, int, int]]) -> None:
        first = self.cols.size()
        arr = np.array(rows, dtype=np.int64)
        self.cols.add(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4], arr[:, 5], arr[:, 6], arr[:, 7])
        accounts = sorted({int(a) for a in np.concatenate([arr[:, 1], arr[:, 2]]) if a >= 0})
        self.instances.append((typology, first, len(rows), accounts))

    def hours(self, a: int, b: int) -> int:
        return int(self.w.rng.integers(a * 3600, b * 3600))

    def funnel_account(self) -> None:
        rng, t0 = self.w.rng, self.when()
        acct = int(self.w.person()[0])
        there, away = rng.choice(len(CITIES), 2, replace=False)
        rows = [(t0 + self.hours(0, 72), -1, acct, int(rng.integers(2000, 9900)) * 100, CH["cash"], 0, int(there), 0)
                for _ in range(int(rng.integers(3, 8)))]
        total = sum(r[3] for r in rows)
        rows += [(t0 + self.hours(80, 120), acct, -1, total // 2, CH["cash"], 0, int(away), 0) for _ in range(2)]
        self.plant("funnel_account", rows)

    def wages_pooled(self) -> None:
        rng, t0 = self.w.rng, self.when()
        boss, employer = int(self.w.person()[0]), int(self.w.employer[int(self.w.person()[0])])
        rows = [(t0 + month * 30 * DAY + self.hours(9, 11), employer, boss, int(rng.integers(900, 1400)) * 100,
                 CH["transfer"], CAT["payroll"], -1, MEMO["salary"])
                for month in range(2) for _ in range(int(rng.integers(4, 9)))]
        self.plant("wages_pooled", rows)

    def wages_moved_on(self) -> None:
        rng, t0 = self.w.rng, self.when()
        worker, boss = (int(x) for x in self.w.person(2))
        wage = int(rng.integers(1100, 1600)) * 100
        rows = [(t0, int(self.w.employer[worker]), worker, wage, CH["transfer"], CAT["payroll"], -1, MEMO["salary"]),
                (t0 + self.hours(1, 20), worker, boss, wage * int(rng.integers(85, 100)) // 100,
                 CH["transfer"], 0, -1, 0)]
        self.plant("wages_moved_on", rows)

    def _spend(self, typology: str, category: str, count: tuple[int, int], days: int, memo: int = 0) -> None:
        rng, t0 = self.w.rng, self.when()
        acct = int(self.w.person()[0])
        rows = [(t0 + int(rng.integers(0, days * DAY)), acct, int(rng.choice(self.w.merchants[category])),
                 int(rng.integers(2000, 15000)), CH["card"], CAT[category], -1, memo)
                for _ in range(int(rng.integers(*count)))]
        self.plant(typology, rows)

    def escort_advertising(self) -> None:
        self._spend("escort_advertising", "adult_advertising", (4, 12), 12, MEMO["advert"])

    def prepaid_cards(self) -> None:
        self._spend("prepaid_cards", "prepaid_card", (4, 10), 12)

    def travel_for_several(self) -> None:
        rng, t0 = self.w.rng, self.when()
        acct = int(self.w.person()[0])
        rows = []
        for day in rng.choice(3, 2, replace=False):
            for _ in range(int(rng.integers(3, 6))):
                rows.append((t0 + int(day) * DAY + self.hours(8, 20), acct, int(rng.choice(self.w.merchants["transport"])),
                             int(rng.integers(3000, 12000)), CH["card"], CAT["transport"], -1, MEMO["ticket"]))
        self.plant("travel_for_several", rows)

    def cash_at_night(self) -> None:
        rng, t0 = self.w.rng, self.when()
        acct = int(self.w.person()[0])
        rows = [(t0 + int(rng.integers(0, 12)) * DAY + int(rng.choice([22, 23, 0, 1, 2, 3, 4])) * 3600
                 + self.hours(0, 1), -1, acct, int(rng.integers(200, 2000)) * 100, CH["cash"], 0,
                 int(self.w.home[acct]), 0) for _ in range(int(rng.integers(4, 10)))]
        self.plant("cash_at_night", rows)

    def _flow(self, t: int, a: int, b: int, cents: int) -> tuple[int, int, int, int, int, int, int, int]:
        return (t, a, b, cents, CH["transfer"], 0, -1, 0)

    def fan_in(self, reverse: bool = False) -> None:
        rng, t0 = self.w.rng, self.when()
        people = [int(x) for x in self.w.person(int(rng.integers(9, 16)))]
        hub, others = people[0], people[1:]
        rows = [self._flow(t0 + self.hours(0, 72), *((hub, o) if reverse else (o, hub)),
                           int(rng.integers(300, 900)) * 100) for o in others]
        self.plant("fan_out" if reverse else "fan_in", rows)

    def cycle(self) -> None:
        rng, t0 = self.w.rng, self.when()
        ring = [int(x) for x in self.w.person(int(rng.integers(3, 5)))]
        cents, t, rows = int(rng.integers(3000, 9000)) * 100, t0, []
        for i, a in enumerate(ring):
            rows.append(self._flow(t, a, ring[(i + 1) % len(ring)], cents))
            t += self.hours(2, 30)
            cents = cents * int(rng.integers(90, 99)) // 100
        self.plant("cycle", rows)

    def scatter_gather(self) -> None:
        rng, t0 = self.w.rng, self.when()
        people = [int(x) for x in self.w.person(int(rng.integers(7, 10)))]
        a, z, middle = people[0], people[1], people[2:]
        rows = []
        for m in middle:
            cents = int(rng.integers(500, 900)) * 100
            rows.append(self._flow(t0 + self.hours(0, 24), a, m, cents))
            rows.append(self._flow(t0 + self.hours(26, 60), m, z, cents * 95 // 100))
        self.plant("scatter_gather", rows)

    def gather_scatter(self) -> None:
        rng, t0 = self.w.rng, self.when()
        k_in, k_out = int(rng.integers(5, 8)), int(rng.integers(5, 8))
        people = [int(x) for x in self.w.person(1 + k_in + k_out)]
        hub = people[0]
        rows = [self._flow(t0 + self.hours(0, 24), s, hub, int(rng.integers(500, 900)) * 100)
                for s in people[1:1 + k_in]]
        rows += [self._flow(t0 + self.hours(30, 70), hub, d, int(rng.integers(400, 800)) * 100)
                 for d in people[1 + k_in:]]
        self.plant("gather_scatter", rows)

    def _layer(self, t0: int, sources: list[int], targets: list[int]) -> list[tuple[int, int, int, int, int, int, int, int]]:
        rng = self.w.rng
        return [self._flow(t0 + self.hours(0, 24), s, d, int(rng.integers(200, 600)) * 100)
                for s in sources for d in targets]

    def bipartite(self) -> None:
        rng, t0 = self.w.rng, self.when()
        ns, nt = int(rng.integers(3, 6)), int(rng.integers(3, 6))
        people = [int(x) for x in self.w.person(ns + nt)]
        self.plant("bipartite", self._layer(t0, people[:ns], people[ns:]))

    def stack(self) -> None:
        rng, t0 = self.w.rng, self.when()
        sizes = [int(rng.integers(3, 5)) for _ in range(3)]
        people = [int(x) for x in self.w.person(sum(sizes))]
        l1, l2, l3 = people[:sizes[0]], people[sizes[0]:sizes[0] + sizes[1]], people[sizes[0] + sizes[1]:]
        self.plant("stack", self._layer(t0, l1, l2) + self._layer(t0 + 30 * 3600, l2, l3))


def generate(ledger: Ledger, transactions: int, *, seed: int = 7, days: int = 360,
             per_typology: int | None = None, progress: Callable[[str, int], None] | None = None) -> list[Injected]:
    """Fill ``ledger`` with about ``transactions`` rows of ordinary activity plus labelled typology instances.

    Same seed and size, same data. ``per_typology`` instances of each typology are planted (default: one per
    100,000 transactions, at least 8). Returns the labels.
    """
    rng = np.random.default_rng(seed)
    months = max(1, days // 30)
    persons = max(300, int(transactions / (27.2 * months)))
    w = World(rng, persons)
    cols = _Columns()
    _background(w, cols, months)
    if progress:
        progress("background", cols.size())
    inj = _Injector(w, cols, months * 30)
    k = per_typology if per_typology is not None else max(8, transactions // 100_000)
    shared: list[tuple[int, list[int]]] = []
    for typology in TYPOLOGIES:
        for _ in range(k):
            if typology == "shared_contact":
                shared.append((len(shared), [int(x) for x in w.person(int(rng.integers(3, 7)))]))
            elif typology == "fan_out":
                inj.fan_in(reverse=True)
            else:
                getattr(inj, typology)()
    if progress:
        progress("typologies", cols.size())
    _write(ledger, w, cols, shared)
    if progress:
        progress("written", cols.size())
    labels = [Injected(t, tuple(f"T{i:010d}" for i in range(first, first + n)), tuple(w.label(a) for a in accounts))
              for t, first, n, accounts in inj.instances]
    labels += [Injected("shared_contact", (), tuple(sorted(w.label(a) for a in members))) for _, members in shared]
    return labels


def _write(ledger: Ledger, w: World, cols: _Columns, shared: list[tuple[int, list[int]]]) -> None:
    columns = {name: np.concatenate(getattr(cols, name)) for name in
                ("ts", "src", "dst", "cents", "channel", "category", "location", "memo")}
    columns["seq"] = np.arange(len(columns["ts"]), dtype=np.int64)
    table = pa.table(columns)
    ledger.con.register("_gen", table)
    label = (f"CASE WHEN {{c}} < 0 THEN NULL WHEN {{c}} < {w.persons} THEN 'P' || lpad(CAST({{c}} AS VARCHAR), 7, '0') "
             f"WHEN {{c}} < {w.merchant_base} THEN 'E' || lpad(CAST({{c}} - {w.persons} AS VARCHAR), 5, '0') "
             f"ELSE 'M' || lpad(CAST({{c}} - {w.merchant_base} AS VARCHAR), 5, '0') END")

    def names(values: list[str]) -> str:
        return "[" + ", ".join("'" + v + "'" for v in values) + "]"

    ledger.con.execute(f"""INSERT INTO transactions
        SELECT 'T' || lpad(CAST(seq AS VARCHAR), 10, '0'),
               TIMESTAMP '1970-01-01 00:00:00' + to_seconds(ts), {label.format(c='src')}, {label.format(c='dst')},
               CAST(cents / 100.0 AS DECIMAL(18,2)), 'EUR', {names(CHANNELS)}[channel + 1],
               NULLIF({names(CATEGORIES)}[category + 1], ''),
               CASE WHEN location < 0 THEN NULL ELSE {names(CITIES)}[location + 1] END,
               NULLIF({names(MEMOS)}[memo + 1], '')
        FROM _gen ORDER BY seq""").fetchall()
    ledger.con.unregister("_gen")
    phone = np.array([f"+33 6 {i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d} {i % 7}{i % 3}"
                      for i in range(w.persons)], dtype=object)
    for group, members in shared:
        for m in members:
            phone[m] = f"+33 7 80 {group // 100:02d} {group % 100:02d} 00"
    households = np.cumsum(w.rng.random(w.persons) < 0.5)  # households of one or a few persons
    accounts = [w.label(i) for i in range(w.total)]
    parties = pa.table({
        "account": accounts,
        "holder": [a.replace("P", "C", 1) for a in accounts],
        "kind": ["person"] * w.persons + ["company"] * (w.total - w.persons),
        "phone": list(phone) + [None] * (w.total - w.persons),
        "address": [f"{h} rue {CITIES[int(w.home[i])]}" for i, h in enumerate(households)] + [None] * (w.total - w.persons),
        "country": ["FR"] * w.total,
    })
    ledger.con.register("_gen_parties", parties)
    ledger.con.execute("""INSERT INTO parties (account, holder, name, kind, phone, address, country)
        SELECT account, holder, CASE WHEN kind = 'person' THEN 'Customer ' || account ELSE 'Business ' || account END,
               kind, phone, address, country FROM _gen_parties""").fetchall()
    ledger.con.unregister("_gen_parties")
