"""Names as screening reads them: words in Latin letters with their roles (name, particle, legal form, numeral) and
the table entries linking other spellings; the tables and their sources (SOURCES.md)."""

from palermo.finance.names.analysis import Kind, NameForm, Word, analyse, kind_of, latin
from palermo.finance.names.tables import nickname_groups

__all__ = ["Kind", "NameForm", "Word", "analyse", "kind_of", "latin", "nickname_groups"]
