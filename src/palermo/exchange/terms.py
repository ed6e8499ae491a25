"""The words of an exchange agreement, each defined once with what it means for the people who apply it: the
purposes data may be exchanged for, how a recipient may use and pass it on (the handling code), the parties'
roles and the kinds of legal basis. The documentation (docs/exchange.md) and the pages show these explanations.
"""

from __future__ import annotations

from typing import Literal, get_args

Purpose = Literal["investigation", "prosecution", "intelligence", "victim_protection", "asset_recovery"]
PURPOSES: dict[Purpose, str] = {
    "investigation": "a criminal investigation of the offences the agreement covers (UNTOC Art. 18(1) and (3), "
                     "Art. 27(1)(b))",
    "prosecution": "prosecution and judicial proceedings for those offences (UNTOC Art. 18(1))",
    "intelligence": "criminal intelligence and analysis: finding links, routes and methods, not evidence in court "
                    "(UNTOC Art. 27(1)(a), (e) and (f))",
    "victim_protection": "identifying, assisting and protecting victims (Palermo Protocol Art. 6, UNTOC Art. 25)",
    "asset_recovery": "identifying, tracing, freezing and confiscating proceeds of crime (UNTOC Art. 13, "
                      "Art. 18(3)(g), Art. 27(1)(b)(ii))",
}
"""The purposes an agreement may permit; a bundle carries one, and the recipient may use its content for that
purpose only (UNTOC Art. 18(19))."""

Use = Literal["evidence", "intelligence"]
USES: dict[Use, str] = {
    "evidence": "may be used as evidence in the investigations and proceedings of the stated purpose",
    "intelligence": "for the stated purpose, but not disclosed in judicial proceedings without the sender's prior "
                    "consent (as Europol's SIENA handling code H1)",
}

Share = Literal["recipient", "recipient_state", "parties"]
SHARES: dict[Share, str] = {
    "recipient": "stays with the recipient agency: no onward sharing without the sender's prior consent "
                 "(as TLP:AMBER+STRICT and SIENA H2)",
    "recipient_state": "the recipient may pass it to competent authorities of its own state (e.g. police to "
                       "prosecutor) for the stated purpose (as TLP:AMBER, with the state as the organisation)",
    "parties": "the recipient may pass it to any party of the agreement that may receive (e.g. the members of a "
               "joint investigation team; as TLP:GREEN with the parties as the community)",
}

Outside = Literal["refused", "prior_consent"]
OUTSIDES: dict[Outside, str] = {
    "refused": "passing it on beyond that circle is refused",
    "prior_consent": "beyond that circle only with the sender's prior consent, recorded before the transfer "
                     "(UNTOC Art. 18(19))",
}

PartyRole = Literal["requesting", "requested", "member", "leader", "party"]
PARTY_ROLES: dict[PartyRole, str] = {
    "requesting": "asks for assistance (the requesting State Party of UNTOC Art. 18)",
    "requested": "gives assistance (the requested State Party of UNTOC Art. 18)",
    "member": "a member of a joint investigation team (UNTOC Art. 19)",
    "leader": "leads a joint investigation team; its state is where the team operates",
    "party": "a party to a cooperation arrangement or memorandum",
}

BasisKind = Literal["instrument", "bilateral_treaty", "jit_agreement", "mou", "national_law"]
BASIS_KINDS: dict[BasisKind, str] = {
    "instrument": "an international instrument in the law library (e.g. untoc): its article is checked there",
    "bilateral_treaty": "a treaty between the parties' states (e.g. a mutual legal assistance treaty)",
    "jit_agreement": "the written agreement setting up a joint investigation team",
    "mou": "a memorandum of understanding or other arrangement between agencies",
    "national_law": "a provision of a party's national law",
}

USE_WORDS: tuple[Use, ...] = get_args(Use)
SHARE_WORDS: tuple[Share, ...] = get_args(Share)


def explain(word: str) -> str:
    """What a vocabulary word of the exchange means (purpose, use, share, outside, party role, basis kind)."""
    for table in (PURPOSES, USES, SHARES, OUTSIDES, PARTY_ROLES, BASIS_KINDS):
        if word in table:
            return table[word]  # type: ignore[index]  # the Literal-keyed tables are read with a plain string
    raise KeyError(word)
