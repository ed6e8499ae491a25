"""Convert legal research (the research format of ../shared/law) into Palermo law profiles, format version 2.

    python tools/import_law_research.py RESEARCH --out DIR [--only ID ...] [--instruments]

RESEARCH is a research file (any name: a ``jurisdictions:`` list, a list of entries, or one entry) or a folder of
them. Each entry is checked against the research format (version 1 of Palermo's profile format, plus
``penalties.mitigated``), migrated to version 2 (docs/law-profiles.md) and written to DIR/jurisdictions/ID.yaml, a
folder that ``palermo law --profiles DIR`` loads. Every fact, citation and ``verified`` flag is carried over; the
only additions are ``status_as_of`` for treaty dates taken from the UN Treaty Collection table and the sources a
file cites from the research's shared sources.

Nothing is written unless everything converts: every problem in every file is listed at once (file, line, field),
and what would be written is read back through the same loader as ``--profiles`` first. The packaged profiles are
refined by hand from this output (one offence per provision where the research notes pair elements), so DIR may
not be the packaged data folder.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.law.library import PACKAGED, load_library, read_profile_data
from palermo.law.migrate import ProfileV1, migrate_v1
from palermo.law.schema import Instrument
from palermo.law.validation import PROFILE_KEYS, key_problems, src_problems, validate_all

UNTC_AS_OF = "2014-01-27"  # last commit of the scraped UNTC status table (see its PROVENANCE.md)
HEADER = ("# Palermo law profile, format version 2 (docs/law-profiles.md). Converted by tools/import_law_research.py "
          "from {source}.\n")


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def _entries(path: Path) -> Iterator[tuple[str, dict[str, Any], dict[yamlfile.Loc, int], yamlfile.Loc,
                                         dict[str, Any]]]:
    """(source, entry, lines, location of the entry in the file, shared sources) for every entry of a file."""
    data, lines = yamlfile.parse(yamlfile.read_text(path), str(path))
    shared: dict[str, Any] = {}
    if isinstance(data, dict) and isinstance(data.get("meta"), dict):
        shared = dict(data["meta"].get("shared_sources") or {})
    base: yamlfile.Loc
    if isinstance(data, dict) and "jurisdictions" in data:
        items, base = data["jurisdictions"], ("jurisdictions",)
    elif isinstance(data, list):
        items, base = data, ()
    elif isinstance(data, dict) and "id" in data:
        yield str(path), data, lines, (), shared
        return
    else:
        raise InvalidInput(f"{path}: not a research file: expected a 'jurisdictions:' list, a list of profiles or "
                           "one profile (a mapping with an 'id')")
    if not isinstance(items, list):
        raise yamlfile.error_at(str(path), lines, base, "must be a list of profiles")
    for i, item in enumerate(items):
        yield str(path), item, lines, (*base, i), shared


def _files(research: Path) -> list[Path]:
    if research.is_dir():
        return sorted(p for p in research.iterdir() if p.suffix in (".yaml", ".yml", ".json")
                      and p.name != "instruments.yaml")
    return [research]


def _shift(lines: dict[yamlfile.Loc, int], base: yamlfile.Loc) -> dict[yamlfile.Loc, int]:
    """The line map of one entry, with paths relative to it."""
    n = len(base)
    return {loc[n:]: line for loc, line in lines.items() if loc[:n] == base}


def convert_entry(entry: Any, source: str, lines: dict[yamlfile.Loc, int], shared: dict[str, Any],
                  library_vocabulary: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """One research entry -> version-2 profile data, or every problem with it."""
    if not isinstance(entry, dict):
        return None, [f"{source}: a profile must be a mapping"]
    doc = {"version": 1, **{k: v for k, v in entry.items() if k != "version"}}
    for treaty in ("palermo_protocol", "untoc"):
        status = (doc.get("treaty_status") or {}).get(treaty) if isinstance(doc.get("treaty_status"), dict) else None
        if isinstance(status, dict) and "UNTC_2014" in (status.get("src") or []):
            status.setdefault("status_as_of", UNTC_AS_OF)
    sources = dict(doc.get("sources") or {}) if isinstance(doc.get("sources"), dict) else {}
    for key, value in shared.items():
        sources.setdefault(key, value)
    doc["sources"] = sources
    old, problems = validate_all(ProfileV1, doc, source, lines)
    problems += key_problems(doc, PROFILE_KEYS[1], library_vocabulary, source, lines)
    problems += src_problems(doc, source, lines)
    if problems or old is None:
        return None, problems
    new = migrate_v1(old)
    used = _used_sources(new)
    new["sources"] = {k: v for k, v in new.get("sources", {}).items() if k in used or k in (entry.get("sources") or {})}
    return new, []


def _used_sources(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "src" and isinstance(v, list):
                found.update(str(s) for s in v)
            elif k != "sources":
                found |= _used_sources(v)
    elif isinstance(node, list):
        for v in node:
            found |= _used_sources(v)
    return found


def convert(research: Path, only: Sequence[str] = ()) -> tuple[dict[str, str], list[str]]:
    """Every profile in ``research`` as the text of a version-2 file by id, and every problem found."""
    vocabulary = load_library().vocabulary
    texts: dict[str, str] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in _files(research):
        try:
            entries = list(_entries(path))
        except InvalidInput as exc:
            problems += exc.details or [exc.message]
            continue
        for source, entry, lines, base, shared in entries:
            ident = entry.get("id") if isinstance(entry, dict) else None
            if only and ident not in only:
                continue
            where = f"{source}:{lines.get(base, '?')}" if base else source
            data, found = convert_entry(entry, source, _shift(lines, base), shared, vocabulary)
            problems += found
            if data is None:
                continue
            if ident in seen:
                problems.append(f"{where}: id {ident!r} is already defined at {seen[ident]}")
                continue
            seen[str(ident)] = where
            text = HEADER.format(source=Path(source).name) + _dump(data)
            try:  # read back exactly what would be written, through the loader `--profiles` uses
                read_profile_data(yaml.safe_load(text), f"{ident}.yaml (converted)", vocabulary)
            except InvalidInput as exc:
                problems += exc.details or [exc.message]
                continue
            texts[str(ident)] = text
    missing = [i for i in only if i not in texts and not any(f"'{i}'" in p for p in problems)]
    problems += [f"{research}: no profile with id {i!r}" for i in missing]
    return texts, problems


def convert_instruments(research: Path) -> tuple[dict[str, str], list[str]]:
    """The research's instruments.yaml as instrument files (format version 1)."""
    path = research / "instruments.yaml" if research.is_dir() else research
    data, lines = yamlfile.parse(yamlfile.read_text(path), str(path))
    sources = data.get("sources") or {}
    texts, problems = {}, []
    for i, inst in enumerate(data.get("instruments") or []):
        doc = {"version": 1, **inst}
        doc["sources"] = {k: sources[k] for k in sorted(_used_sources(inst)) if k in sources}
        found, more = validate_all(Instrument, doc, str(path), _shift(lines, ("instruments", i)))
        problems += more
        if found is not None:
            texts[found.id] = "# Palermo law data, instrument format version 1 (docs/law-profiles.md).\n" + _dump(doc)
    return texts, problems


def main(argv: Sequence[str] | None = None) -> int:
    """Convert, validate, then write; 0 on success, 2 (nothing written) when any problem is found."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("research", type=Path, help="a research file or folder")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (jurisdictions/ and instruments/)")
    parser.add_argument("--only", nargs="*", default=[], help="convert only these ids")
    parser.add_argument("--instruments", action="store_true", help="also convert instruments.yaml")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if out == PACKAGED.resolve() or PACKAGED.resolve() in out.parents:
        print(f"error: {out} is the packaged data, refined by hand from this tool's output; write elsewhere and "
              "compare (docs/law-profiles.md)", file=sys.stderr)
        return 2
    if not args.research.exists():
        print(f"error: {args.research}: no such file or folder", file=sys.stderr)
        return 2
    texts, problems = convert(args.research, args.only)
    instruments: dict[str, str] = {}
    if args.instruments:
        instruments, more = convert_instruments(args.research)
        problems += more
    if not texts and not problems:
        problems.append(f"{args.research}: no profiles found")
    if problems:
        print(f"error: {len(problems)} problem{'s' if len(problems) > 1 else ''}; nothing was written", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    (out / "jurisdictions").mkdir(parents=True, exist_ok=True)
    for ident, text in texts.items():
        (out / "jurisdictions" / f"{ident}.yaml").write_text(text, encoding="utf-8")
    if instruments:
        (out / "instruments").mkdir(parents=True, exist_ok=True)
        for ident, text in instruments.items():
            (out / "instruments" / f"{ident}.yaml").write_text(text, encoding="utf-8")
    try:
        load_library([out], strict=True)
    except InvalidInput as exc:  # a clash with files already in the folder
        print(f"error: written, but the folder does not load: {exc.message}", file=sys.stderr)
        for detail in exc.details[1:]:
            print(f"  {detail}", file=sys.stderr)
        return 2
    print(f"wrote {len(texts)} profile{'s' if len(texts) != 1 else ''} (format 2) to {out / 'jurisdictions'}"
          + (f" and {len(instruments)} instruments" if instruments else "")
          + f"; load them with: palermo law --profiles {out} list")
    return 0


if __name__ == "__main__":
    sys.exit(main())
