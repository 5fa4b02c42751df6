"""Synthetic 837P batches for the gate tests: hand-written ones and a generator of random layouts.

Every name, member id and NPI here is made up (the NPIs pass the check digit). The generator varies what a
real clearinghouse batch varies: separators and line breaks, interchanges, groups and transactions per file,
billing providers per transaction, subscribers with and without a separate patient, claims per level and
lines per claim.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

NPI_A = "1234567893"
NPI_B = "9876543213"
NPI_C = "1111111112"
NPI_D = "1245319599"


def isa(control: str = "000000001", element: str = "*", component: str = ":", repetition: str = "^") -> str:
    e = element
    return e.join(
        ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SYNTHSUBMIT".ljust(15), "ZZ", "SYNTHRECEIVE".ljust(15)]
        + ["261105", "1200", repetition, "00501", control, "0", "P", component]
    )


def join(segments: list[str], terminator: str = "~", line_break: str = "\n") -> str:
    return "".join(s + terminator + line_break for s in segments)


def claim(
    claim_id: str, lines: list[tuple[str, float, str]], npi: str | None = None, pos: str = "11"
) -> list[str]:
    """CLM + (optional 2310B rendering) + LX/SV1/DTP per line: (code, charge, CCYYMMDD)."""
    total = sum(charge for _code, charge, _dos in lines)
    out = [f"CLM*{claim_id}*{total:.2f}***{pos}:B:1*Y*A*Y*Y", "HI*ABK:I10"]
    if npi:
        out.append(f"NM1*82*1*RENDER*SYNTH****XX*{npi}")
    for number, (code, charge, dos) in enumerate(lines, start=1):
        out += [f"LX*{number}", f"SV1*HC:{code}*{charge:.2f}*UN*1***1", f"DTP*472*D8*{dos}"]
    return out


def header(control: str = "0001") -> list[str]:
    return [
        f"ST*837*{control}*005010X222A1",
        f"BHT*0019*00*B{control}*20261105*1200*CH",
        "NM1*41*2*SYNTH BILLING SERVICE*****46*SUB1",
        "PER*IC*SYNTH CONTACT*TE*5550100",
        "NM1*40*2*SYNTH CLEARINGHOUSE*****46*REC1",
    ]


def billing(hl: str, npi: str, state: str = "TX", child: str = "1") -> list[str]:
    return [
        f"HL*{hl}**20*{child}",
        f"NM1*85*2*SYNTH GROUP {npi[-3:]}*****XX*{npi}",
        f"N4*AUSTIN*{state}*78701",
    ]


def subscriber(hl: str, parent: str, member: str, payer: str = "AET", child: str = "0") -> list[str]:
    return [
        f"HL*{hl}*{parent}*22*{child}",
        "SBR*P*18*******CI",
        f"NM1*IL*1*SYNTHLAST*SYNTHFIRST****MI*{member}",
        f"NM1*PR*2*PAYER {payer}*****PI*{payer}",
    ]


def patient(hl: str, parent: str, name: str) -> list[str]:
    return [f"HL*{hl}*{parent}*23*0", "PAT*19", f"NM1*QC*1*SYNTHLAST*{name}"]


def with_envelope(transactions: list[list[str]], control: str = "000000001") -> list[str]:
    body: list[str] = [isa(control), "GS*HC*SYNTHSUBMIT*SYNTHRECEIVE*20261105*1200*1*X*005010X222A1"]
    for segments in transactions:
        control_number = segments[0].split("*")[2]
        body += segments + [f"SE*{len(segments) + 1}*{control_number}"]
    return body + [f"GE*{len(transactions)}*1", f"IEA*1*{control}"]


# --------------------------------------------------------------------------------------------
# random layouts


@dataclass
class GeneratedClaim:
    claim_id: str
    npi: str
    payer: str
    lines: list[tuple[str, float, str]]
    text: str = ""  # the claim's segments exactly as written (CLM up to the next CLM/HL/SE)


@dataclass
class Generated:
    text: str
    claims: list[GeneratedClaim] = field(default_factory=list)


SEPARATOR_SETS = [("*", ":", "~", "\n"), ("*", ":", "~", ""), ("|", ">", "~", "\r\n"), ("*", "^", "\n", "")]


def generate(
    seed: int, npis=(NPI_A, NPI_B, NPI_C), payers=("AET", "BCBS"), codes=("99213", "99214", "87070")
):
    """A random but valid 837P batch, and the claims it holds in file order."""
    rng = random.Random(seed)
    element, component, terminator, line_break = rng.choice(SEPARATOR_SETS)
    out: list[str] = []
    claims: list[GeneratedClaim] = []

    def seg(text: str) -> str:
        return text.replace("*", element).replace(":", component) + terminator + line_break

    interchanges = rng.randint(1, 2)
    for i in range(interchanges):
        control = f"{100 + i:09d}"
        repetition = "^" if component != "^" else "!"
        out.append(isa(control, element, component, repetition) + terminator + line_break)
        groups = rng.randint(1, 2)
        for g in range(1, groups + 1):
            out.append(seg(f"GS*HC*SYNTHSUBMIT*SYNTHRECEIVE*20261105*1200*{g}*X*005010X222A1"))
            transactions = rng.randint(1, 3)
            for t in range(1, transactions + 1):
                body = [seg(s) for s in header(f"{t:04d}")]
                hl = 0
                for _b in range(rng.randint(1, 3)):
                    hl += 1
                    billing_hl = hl
                    body += [seg(s) for s in billing(str(hl), rng.choice(npis))]
                    for _s in range(rng.randint(1, 3)):
                        hl += 1
                        subscriber_hl = hl
                        payer = rng.choice(payers)
                        with_patient = rng.random() < 0.4
                        body += [
                            seg(s)
                            for s in subscriber(
                                str(hl),
                                str(billing_hl),
                                f"M{len(claims)}",
                                payer,
                                "1" if with_patient else "0",
                            )
                        ]
                        if with_patient:
                            hl += 1
                            body += [seg(s) for s in patient(str(hl), str(subscriber_hl), f"P{len(claims)}")]
                        for _c in range(rng.randint(1, 3)):
                            npi = rng.choice(npis)
                            lines = [
                                (
                                    rng.choice(codes),
                                    float(rng.randint(20, 300)),
                                    f"202610{rng.randint(1, 28):02d}",
                                )
                                for _ in range(rng.randint(1, 3))
                            ]
                            claim_id = f"G{seed}-{len(claims) + 1}"
                            text = "".join(seg(s) for s in claim(claim_id, lines, npi))
                            claims.append(GeneratedClaim(claim_id, npi, payer, lines, text))
                            body.append(text)
                segments = _count(body, terminator)
                body.append(seg(f"SE*{segments + 1}*{t:04d}"))
                out += body
            out.append(seg(f"GE*{transactions}*{g}"))
        out.append(seg(f"IEA*{groups}*{control}"))
    return Generated("".join(out), claims)


def _count(pieces: list[str], terminator: str) -> int:
    return sum(1 for piece in "".join(pieces).split(terminator) if piece.strip())
