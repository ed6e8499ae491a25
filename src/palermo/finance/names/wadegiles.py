"""Chinese names in Wade–Giles (Mao Tse-tung, Teng Hsiao-p'ing) read as the pinyin they may stand for (Mao Zedong,
Deng Xiaoping). Lists drop Wade–Giles' apostrophes, so an unmarked consonant may be either pinyin consonant
(t' -> t, t -> d): every reading is offered. The correspondences are the systems' published syllable rules."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product

SYLLABLE = re.compile(r"^(ch|hs|sh|ts|tz|sz|ss|k|p|t|j|m|n|l|f|h|s|w|y)?"
                      r"(a|ai|an|ang|ao|e|ei|en|eng|erh|i|ia|iang|iao|ieh|ien|ih|in|ing|iu|iung|o|ou|u|ua|uai|uan|"
                      r"uang|ui|un|ung|uo|ueh|uei|ueh|uan|un)$")
INITIALS: dict[str, tuple[str, ...]] = {
    "hs": ("x",), "k": ("g", "k"), "p": ("b", "p"), "t": ("d", "t"), "ts": ("z", "c"), "tz": ("z", "c"),
    "j": ("r",), "sz": ("s",), "ss": ("s",)}
FINALS: dict[str, tuple[str, ...]] = {
    "ih": ("i",), "ieh": ("ie",), "ien": ("ian",), "ung": ("ong",), "iung": ("iong",), "ueh": ("ue",),
    "erh": ("er",), "o": ("o", "e", "uo"), "uei": ("ui",), "yu": ("you", "yu")}
MAX_READINGS = 64


def _syllable(word: str) -> tuple[str, ...]:
    found = SYLLABLE.match(word)
    if not found:
        return ()
    initial, final = found.group(1) or "", found.group(2)
    if initial == "ch":
        starts: tuple[str, ...] = ("j", "q") if final[0] in "iu" else ("zh", "ch")
    else:
        starts = INITIALS.get(initial, (initial,))
    if initial in ("tz", "sz", "ss") and final == "u":
        ends: tuple[str, ...] = ("i",)
    elif initial == "y" and final == "u":
        return ("you", "yu")
    else:
        ends = FINALS.get(final, (final,))
    return tuple(dict.fromkeys(a + b for a in starts for b in ends))


@lru_cache(maxsize=50_000)
def pinyin_readings(words: tuple[str, ...]) -> frozenset[str]:
    """The pinyin a name of Wade–Giles syllables may stand for, written together (hsi chin ping -> xijinping);
    empty when a word is not a Wade–Giles syllable or the name is not two to four syllables."""
    if not 2 <= len(words) <= 4:
        return frozenset()
    options = [_syllable(w) for w in words]
    if not all(options):
        return frozenset()
    readings = set()
    for combination in product(*options):
        readings.add("".join(combination))
        if len(readings) >= MAX_READINGS:
            break
    return frozenset(readings)
