"""Bring the pages' message catalogues (src/palermo/web/locale/*/LC_MESSAGES/messages.po) up to date with the
strings marked in the templates and the packaged indicator sets; prints what each language still lacks.
Run with `make messages`, then translate the empty entries and run the tests."""

from __future__ import annotations

import sys

from palermo.web.messages import untranslated, update


def main() -> int:
    """Update every catalogue; exit 1 if any language lacks a translation (with --check, change nothing)."""
    check = "--check" in sys.argv
    lacking = {code: len(untranslated(code)) for code in ("fr", "es")} if check else update()
    for code, count in lacking.items():
        print(f"{code}: {count} messages to translate")
    return 1 if any(lacking.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
