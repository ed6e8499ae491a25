"""The words of a request, each defined once with the provision it comes from: the kinds of request, the forms of
assistance of UNTOC Art. 18(3) (and the preservation of stored computer data that a treaty such as the Budapest
Convention provides), the grounds of refusal a drafter pre-empts, the kinds of legal basis, the stages of the
proceedings and the statuses of a request with the changes allowed between them (docs/requests.md).
"""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal["mla", "extradition"]
KINDS: dict[Kind, str] = {
    "mla": "mutual legal assistance in a criminal matter (UNTOC Art. 18)",
    "extradition": "extradition of a person found in the requested state (UNTOC Art. 16)",
}

Form = Literal["taking_evidence", "service_of_documents", "search_seizure_freezing", "examining_objects_sites",
               "information_and_expertise", "documents_and_records", "tracing_proceeds", "voluntary_appearance",
               "other_assistance", "preserving_computer_data"]
FORMS: dict[Form, str] = {
    "taking_evidence": "taking evidence or statements from persons (UNTOC Art. 18(3)(a))",
    "service_of_documents": "effecting service of judicial documents (UNTOC Art. 18(3)(b))",
    "search_seizure_freezing": "executing searches and seizures, and freezing (UNTOC Art. 18(3)(c))",
    "examining_objects_sites": "examining objects and sites (UNTOC Art. 18(3)(d))",
    "information_and_expertise": "providing information, evidentiary items and expert evaluations (UNTOC Art. "
                                 "18(3)(e))",
    "documents_and_records": "providing originals or certified copies of relevant documents and records, including "
                             "government, bank, financial, corporate or business records (UNTOC Art. 18(3)(f))",
    "tracing_proceeds": "identifying or tracing proceeds of crime, property, instrumentalities or other things for "
                        "evidentiary purposes (UNTOC Art. 18(3)(g))",
    "voluntary_appearance": "facilitating the voluntary appearance of persons in the requesting state (UNTOC Art. "
                            "18(3)(h))",
    "other_assistance": "any other type of assistance that is not contrary to the domestic law of the requested "
                        "state (UNTOC Art. 18(3)(i))",
    "preserving_computer_data": "expedited preservation of stored computer data, where a treaty between the states "
                                "provides it (Budapest Convention, Art. 29); under UNTOC alone it is asked as other "
                                "assistance (Art. 18(3)(i))",
}
FORM_LETTERS: dict[Form, str] = {form: letter for form, letter in zip(get_args(Form), "abcdefghii", strict=True)}
"""The letter of UNTOC Art. 18(3) each form falls under (preservation: (i), any other assistance)."""
CONCERN_PERSONS: tuple[Form, ...] = ("taking_evidence", "service_of_documents", "voluntary_appearance")
"""Forms that are about a person: the request says who (by pseudonymous reference)."""

Ground = Literal["not_in_conformity", "essential_interests", "domestic_law_prohibits", "contrary_to_mla_system",
                 "dual_criminality", "fiscal_matters", "bank_secrecy", "discrimination", "nationality"]
GROUNDS: dict[Ground, str] = {
    "not_in_conformity": "the request is not made in conformity with Art. 18 (UNTOC Art. 18(21)(a))",
    "essential_interests": "execution would prejudice the requested state's sovereignty, security, ordre public or "
                           "other essential interests (UNTOC Art. 18(21)(b))",
    "domestic_law_prohibits": "the requested state's law would prohibit the action for a similar domestic offence "
                              "(UNTOC Art. 18(21)(c))",
    "contrary_to_mla_system": "granting the request would be contrary to the requested state's legal system on "
                              "mutual legal assistance (UNTOC Art. 18(21)(d))",
    "dual_criminality": "absence of dual criminality: an optional ground for mutual legal assistance (UNTOC Art. "
                        "18(9)); for extradition the offence must be punishable under both laws (Art. 16(1))",
    "fiscal_matters": "the offence is also considered to involve fiscal matters, which is no ground on its own "
                      "(UNTOC Art. 18(22), Art. 16(15))",
    "bank_secrecy": "bank secrecy, which is no ground for refusing mutual legal assistance (UNTOC Art. 18(8))",
    "discrimination": "the request is made to prosecute or punish a person on account of sex, race, religion, "
                      "nationality, ethnic origin or political opinions (UNTOC Art. 16(14))",
    "nationality": "the person sought is a national of the requested state: if it refuses on that ground alone it "
                   "must submit the case for prosecution at the requesting state's request (UNTOC Art. 16(10))",
}

BasisKind = Literal["untoc", "bilateral_treaty", "multilateral_treaty", "reciprocity", "domestic_law"]
BASIS_KINDS: dict[BasisKind, str] = {
    "untoc": "UNTOC (Art. 18 for assistance, Art. 16 for extradition), with the Protocol's offences as Convention "
             "offences (Palermo Protocol Art. 1): computed from both states' recorded participation",
    "bilateral_treaty": "a treaty between the two states (a mutual legal assistance or extradition treaty), as the "
                        "drafter names it",
    "multilateral_treaty": "another treaty binding both states (e.g. the Budapest Convention for preserving "
                           "computer data), as the drafter names it",
    "reciprocity": "an assurance of reciprocity given by the requesting state, where no treaty applies",
    "domestic_law": "a provision of the requested state's law allowing assistance without a treaty",
}

Stage = Literal["investigation", "prosecution", "judicial_proceedings"]
STAGES: dict[Stage, str] = {
    "investigation": "a criminal investigation",
    "prosecution": "a prosecution",
    "judicial_proceedings": "judicial proceedings (trial or appeal)",
}

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

Status = Literal["draft", "sent", "acknowledged", "executed_in_part", "executed", "refused", "withdrawn"]
STATUSES: dict[Status, str] = {
    "draft": "being written; nothing has left the requesting authority",
    "sent": "transmitted to the requested state's central authority (UNTOC Art. 18(13))",
    "acknowledged": "the requested state confirmed receipt",
    "executed_in_part": "part of the assistance was given; the rest is pending",
    "executed": "the requested state executed the request in full",
    "refused": "the requested state refused, with reasons (UNTOC Art. 18(23))",
    "withdrawn": "the requesting state withdrew the request, e.g. because the assistance is no longer required "
                 "(UNTOC Art. 18(24))",
}
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    "draft": ("sent", "withdrawn"),
    "sent": ("acknowledged", "executed_in_part", "executed", "refused", "withdrawn"),
    "acknowledged": ("executed_in_part", "executed", "refused", "withdrawn"),
    "executed_in_part": ("executed_in_part", "executed", "refused", "withdrawn"),
    "executed": (),
    "refused": (),
    "withdrawn": (),
}
"""The status changes allowed, as a table: a final status (executed, refused, withdrawn) has none."""
