"""The pre-submission gate and exclusion screening at size (issue 12).

1. A synthetic 100,000-claim 837P (20 transactions of 5,000 claims, 1-3 lines each, our own content:
   no real person) against a roster of 200 providers, a tenth of the claims billed by providers who are
   not enrolled with the claim's payer. Target: `gate_file` (parse with segments, judge every line with the
   rule SQL, write the clean batch and the hold report, keep the held claims sealed) in under 3x the time
   of the plain parse (`parse_837`) of the same file. The two are timed alternately in one run (the
   machine is shared), wall clock, best of N each; each gate run starts from a fresh copy of the database.
2. An 80,000-row synthetic LEIE list loaded (`load_list`: read, keep, screen) against a 50-provider roster:
   a figure in seconds (the test suite checks the same size for correctness only).

    .venv/bin/python -m bench.bench_gate [--claims N] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import tempfile
import time
from pathlib import Path

from audits.store import connect

PAYERS = ("AET", "BCBS", "UHC", "CIGNA")
CODES = ("99213", "99214", "99203", "93000", "36415", "85025", "80053", "G0439")


def npi_with_check_digit(base9: str) -> str:
    digits = [int(c) for c in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return base9 + str((10 - total % 10) % 10)


def roster_npis(count: int) -> list[str]:
    return [npi_with_check_digit(f"{123456000 + i:09d}") for i in range(count)]


def build_roster(path: Path, npis: list[str]) -> None:
    """Providers enrolled with every payer but one (a tenth of the claims then hold), licences in force."""
    with connect(path) as con:
        from audits.reference import ensure_reference

        ensure_reference(con)
        for payer in PAYERS:
            con.execute("INSERT INTO payers (payer_id, payer_name) VALUES (?, ?)", [payer, f"Payer {payer}"])
        rows, enrollments, licences = [], [], []
        for i, npi in enumerate(npis):
            rows.append([npi, f"Bench Provider {i}", "TX"])
            licences.append([npi, "state_license", f"L{i}", "TX", "2030-12-31"])
            for j, payer in enumerate(PAYERS):
                if not (i % 10 < 4 and j == i % len(PAYERS)):  # 40% lack one of four payers: ~10% held
                    enrollments.append([npi, payer, "enrolled", "2024-01-01"])
        con.executemany("INSERT INTO providers (npi, provider_name, primary_state) VALUES (?, ?, ?)", rows)
        con.executemany(
            "INSERT INTO enrollments (npi, payer_id, status, effective_date) VALUES (?, ?, ?, CAST(? AS DATE))",
            enrollments,
        )
        con.executemany(
            "INSERT INTO credentials (npi, credential_type, number, state, expiration_date) "
            "VALUES (?, ?, ?, ?, CAST(? AS DATE))",
            licences,
        )


def synthetic_batch(claims: int, npis: list[str], seed: int = 12) -> bytes:
    rng = random.Random(seed)
    out = [
        "ISA*00*          *00*          *ZZ*BENCHSUBMIT    *ZZ*BENCHRECEIVE   *261105*1200*^*00501*000000001*0*P*:~\n",
        "GS*HC*BENCHSUBMIT*BENCHRECEIVE*20261105*1200*1*X*005010X222A1~\n",
    ]
    per_transaction = 5000
    transactions = 0
    for start in range(0, claims, per_transaction):
        transactions += 1
        control = f"{transactions:04d}"
        body = [
            f"ST*837*{control}*005010X222A1~\n",
            f"BHT*0019*00*B{control}*20261105*1200*CH~\n",
            "NM1*41*2*BENCH BILLING*****46*SUB1~\n",
            "NM1*40*2*BENCH CLEARINGHOUSE*****46*REC1~\n",
            "HL*1**20*1~\n",
            f"NM1*85*2*BENCH GROUP*****XX*{npis[0]}~\n",
            "N4*AUSTIN*TX*78701~\n",
        ]
        hl = 1
        for n in range(start, min(start + per_transaction, claims)):
            hl += 1
            payer = rng.choice(PAYERS)
            npi = rng.choice(npis)
            body.append(f"HL*{hl}*1*22*0~\n")
            body.append("SBR*P*18*******CI~\n")
            body.append(f"NM1*IL*1*SYNTHLAST*SYNTHFIRST****MI*M{n:07d}~\n")
            body.append(f"NM1*PR*2*PAYER {payer}*****PI*{payer}~\n")
            lines = [
                (rng.choice(CODES), rng.randint(40, 300), f"202610{rng.randint(1, 28):02d}")
                for _ in range(rng.randint(1, 3))
            ]
            body.append(f"CLM*B{n:07d}*{sum(c for _k, c, _d in lines)}.00***11:B:1*Y*A*Y*Y~\n")
            body.append("HI*ABK:I10~\n")
            body.append(f"NM1*82*1*RENDER*BENCH****XX*{npi}~\n")
            for number, (code, charge, dos) in enumerate(lines, start=1):
                body.append(f"LX*{number}~\nSV1*HC:{code}*{charge}.00*UN*1***1~\nDTP*472*D8*{dos}~\n")
        segments = sum(piece.count("~") for piece in body) + 1
        body.append(f"SE*{segments}*{control}~\n")
        out += body
    out.append(f"GE*{transactions}*1~\nIEA*1*000000001~\n")
    return "".join(out).encode()


def write_leie(path: Path, rows: int, roster: list[str], seed: int = 3) -> None:
    from audits.ingest.exclusions import LEIE_COLUMNS

    rng = random.Random(seed)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    with path.open("w", newline="", encoding="latin-1") as handle:
        writer = csv.writer(handle)
        writer.writerow(LEIE_COLUMNS)
        for i in range(rows):
            last = "".join(rng.choice(letters) for _ in range(8))
            first = "".join(rng.choice(letters) for _ in range(6))
            npi = roster[i % len(roster)] if i % 20_000 == 0 else "0000000000"
            writer.writerow(
                [last, first, "", "", "IND- LIC HC SERV PRO", "NURSE/NURSES AIDE", "", npi, "19700101", "1 MAIN ST",
                 "AUSTIN", rng.choice(["TX", "FL", "CA", "NY"]), "78701", "1128b4", "20250315", "00000000",
                 "00000000", ""]
            )  # fmt: skip


def best_alternating(repeat: int, first, second) -> tuple[list[float], list[float]]:
    a, b = [], []
    for _ in range(repeat):
        a.append(first())
        b.append(second())
    return a, b


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--list-rows", type=int, default=80_000)
    args = parser.parse_args(argv)

    from audits.exclusions import load_list
    from audits.gate import gate_file
    from audits.ingest.x12_837 import parse_837

    work = Path(tempfile.mkdtemp(prefix="bench_gate_"))
    try:
        npis = roster_npis(200)
        template = work / "roster.duckdb"
        build_roster(template, npis)
        data = synthetic_batch(args.claims, npis)
        batch = work / "batch.837"
        batch.write_bytes(data)
        print(f"837P: {args.claims:,} claims, {len(data) / 1e6:.1f} MB")
        held_counts = []

        def plain() -> tuple[float, float]:
            """The plain parse: bytes to the canonical lines frame (what ingest uses)."""
            wall, cpu = time.perf_counter(), time.process_time()
            parsed = parse_837(data, batch.name)
            assert len(parsed.lines) > args.claims
            return time.perf_counter() - wall, time.process_time() - cpu

        def gate() -> tuple[float, float]:
            db = work / "gate.duckdb"
            shutil.copyfile(template, db)
            with connect(db) as con:
                from audits.views import ensure_views

                ensure_views(con)
                wall, cpu = time.perf_counter(), time.process_time()
                result = gate_file(con, batch, work / "clean.837", work / "held.csv")
                elapsed = time.perf_counter() - wall, time.process_time() - cpu
            held_counts.append(len(result.held))
            return elapsed

        parse_times, gate_times = best_alternating(args.repeat, plain, gate)
        ratio = min(t for t, _c in gate_times) / min(t for t, _c in parse_times)
        cpu_ratio = min(c for _t, c in gate_times) / min(c for _t, c in parse_times)
        for label, times in (("plain parse", parse_times), ("gate", gate_times)):
            print(
                f"{label:<12} wall best {min(t for t, _c in times):.2f} s of "
                f"{', '.join(f'{t:.2f}' for t, _c in times)}; CPU best {min(c for _t, c in times):.2f} s"
            )
        print(
            f"held {held_counts[-1]:,} claims; gate / parse = {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU "
            "(target < 3x wall)"
        )

        roster = roster_npis(50)
        list_db = work / "screen.duckdb"
        with connect(list_db) as con:
            con.executemany(
                "INSERT INTO providers (npi, provider_name, primary_state) VALUES (?, ?, 'TX')",
                [[npi, f"Bench Person{i} Name{i}"] for i, npi in enumerate(roster)],
            )
            leie = work / "UPDATED.csv"
            write_leie(leie, args.list_rows, roster)
            began = time.perf_counter()
            result = load_list(con, leie)
            seconds = time.perf_counter() - began
        print(
            f"exclusion list: {args.list_rows:,} rows loaded and {result.screening.providers_checked} providers "
            f"screened in {seconds:.2f} s ({result.screening.npi_matches} NPI matches)"
        )
        return 0 if ratio < 3 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
