"""Recognition by evidence: which source column holds which canonical column, and what a sheet is.

Every (source column, canonical column) pair gets a score in [0, 1] from three kinds of evidence:
- the header's words: the header is split into words whatever its case style (UPPER_SNAKE, camelCase,
  spaces, punctuation, '#', 'No.'), abbreviations are expanded, vendor suffixes dropped, run-together
  words split ('PLACEOFSERVICE'), and the words are compared with the vocabulary's spellings
  (vocabulary/columns.toml) by a weighted overlap in which noise words ('primary', 'code', 'name',
  'date') weigh little and an unknown word may still match as an abbreviation or a misspelling;
- the values under it: the value test of the canonical column (NPI check digit, dates of any SPEC 2
  style, procedure-code classes, ICD-10 shape, money, POS, US states, the status / credential /
  scope / group-code / CARC / RARC words...), passed by what share of a sample of the cells;
- what the database already holds (`Knowledge`): payer names and aliases that resolve, NPIs of
  known providers, claim ids already loaded (the strongest sign of a remittance's claim column).

`assign` then gives each canonical column at most one source column, by the best total score (an exact
assignment, `best_assignment`), keeping each pair's confidence, its evidence and the runner-up.
`read_sheet` finds the header row and reads a sheet as each kind; `classify` ranks the readings, checks
them (a sheet with an NPI and a payer column is not a providers sheet; a providers reading whose NPIs
repeat is wrong) and says which reading it chose, which came second and why.

Decisions:
- A column is mapped only when its score reaches MIN_SCORE (0.3); a pair whose values contradict the
  column's test (under half pass) keeps a low score and a warning, so an analyst's or a header's choice
  of a column of provider names as rendering_npi is loaded only with a warning that says so.
- Two readings of a sheet are "close" when the runner-up's score is within CLOSE_MARGIN (15%) of the
  chosen one's; the reading then carries that as a warning (the CLI prints it, the page asks).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import math
import os
import re
import tomllib
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from audits.ingest import labels as labels_mod
from audits.ingest import normalize as nz

VOCABULARY_DIR = Path(__file__).resolve().parent / "vocabulary"
EXTENSION_ENV = "CLEARTOBILL_VOCABULARY"
MIN_SCORE = 0.3
CLOSE_MARGIN = 0.15
HEADER_SCAN_ROWS = 30
SAMPLE_ROWS = 50
KINDS = ("claims", "remits", "providers", "credentials", "payers", "enrollments", "service_scope")
NOT_LOADED = "not_loaded"  # the vocabulary's columns that exports carry and nothing loads (columns.toml)
ROSTER_TABLES = ("providers", "credentials", "payers", "enrollments", "service_scope")

# SPEC 2 "Required columns"; a tuple means any one of its columns will do.
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "claims": [("claim_id",), ("rendering_npi",), ("payer_id", "payer_name"), ("date_of_service",),
               ("procedure_code",), ("billed_amount",)],
    "remits": [("claim_id",), ("payer_id", "payer_name"),
               ("paid_amount", "adjustment_amount", "adj_amount_1", "carc", "carc_1")],
    # roster tables: the columns that identify the table (sheets.py checks the rest before loading)
    "providers": [("npi",), ("provider_name", "last_name")],
    "credentials": [("npi",), ("credential_type",)],
    "payers": [("payer_id",), ("payer_name",)],
    "enrollments": [("npi",), ("payer", "payer_id"), ("status",)],
    "service_scope": [("npi",), ("payer", "payer_id"), ("code_from", "code")],
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# the vocabulary (data files + a practice's extension loaded on top)


@dataclass(frozen=True)
class ColumnSpec:
    kind: str
    name: str  # canonical column; for numbered columns the family ('diagnosis_n')
    values: str  # value test name
    weight: float
    count: int  # 0 = not numbered
    phrases: tuple[tuple[str, ...], ...]  # spellings as word tuples

    def canonical(self, number: int | None) -> str:
        return f"{self.name[:-2]}_{number}" if self.count and number else self.name


@dataclass
class Vocabulary:
    abbreviations: dict[str, tuple[str, ...]]
    noise: dict[str, float]
    suffixes: frozenset[str]
    columns: dict[str, dict[str, ColumnSpec]]
    known_words: frozenset[str] = frozenset()
    sources: list[str] = field(default_factory=list)  # files loaded, in order
    labels: labels_mod.Labels | None = (
        None  # words of values and of a sheet's layout ([labels], [sheet_words])
    )
    _matches: dict = field(default_factory=dict, repr=False)  # (words, kind, column) -> HeaderMatch
    _spec_words: dict = field(default_factory=dict, repr=False)  # (kind, column) -> its spellings' words
    _by_letter: dict = field(default_factory=dict, repr=False)  # first letter -> known words
    _words: dict = field(default_factory=dict, repr=False)  # header text -> words

    # ---- words of a header

    def weight(self, word: str) -> float:
        found = self.noise.get(word)
        if found is not None:
            return found
        return 0.3 if word.isdigit() else 1.0

    def words(self, header: object) -> tuple[str, ...]:
        text = header if isinstance(header, str) else (nz.cell_text(header) or "")
        found = self._words.get(text)
        if found is None:
            if len(self._words) > 100_000:
                self._words.clear()
            found = self._words[text] = _header_words(self, text)
        return found

    def spec(self, kind: str, canonical: str) -> ColumnSpec | None:
        specs = self.columns.get(kind, {})
        if canonical in specs:
            return specs[canonical]
        match = re.fullmatch(r"(.+)_(\d+)", canonical)
        if match and f"{match.group(1)}_n" in specs:
            spec = specs[f"{match.group(1)}_n"]
            if 1 <= int(match.group(2)) <= spec.count:
                return spec
        return None

    def canonical_columns(self, kind: str) -> list[str]:
        out = []
        for spec in self.columns.get(kind, {}).values():
            out += [spec.canonical(n) for n in range(1, spec.count + 1)] if spec.count else [spec.name]
        return out


def _read_toml(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def extension_path() -> Path | None:
    """The practice's vocabulary file: $CLEARTOBILL_VOCABULARY, else data/vocabulary.toml when present."""
    from audits.config import DATA_DIR

    env = os.environ.get(EXTENSION_ENV)
    if env:
        return Path(env)
    default = DATA_DIR / "vocabulary.toml"
    return default if default.exists() else None


def load_vocabulary(extra: Iterable[Path] = ()) -> Vocabulary:
    """The shipped vocabulary (vocabulary/*.toml) with each extra file's words added on top."""
    files = [VOCABULARY_DIR / "words.toml", VOCABULARY_DIR / "columns.toml", *extra]
    abbreviations: dict[str, str] = {}
    noise: dict[str, float] = {}
    suffixes: set[str] = set()
    raw_columns: dict[str, dict[str, dict]] = {}
    label_files: list[tuple[str, dict]] = []
    for path in files:
        data = _read_toml(Path(path))
        label_files.append(
            (Path(path).name, {"labels": data.pop("labels", {}), "sheet_words": data.pop("sheet_words", {})})
        )
        abbreviations.update({str(k).lower(): str(v) for k, v in data.pop("abbreviations", {}).items()})
        noise.update({str(k).lower(): float(v) for k, v in data.pop("noise", {}).items()})
        suffixes |= {str(w).lower() for w in data.pop("suffixes", {}).get("words", [])}
        data.pop("sources", None)
        for kind, columns in data.items():
            if not isinstance(columns, dict):
                continue
            for name, entry in columns.items():
                if not isinstance(entry, dict):
                    continue
                into = raw_columns.setdefault(kind, {}).setdefault(name, {"words": []})
                for key, value in entry.items():
                    if key == "words":
                        into["words"] += [str(w) for w in value]
                    else:
                        into[key] = value
    # One vocabulary for every kind: a claims export and a remittance export name their shared columns
    # alike (the claim, its line, payer, procedure, charge), so each learns the other's spellings.
    # A spelling that already names another column of the receiving kind is not learned ('Patient
    # Account Number' is a remittance's claim id but a claims export's patient).
    taken = {
        kind: {w.lower(): name for name, entry in raw_columns.get(kind, {}).items() for w in entry["words"]}
        for kind in ("claims", "remits")
    }
    shared = {
        name: (raw_columns["claims"][name]["words"], raw_columns["remits"][name]["words"])
        for name in _SHARED_EXPORT_COLUMNS
        if name in raw_columns.get("claims", {}) and name in raw_columns.get("remits", {})
    }
    for name, (claims_words, remits_words) in shared.items():
        for kind, into, other in (
            ("claims", claims_words, remits_words),
            ("remits", remits_words, claims_words),
        ):
            into += [w for w in other if taken[kind].get(w.lower(), name) == name and w not in into]
    vocabulary = Vocabulary(
        {k: tuple(v.lower().split()) for k, v in abbreviations.items()},
        noise,
        frozenset(suffixes),
        {},
        sources=[str(p) for p in files],
        labels=labels_mod.build(label_files),
    )
    # Known words: every word of every spelling, plus what abbreviations expand to (for splitting
    # run-together headers and for telling an unknown word from a known different one).
    known: set[str] = set()
    for expansion in vocabulary.abbreviations.values():
        known |= set(expansion)
    known |= {k for k in vocabulary.abbreviations if len(k) >= 3}
    for columns in raw_columns.values():
        for entry in columns.values():
            for spelling in entry["words"]:
                known |= set(re.findall(r"[a-z0-9]+", spelling.lower()))
    vocabulary.known_words = frozenset(w for w in known if not w.isdigit())
    for word in vocabulary.known_words:
        vocabulary._by_letter.setdefault(word[0], []).append(word)
    for kind, columns in raw_columns.items():
        specs = {}
        for name, entry in columns.items():
            count = int(entry.get("count", 0))
            phrases = tuple(dict.fromkeys(vocabulary.words(w) for w in entry["words"] if vocabulary.words(w)))
            specs[name] = ColumnSpec(
                kind, name, str(entry.get("values", "text")), float(entry.get("weight", 1.0)), count, phrases
            )
        vocabulary.columns[kind] = specs
        for name, spec in specs.items():
            vocabulary._spec_words[(kind, name)] = frozenset(w for phrase in spec.phrases for w in phrase)
    return vocabulary


_SHARED_EXPORT_COLUMNS = ("claim_id", "line_no", "patient_id", "patient_name", "patient_first_name",
                          "patient_last_name", "patient_dob", "payer_id", "payer_name", "procedure_code",
                          "billed_amount", "date_of_service", "rendering_npi")  # fmt: skip


@functools.lru_cache(maxsize=8)
def _cached_vocabulary(extension: str | None, stamp: float) -> Vocabulary:
    return load_vocabulary([Path(extension)] if extension else [])


def vocabulary() -> Vocabulary:
    """The vocabulary in force: shipped files + the practice's extension (re-read when it changes)."""
    path = extension_path()
    if path is not None and path.exists():
        found = _cached_vocabulary(str(path), path.stat().st_mtime)
    else:
        found = _cached_vocabulary(None, 0.0)
    labels_mod.activate(found.labels)
    return found


# ---- splitting a header into words

_ORDINAL = re.compile(r"\b(\d)\s*(st|nd|rd|th)\b")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "first": "1", "second": "2",
                 "third": "3", "fourth": "4"}  # fmt: skip
_POSITION_WORDS = {"primary": 1, "secondary": 2, "tertiary": 3, "quaternary": 4}
_LETTERS = {letter: str(n) for n, letter in enumerate("abcdefghijkl", start=1)}
_LETTERED = frozenset({"diagnosis", "modifier"})  # columns lettered A-L (the CMS-1500's box 21 diagnoses)
_JOINED = {("icd", "10"): "icd10", ("icd", "9"): "icd9", ("cpt", "4"): "cpt4", ("type", "1"): "type1",
           ("type", "2"): "type2"}  # fmt: skip


def _raw_words(text: str) -> list[str]:
    text = text.replace("#", " number ").replace("&", " and ").replace("_", " ")
    text = re.sub(r"(?i)\bno\.", " number ", text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # camelCase
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)  # NPIDate -> NPI Date
    text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)
    text = _ORDINAL.sub(r"\1", text.lower())
    words = re.findall(r"[a-z0-9]+", text)
    out: list[str] = []
    for word in words:
        if out and (out[-1], word) in _JOINED:
            out[-1] = _JOINED[(out[-1], word)]
        else:
            out.append(word)
    return out


def _split_joined(word: str, known: frozenset[str]) -> list[str] | None:
    """'placeofservice' -> ['place', 'of', 'service'] when the word is run-together known words."""
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 14), end):
            piece = word[start:end]
            if best[start] is not None and (piece in known or piece in {"of", "to", "on", "id"}):
                candidate = [*best[start], piece]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[n] if best[n] and len(best[n]) > 1 else None


def _follows_lettered(words: list[str]) -> bool:
    """'Diagnosis B', 'Dx Code C', 'Modifier A': a letter after these words is the column's position."""
    head = words[:-1] if words[-1:] == ["code"] else words
    return bool(head) and head[-1] in _LETTERED


def _header_words(vocab: Vocabulary, text: str) -> tuple[str, ...]:
    words: list[str] = []
    for word in _raw_words(text):
        if word in vocab.abbreviations:
            words += vocab.abbreviations[word]
        elif word in _NUMBER_WORDS and words:
            words.append(_NUMBER_WORDS[word])
        elif (
            len(word) >= 7
            and word not in vocab.known_words
            and (parts := _split_joined(word, vocab.known_words))
        ):
            for part in parts:
                words += vocab.abbreviations.get(part, (part,))
        elif word in _LETTERS and _follows_lettered(words):
            words.append(_LETTERS[word])  # 'Diagnosis B', 'Modifier A': a numbered column's letter
        else:
            words.append(word)
    while len(words) > 1 and words[-1] in vocab.suffixes:
        words.pop()
    return tuple(w for w in words if vocab.noise.get(w, 1.0) > 0)


# --------------------------------------------------------------------------------------------
# header evidence


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


@functools.lru_cache(maxsize=65536)
def _word_match(word: str, target: str, known: bool) -> float:
    """How well a header word stands for a vocabulary word: 1 same, ~0.75 an abbreviation or a
    misspelling of it, 0 otherwise (a known word never stands for another known word)."""
    if word == target:
        return 1.0
    if known or word.isdigit() or target.isdigit() or len(word) < 3:
        return 0.0
    if word[0] != target[0]:
        return 0.0
    if len(word) < len(target) and _is_subsequence(word, target):
        return 0.75
    if len(target) >= 3 and word.startswith(target):
        return 0.8  # an inflection: 'highest' for 'high', 'lowest' for 'low'
    common = len(os.path.commonprefix([word, target]))
    if common >= 5 and common >= 0.6 * min(len(word), len(target)):
        return 0.7  # one stem: 'insurer' for 'insurance'
    if len(word) >= 4 and abs(len(word) - len(target)) <= 3:
        ratio = difflib.SequenceMatcher(None, word, target).ratio()
        if ratio >= 0.8:
            return round(0.9 * ratio, 3)
    return 0.0


def _reachable(vocab: Vocabulary, words: tuple[str, ...]) -> frozenset[str]:
    """The vocabulary words a header's words are, or may stand for (abbreviations, misspellings)."""
    key = ("reach", words)
    found = vocab._matches.get(key)
    if found is None:
        out = set(words)
        for word in words:
            if word not in vocab.known_words and not word.isdigit() and len(word) >= 3:
                out |= _candidates(vocab, word)
        found = vocab._matches[key] = frozenset(out)
    return found


def _candidates(vocab: Vocabulary, word: str) -> set[str]:
    key = ("word", word)
    found = vocab._matches.get(key)
    if found is None:
        found = vocab._matches[key] = {
            t for t in vocab._by_letter.get(word[0], ()) if _word_match(word, t, False) > 0
        }
    return found


def phrase_score(vocab: Vocabulary, words: tuple[str, ...], phrase: tuple[str, ...]) -> float:
    """Weighted Dice overlap of a header's words with one spelling's words. A noise word weighs little
    when the header has it extra ('Primary Payer Name' is still the payer name), but a spelling's word
    that the header lacks always counts ('Payer' is not 'Payer Code')."""
    if not words or not phrase:
        return 0.0
    if words == phrase:
        return 1.0
    overlap = 0.0
    phrase_total = 0.0
    used: set[int] = set()
    for target in phrase:
        weight = vocab.weight(target)
        best, at = 0.0, None
        for i, word in enumerate(words):
            if i in used:
                continue
            match = _word_match(word, target, word in vocab.known_words)
            if match > best:
                best, at = match, i
        if at is not None:
            used.add(at)
            overlap += best * weight
            phrase_total += weight
        else:
            phrase_total += max(weight, 0.8)
    total = sum(vocab.weight(w) for w in words) + phrase_total
    if total == 0:
        return 0.0
    return min(2 * overlap / total, 0.97)  # only the exact spelling scores 1


@dataclass(frozen=True)
class HeaderMatch:
    score: float
    spelling: str  # the vocabulary spelling that matched best
    number: int | None  # for numbered columns


def header_match(vocab: Vocabulary, header: object, spec: ColumnSpec) -> HeaderMatch:
    return _header_match(vocab, vocab.words(header), spec)


def _header_match(vocab: Vocabulary, words: tuple[str, ...], spec: ColumnSpec) -> HeaderMatch:
    key = (words, spec.kind, spec.name)
    found = vocab._matches.get(key)
    if found is None:
        found = vocab._matches[key] = _header_match_uncached(vocab, words, spec)
    return found


def _header_match_uncached(vocab: Vocabulary, words: tuple[str, ...], spec: ColumnSpec) -> HeaderMatch:
    if not words:
        return HeaderMatch(0.0, "", None)
    number = None
    if spec.count:
        # the number of a numbered column: the last number among its words ('DX_CD_1', 'HCPCS_1ST_MDFR_CD'),
        # else one position word: primary / secondary / tertiary ('Secondary Dx'); a letter after a
        # numbered column's word is its number already (_header_words: 'Diagnosis B')
        at = next((i for i in range(len(words) - 1, -1, -1) if words[i].isdigit()), None)
        if at is None:
            places = [i for i, w in enumerate(words) if w in _POSITION_WORDS]
            if len(places) != 1 or len(words) < 2:
                return HeaderMatch(0.0, "", None)
            at = places[0]
            position = _POSITION_WORDS[words[at]]
        else:
            position = int(words[at])
        if not 1 <= position <= spec.count:
            return HeaderMatch(0.0, "", None)
        number, words = position, words[:at] + words[at + 1 :]
    best = HeaderMatch(0.0, "", number)
    reachable = _reachable(vocab, words)
    own = vocab._spec_words[(spec.kind, spec.name)]
    if not reachable & own:
        return best  # no word of the header is, or may stand for, a word of this column's spellings
    for phrase in spec.phrases:
        score = phrase_score(vocab, words, phrase)
        if 0 < score < 1.0:
            setting = _distinctive(vocab, spec, phrase)
            if setting and not reachable & setting:
                # the header has only the words this spelling shares with other columns of the kind, and
                # none of those that set it apart ('Provider Legal Name' is not 'Provider Last Name (Legal
                # Name)': it lacks 'last')
                score *= 0.8
        if score > best.score:
            best = HeaderMatch(score, " ".join(phrase), number)
            if score == 1.0:
                break
    if 0 < best.score < 0.95:
        # a header word the best spelling lacks but another spelling of the same column has ('Issuing' of
        # 'Issuing State' in 'Issuing Jurisdiction') backs the column a little, where an unknown one does not
        matched = set(best.spelling.split())
        backing = {w for w in words if w not in matched and w in own and vocab.weight(w) >= 1.0}
        if backing:
            best = HeaderMatch(min(best.score + 0.02 * min(len(backing), 2), 0.95), best.spelling, number)
    return best


def _distinctive(vocab: Vocabulary, spec: ColumnSpec, phrase: tuple[str, ...]) -> frozenset[str]:
    """The deciding words of one spelling that no other column of its kind uses (noise words aside)."""
    key = ("distinct", spec.kind, spec.name, phrase)
    found = vocab._matches.get(key)
    if found is None:
        others: set[str] = set()
        for name in vocab.columns.get(spec.kind, {}):
            if name != spec.name:
                others |= vocab._spec_words[(spec.kind, name)]
        found = vocab._matches[key] = frozenset(
            w for w in phrase if w not in others and vocab.weight(w) >= 1.0 and not w.isdigit()
        )
    return found


# --------------------------------------------------------------------------------------------
# value evidence: each test gives the share of a sample of cells that pass it

_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP".split()
)
_DATE_TEXT = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}[/-]\d{1,2}[/-](\d{2}|\d{4})"
    r"( \d{1,2}:\d{2}(:\d{2})?( ?[AaPp][Mm])?)?|(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01]))$"
)
_MONEY = re.compile(r"^\(?-?\$?\s?-?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?\)?-?$|^\(?-?\$?\d*\.\d{1,2}\)?$")
_PROCEDURE = re.compile(r"^(\d{5}|\d{4}[FTU]|[A-V]\d{4})$")
_COMPOSITE = re.compile(r"^(HC|AD|ER|IV|N4|WK|NU|HP|ZZ)[:>][0-9A-Z]{5}([:>][0-9A-Z]{2})*$")
_ICD10 = re.compile(r"^[A-Z]\d[0-9A-Z](\.?[0-9A-Z]{1,4})?$")
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
_TAXONOMY = re.compile(r"^\d{3}[0-9A-Z]{6}X$")
_RARC = re.compile(r"^(MA|M|N)\d{1,3}$")
_CARC_ITEM = re.compile(r"^(?:(CO|PR|OA|PI|CR)\s*[-: ]?\s*)?(\d{1,3}|[A-Z]\d{1,2})(\s.*)?$")
_LIST = re.compile(r"[,;|/\s]+")
_PERSON = re.compile(r"^[A-Za-z][A-Za-z'.\-]*(,?\s+[A-Za-z][A-Za-z'.\-]*)+,?\s*(MD|DO|NP|PA|PA-C|RN)?\.?$")
_IDENTIFIER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_./:]{0,39}$")


def npi_valid(text: str | None) -> bool:
    """10 digits whose last is the Luhn check digit over '80840' + the first 9 (CMS NPI standard)."""
    if text is None or len(text) != 10 or not text.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + text)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


@functools.lru_cache(maxsize=1)
def _reference_codes() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(POS codes, CARCs, RARCs) of the shipped reference tables."""
    from audits.config import REFERENCE_DIR

    pos = frozenset(pd.read_csv(REFERENCE_DIR / "pos_codes.csv", dtype=str)["code"].str.zfill(2))
    codes = pd.read_csv(REFERENCE_DIR / "carc_codes.csv", dtype=str)
    carc = frozenset(codes.loc[codes["code_type"] == "CARC", "code"].str.upper())
    rarc = frozenset(codes.loc[codes["code_type"] == "RARC", "code"].str.upper())
    return pos, carc, rarc


_TEXTS: dict[tuple, str] = {}


def _text(value: object) -> str:
    """A cell as text (memoised: the same cells are put to many tests)."""
    try:
        key = (type(value), value)
        found = _TEXTS.get(key)
    except TypeError:  # an unhashable cell
        return nz.cell_text(value) or ""
    if found is None:
        if len(_TEXTS) > 200_000:
            _TEXTS.clear()
        found = _TEXTS[key] = nz.cell_text(value) or ""
    return found


def _t_npi(value: object) -> float:
    return 1.0 if npi_valid(re.sub(r"[\s-]", "", _text(value))) else 0.0


def _t_date(value: object) -> float:
    if isinstance(value, (dt.date, pd.Timestamp)):
        return 1.0
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return 0.5 if 32874 <= float(value) <= 73051 else 0.0  # an Excel serial in 1990-2099, or a number
    text = _text(value)
    if not _DATE_TEXT.match(text):
        return 0.0
    parsed, reason = nz._date_or_reason(text)
    return 1.0 if parsed is not None and reason is None else 0.0


def _t_money(value: object) -> float:
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, (int, float, np.integer, np.floating)):
        return 0.0 if isinstance(value, float) and math.isnan(value) else 1.0
    return 1.0 if _MONEY.match(_text(value).replace(" ", "")) else 0.0


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = _text(value)
    return float(text) if re.fullmatch(r"\d+(\.\d+)?", text) else None


def _t_line_number(value: object) -> float:
    if isinstance(value, str) and "." in value:
        return 0.0  # '120.00' is an amount, never a line number
    number = _number(value)
    return 1.0 if number is not None and number.is_integer() and 1 <= number <= 999 else 0.0


def _t_units(value: object) -> float:
    number = _number(value)
    return 1.0 if number is not None and 0 <= number <= 9999 else 0.0


def _status_word(text: str) -> bool:
    """A status word of SPEC 4 (claim, enrollment, provider or scope status: 'Paid', 'Denied',
    'Participating', 'Pending - hold claims', 'Active', 'Approved'; the vocabulary's [labels]): a value
    that states, never one that identifies. Codes of digits and one- or two-letter words ('1', 'Y', 'PR')
    are left out: ids look so too."""
    key = labels_mod.label_key(text)
    if len(key) < 3 or key.isdigit():
        return False
    return labels_mod.active().is_status_word(key)


def _t_identifier(value: object) -> float:
    if isinstance(value, (dt.date, pd.Timestamp)):
        return 0.0
    text = _text(value)
    return 1.0 if _IDENTIFIER.match(text) and not _status_word(text) else 0.0


def _t_text(value: object) -> float:
    if isinstance(value, (dt.date, pd.Timestamp, int, float, np.integer, np.floating)):
        return 0.0
    text = _text(value)
    return 1.0 if re.search(r"[A-Za-z]{2}", text) else 0.0


def _t_person(value: object) -> float:
    text = _text(value)
    if _status_word(text):
        return 0.0
    return (
        1.0
        if len(text) <= 60 and _PERSON.match(text)
        else (0.5 if re.fullmatch(r"[A-Za-z'\-]{2,}", text) else 0.0)
    )


def _t_procedure(value: object) -> float:
    text = _text(value).upper().replace(" ", "")
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
        text = text.zfill(5) if 100 <= value <= 99999 else text  # a CPT code that lost its leading zeros
    return 1.0 if _PROCEDURE.match(text) or _COMPOSITE.match(text) else 0.0


def _items(value: object) -> list[str]:
    return [p for p in _LIST.split(_text(value).upper()) if p]


def _t_icd10(value: object) -> float:
    text = _text(value).upper().replace(" ", "")
    return 1.0 if _ICD10.match(text) and not _PROCEDURE.match(text) else 0.0


def _t_icd10_list(value: object) -> float:
    items = _items(value)
    return 1.0 if items and all(_ICD10.match(i) and not _PROCEDURE.match(i) for i in items) else 0.0


def _t_modifier(value: object) -> float:
    text = _text(value).upper()
    return 1.0 if _MODIFIER.match(text) and not text.isdigit() or re.fullmatch(r"\d{2}", text) else 0.0


def _t_modifier_list(value: object) -> float:
    items = _items(value)
    return 1.0 if items and all(_MODIFIER.match(i) for i in items) else 0.0


def _pos_code(text: str) -> bool:
    pos, _carc, _rarc = _reference_codes()
    text = text.split(".")[0] if re.fullmatch(r"\d{1,2}(\.0+)?", text) else text
    return text.isdigit() and len(text) <= 2 and text.zfill(2) in pos


def _t_pos(value: object) -> float:
    return 1.0 if _pos_code(_text(value)) else 0.0


def _t_pos_list(value: object) -> float:
    items = _items(value)
    if [i.lower() for i in items] in (["any"], ["all"], ["*"]):
        return 1.0
    return 1.0 if items and all(_pos_code(i) for i in items) else 0.0


def _t_state(value: object) -> float:
    return 1.0 if _text(value).upper() in _US_STATES else 0.0


def _t_taxonomy(value: object) -> float:
    return 1.0 if _TAXONOMY.match(_text(value).upper()) else 0.0


def _t_carc(value: object) -> float:
    _pos, carcs, _rarc = _reference_codes()
    pieces = [p.strip() for p in re.split(r"[,;|]", _text(value).upper()) if p.strip()]
    if not pieces:
        return 0.0
    items = nz._adjustment_items(value)
    if items:
        codes = [code for _group, code in items]
    else:
        matches = [_CARC_ITEM.match(piece) for piece in pieces]
        if not all(matches):
            return 0.0
        codes = [m.group(2) for m in matches]
    for code in codes:
        if (
            code not in carcs
            and not (code.isdigit() and 1 <= int(code) <= 299)
            and not re.fullmatch(r"[A-Z]\d{1,2}", code)
        ):
            return 0.0
    return 1.0


def _t_rarc(value: object) -> float:
    items = _items(value)
    return 1.0 if items and all(_RARC.match(i) for i in items) else 0.0


def _t_group(value: object) -> float:
    return 1.0 if nz._group(value) is not None else 0.0


def _t_claim_status(value: object) -> float:
    return 1.0 if nz._label_key(value) in labels_mod.active().claim else 0.0


def _t_enrollment_status(value: object) -> float:
    return 1.0 if nz._enrollment(value) is not None else 0.0


def _t_credential(value: object) -> float:
    return 1.0 if nz._credential(value) not in (None, "other") else 0.0


def _t_scope(value: object) -> float:
    return 1.0 if nz._label_key(value) in labels_mod.active().scope else 0.0


def _t_provider_status(value: object) -> float:
    return 1.0 if nz._label_key(value) in labels_mod.active().provider else 0.0


def payer_word(text: str) -> bool:
    """Whether a name has a word that makes it a payer's ('Prairie Health'; the vocabulary's
    [sheet_words.payer_name_words])."""
    return bool(labels_mod.active().payer_words.search(text))


def _t_payer(value: object) -> float:
    text = _text(value)
    if text.lower() in ("*", "all", "any", "all payers", "all plans"):
        return 1.0
    if not _t_text(value) or _status_word(text):
        return 0.0
    return 1.0 if payer_word(text) else 0.5  # a name; more likely a payer's with a payer word


def _t_payer_id(value: object) -> float:
    text = _text(value)
    if _status_word(text):
        return 0.0  # 'Paid', 'Denied': a determination, not the payer that made it
    return 1.0 if len(text) <= 24 and re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z\-_. ]*", text) else 0.0


# name -> (test, specific). A specific test is one that few other columns pass (NPI check digit,
# ICD-10 shape): passing it is strong evidence and failing it is a contradiction.
VALUE_TESTS: dict[str, tuple] = {
    "npi": (_t_npi, True),
    "date": (_t_date, True),
    "money": (_t_money, False),
    "line_number": (_t_line_number, False),
    "units": (_t_units, False),
    "identifier": (_t_identifier, False),
    "text": (_t_text, False),
    "person_name": (_t_person, False),
    "payer": (_t_payer, False),
    "payer_id": (_t_payer_id, False),
    "aliases": (_t_text, False),
    "procedure": (_t_procedure, True),
    "icd10": (_t_icd10, True),
    "icd10_list": (_t_icd10_list, True),
    "modifier": (_t_modifier, True),
    "modifier_list": (_t_modifier_list, True),
    "pos": (_t_pos, True),
    "pos_list": (_t_pos_list, True),
    "state": (_t_state, True),
    "taxonomy": (_t_taxonomy, True),
    "carc": (_t_carc, True),
    "rarc": (_t_rarc, True),
    "group_code": (_t_group, True),
    "claim_status": (_t_claim_status, True),
    "enrollment_status": (_t_enrollment_status, True),
    "credential_type": (_t_credential, True),
    "scope_approved": (_t_scope, True),
    "provider_status": (_t_provider_status, True),
}
VALUE_LABELS = {
    "npi": "valid NPIs (check digit)", "date": "dates", "money": "amounts", "line_number": "line numbers",
    "units": "unit counts", "identifier": "identifiers", "text": "text", "person_name": "person names",
    "payer": "payer names", "payer_id": "payer ids", "aliases": "names", "procedure": "procedure codes",
    "icd10": "ICD-10 codes", "icd10_list": "ICD-10 codes", "modifier": "modifiers",
    "modifier_list": "modifier lists", "pos": "place-of-service codes", "pos_list": "place-of-service lists",
    "state": "US states", "taxonomy": "taxonomy codes", "carc": "adjustment reason codes",
    "rarc": "remark codes", "group_code": "group codes", "claim_status": "claim status words",
    "enrollment_status": "enrollment status words", "credential_type": "credential types",
    "scope_approved": "approved / excluded words", "provider_status": "provider status words",
}  # fmt: skip


_TEST_CACHE: dict[tuple, float] = {}  # (test, cell type, cell) -> share passed
labels_mod._ON_CHANGE.append(_TEST_CACHE.clear)  # other labels in force: status tests answer otherwise


@dataclass
class ColumnValues:
    """A sample of one source column's non-blank cells, with each test's share computed once."""

    cells: list
    rows: int  # data rows sampled (blank cells included)
    _shares: dict[str, float] = field(default_factory=dict)
    _distinct: list | None = None  # (a cell, how many cells are equal to it)

    def distinct(self) -> list[tuple[object, int]]:
        if self._distinct is None:
            counts: dict[tuple, list] = {}
            for cell in self.cells:
                key = (type(cell).__name__, cell if isinstance(cell, (str, int, float)) else str(cell))
                entry = counts.get(key)
                if entry is None:
                    counts[key] = [cell, 1]
                else:
                    entry[1] += 1
            distinct = sorted(counts.values(), key=lambda entry: -entry[1])
            if len(distinct) > 30:  # the 30 most frequent cells stand for the rest, in proportion
                kept = distinct[:30]
                scale = len(self.cells) / sum(n for _c, n in kept)
                distinct = [[c, n * scale] for c, n in kept]
            self._distinct = [(cell, n) for cell, n in distinct]
        return self._distinct

    @property
    def short_numbers(self) -> bool:
        """Every sampled cell a number of one to four digits (counts, line numbers, codes like 11 or 45)."""
        return bool(self.cells) and all(
            re.fullmatch(r"\d{1,4}(\.0+)?", _text(v)) for v, _n in self.distinct()
        )

    @property
    def counter(self) -> bool:
        """Small whole numbers counting from 1 (a line sequence, a unit count: 1, 2, 1, 1, 3): 1 is the
        most common value, none is above 99 or has a fraction. Such a column is never money."""
        if len(self.cells) < 3:
            return False
        counts: dict[float, float] = {}
        for cell, n in self.distinct():
            if isinstance(cell, str) and "." in cell:
                return False  # '1.00' is written as an amount
            number = _number(cell)
            if number is None or not number.is_integer() or not 0 <= number <= 99:
                return False
            counts[number] = counts.get(number, 0) + n
        return max(counts, key=lambda k: (counts[k], -k)) == 1

    @property
    def running(self) -> bool:
        """A running number (B7000, B7001, B7002...): five cells or more in row order, one prefix, each
        number the one before plus one - ids handed out in turn, never codes of a code set."""
        if len(self.cells) < 5:
            return False
        parts = [re.fullmatch(r"([A-Za-z]*)(\d+)", _text(v)) for v in self.cells]
        if not all(parts) or len({p.group(1).upper() for p in parts}) != 1:
            return False
        numbers = [int(p.group(2)) for p in parts]
        return all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))

    @property
    def whole_names(self) -> float:
        """Share of the sampled cells that are a whole person's name: two words or more ('Ana Alvarez'), or
        'Last, First' - what a first- or last-name column seldom holds."""
        if not self.cells:
            return 0.0
        whole = sum(
            n for cell, n in self.distinct() if len(re.findall(r"[A-Za-z][A-Za-z'\-]+", _text(cell))) >= 2
        )
        return whole / len(self.cells)

    @property
    def fractional(self) -> bool:
        """Some cell is a number with a fraction (45.5): amounts or measures, never line numbers."""
        return any(
            (number := _number(cell)) is not None and not number.is_integer() for cell, _n in self.distinct()
        )

    @property
    def distinct_share(self) -> float:
        if not self.cells:
            return 1.0
        return len({_text(v) for v, _n in self.distinct()}) / len(self.cells)

    def texts(self) -> list[str]:
        return [_text(v) for v in self.cells]

    def share(self, test: str) -> float | None:
        """Share of the sampled cells passing the test, None when the column has no values."""
        if not self.cells:
            return None
        if test not in self._shares:
            function = VALUE_TESTS[test][0]
            total = 0.0
            for cell, n in self.distinct():
                key = (test, type(cell), cell)
                try:
                    passed = _TEST_CACHE.get(key)
                except TypeError:  # an unhashable cell
                    passed, key = None, None
                if passed is None:
                    passed = function(cell)
                    if key is not None:
                        if len(_TEST_CACHE) > 200_000:
                            _TEST_CACHE.clear()
                        _TEST_CACHE[key] = passed
                total += passed * n
            self._shares[test] = total / len(self.cells)
        return self._shares[test]


# --------------------------------------------------------------------------------------------
# what the database already holds


@dataclass
class Knowledge:
    """Facts from the database that help recognition; empty when there is no database."""

    payer_keys: frozenset[str] = frozenset()
    npis: frozenset[str] = frozenset()
    claim_ids: object = None  # callable(list[str]) -> set of those already in claim_lines
    payer_ids: frozenset[str] = frozenset()  # payer ids alone (payer_keys holds ids, names and aliases)
    _known_claims: dict = field(default_factory=dict, repr=False)  # cell text -> already a claim id

    @classmethod
    def from_database(cls, con) -> Knowledge:
        def rows(sql: str) -> list:
            try:
                return con.execute(sql).fetchall()
            except Exception:  # noqa: BLE001 - an older database without the table: no evidence from it
                return []

        keys: set[str] = set()
        ids: set[str] = set()
        for payer_id, name, aliases in rows("SELECT payer_id, payer_name, aliases FROM payers"):
            if nz.payer_key(payer_id):
                ids.add(nz.payer_key(payer_id))
            for spelling in [payer_id, name, *str(aliases or "").split("|")]:
                if nz.payer_key(spelling):
                    keys.add(nz.payer_key(spelling))
        keys |= {nz.payer_key(r[0]) for r in rows("SELECT alias_norm FROM payer_aliases") if r[0]}
        npis = frozenset(str(r[0]) for r in rows("SELECT npi FROM providers") if r[0])

        def claim_ids(values: list[str]) -> set[str]:
            if not values:
                return set()
            try:
                found = con.execute(
                    "SELECT DISTINCT claim_id FROM claim_lines WHERE claim_id IN (SELECT unnest(?::VARCHAR[]))",
                    [values],
                ).fetchall()
            except Exception:  # noqa: BLE001 - no claim_lines table yet
                return set()
            return {str(r[0]) for r in found}

        return cls(frozenset(keys), npis, claim_ids, frozenset(ids))

    def prefetch(self, columns: Iterable[ColumnValues]) -> None:
        """Look up, in one query, which of these columns' cells are claim ids already loaded."""
        if self.claim_ids is None:
            return
        wanted = sorted(
            {t for column in columns for t in column.texts() if t and t not in self._known_claims}
        )
        for start in range(0, len(wanted), 2000):
            chunk = wanted[start : start + 2000]
            found = self.claim_ids(chunk)
            for text in chunk:
                self._known_claims[text] = text in found

    def judges(self, kind: str, canonical: str) -> bool:
        """Whether the database can say anything about this canonical column."""
        if canonical in ("payer_name", "payer_id", "payer"):
            return bool(self.payer_keys)
        if canonical in ("rendering_npi", "npi"):
            return bool(self.npis) and kind != "providers"
        return canonical == "claim_id" and self.claim_ids is not None

    def evidence(self, kind: str, canonical: str, column: ColumnValues) -> tuple[float, str] | None:
        """(share of the sample the database vouches for, wording) for the pairs it can judge."""
        if not column.cells or not self.judges(kind, canonical):
            return None
        key = ("database", kind if canonical == "claim_id" else "", canonical)
        if key not in column._shares:
            column._shares[key] = self._evidence(kind, canonical, column)
        return column._shares[key]

    def _evidence(self, kind: str, canonical: str, column: ColumnValues) -> tuple[float, str] | None:
        texts = column.texts()
        if canonical == "payer_id" and self.payer_ids:
            share = sum(nz.payer_key(t) in self.payer_ids for t in texts) / len(texts)
            return share, f"{share:.0%} are ids of known payers"
        if canonical in ("payer_name", "payer_id", "payer"):
            share = sum(nz.payer_key(t) in self.payer_keys for t in texts) / len(texts)
            return share, f"{share:.0%} resolve to known payers"
        if canonical in ("rendering_npi", "npi"):
            share = sum(re.sub(r"[\s-]", "", t) in self.npis for t in texts) / len(texts)
            return share, f"{share:.0%} are NPIs of known providers"
        self.prefetch([column])
        found = {t for t in set(texts) if self._known_claims.get(t)}
        if not found:
            return (0.0, "no claim id already loaded") if kind == "remits" else None
        share = sum(t in found for t in texts) / len(texts)
        return share, f"{share:.0%} are claim ids already loaded"


# --------------------------------------------------------------------------------------------
# scoring one pair


def _one_value(column: ColumnValues) -> bool:
    """One value on every sampled row (three rows or more)."""
    return len(column.cells) >= 3 and len(column.distinct()) == 1


def _constant(column: ColumnValues) -> bool:
    """One value on eight rows or more: a tax id, a site, a batch - not what tells claims apart (a file
    of one claim with a few lines keeps its claim id)."""
    return len(column.cells) >= 8 and len(column.distinct()) == 1


@dataclass
class PairScore:
    score: float
    header: HeaderMatch
    fit: float | None  # share of values passing the column's test
    database: tuple[float, str] | None
    evidence: list[str]
    contradicts: bool  # the values do not fit the column


_NAME_PARTS = frozenset({"first_name", "last_name", "patient_first_name", "patient_last_name"})


def score_pair(
    vocab: Vocabulary, kind: str, spec: ColumnSpec, header: HeaderMatch, column: ColumnValues,
    knowledge: Knowledge | None,
) -> PairScore:  # fmt: skip
    canonical = spec.canonical(header.number)
    _test, specific = VALUE_TESTS[spec.values]
    judged = knowledge is not None and knowledge.judges(kind, canonical)
    if not specific and header.score < 0.25 and not judged and spec.values != "payer":
        return PairScore(0.0, header, None, None, [], False)  # no header evidence, values any column passes
    fit = column.share(spec.values)
    evidence = []
    if fit and spec.values == "money" and column.counter:
        fit = 0.0  # 1, 2, 1, 1: a sequence or a count, not money ('CHARGE_SEQ' is the line, not the charge)
        evidence.append("small whole numbers counting from 1")
    elif fit and spec.values == "line_number" and column.fractional:
        fit = 0.0  # 45.5 is never a line number
        evidence.append("numbers with fractions")
    elif fit and spec.values == "procedure" and column.running:
        fit = 0.0  # B7000, B7001, B7002: ids handed out in turn, not procedure codes
        evidence.append("a running number")
    elif fit and canonical in _NAME_PARTS and column.whole_names >= 0.8:
        fit = 0.0  # 'Ana Alvarez' on every row: the whole name, not a first or a last name
        evidence.append("whole names (first and last)")
    if header.score > 0:
        evidence.append(f"header words ~ '{header.spelling}' ({header.score:.2f})")
    h = header.score
    if fit is None:
        score, contradicts = h, False
    else:
        evidence.append(f"{fit:.0%} {VALUE_LABELS[spec.values]}")
        if specific:
            score = 0.6 * h + 0.4 * fit
            contradicts = fit < 0.5
            if contradicts:
                score *= 0.5 + fit
            if h < 0.25 and spec.values not in ("npi", "procedure", "date") and column.short_numbers:
                score *= 0.5  # small numbers pass many tests (POS, CARC, status codes): not evidence alone
        else:
            score = 0.8 * h + 0.2 * fit
            contradicts = fit < 0.3
            if contradicts:
                score *= 0.6 + fit
            if h < 0.4 and not (spec.values == "payer" and fit >= 0.75):
                score *= h / 0.4  # values any text passes do not name a column on their own
        if canonical.startswith(("line_no", "units")) and column.share("money") is not None:
            pass
    if canonical == "claim_id" and _constant(column):
        evidence.append("one value on every row")
        score *= 0.3  # a claim id differs between claims; one value everywhere is a tax id, a batch, a site
        contradicts = True
    database = knowledge.evidence(kind, canonical, column) if knowledge is not None else None
    if database is not None:
        share, words = database
        evidence.append(f"database: {words}")
        weight = 0.45 if (canonical == "claim_id" and kind == "remits") else 0.25
        if canonical in ("payer_name", "payer_id", "payer") and kind in ("claims", "remits"):
            weight = 0.35  # an export's payer column: its names resolve through the payers already loaded
            if share == 0:
                # the database knows payers and none of these cells is one of them; an id is matched
                # exactly, so under a weak header ('Code') such cells are some other code
                score *= 0.3 if canonical == "payer_id" and header.score < 0.8 else 0.6
        score = score + weight * share * (1 - score) * 2 if share else score
    return PairScore(round(min(score, 1.0), 4), header, fit, database, evidence, contradicts)


# --------------------------------------------------------------------------------------------
# the exact assignment (Hungarian / Kuhn-Munkres, rectangular)


def best_assignment(profit: np.ndarray) -> list[tuple[int, int]]:
    """Row-column pairs maximising the total profit, each row and column used at most once; pairs
    with profit <= 0 are left out. Exact (shortest augmenting paths, O(n^2 m))."""
    rows, cols = profit.shape
    if rows == 0 or cols == 0:
        return []
    live_rows = np.flatnonzero((profit > 0).any(axis=1))
    live_cols = np.flatnonzero((profit > 0).any(axis=0))
    if len(live_rows) < rows or len(live_cols) < cols:  # rows and columns with no candidate play no part
        inner = (
            best_assignment(profit[np.ix_(live_rows, live_cols)]) if len(live_rows) and len(live_cols) else []
        )
        return [(int(live_rows[i]), int(live_cols[j])) for i, j in inner]
    transposed = rows > cols
    matrix = profit.T if transposed else profit
    n, m = matrix.shape
    cost = -np.clip(matrix, 0, None)
    inf = float("inf")
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=int)  # p[j] = row (1-based) assigned to column j
    way = np.zeros(m + 1, dtype=int)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta, j1 = inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    current = cost[i0 - 1, j - 1] - u[i0] - v[j]
                    if current < minv[j]:
                        minv[j], way[j] = current, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    pairs = []
    for j in range(1, m + 1):
        if p[j]:
            i = p[j] - 1
            if matrix[i, j - 1] > 0:
                pairs.append((j - 1, i) if transposed else (i, j - 1))
    return sorted(pairs)


# --------------------------------------------------------------------------------------------
# reading a sheet as one kind


@dataclass
class ColumnReading:
    canonical: str
    source: str  # header text
    position: object  # frame column label
    confidence: float
    evidence: list[str]
    runner_up: tuple[str, float] | None = None  # (another source header, its score) for this column
    forced: bool = False  # chosen by the analyst's mapping


@dataclass(frozen=True)
class ColumnCall:
    """Two source columns that fit one canonical column about equally: the page asks which it is."""

    canonical: str
    chosen: str  # header read as the column
    confidence: float
    alternative: str  # the other header that fits almost as well
    alternative_score: float

    @property
    def margin(self) -> float:
        return round(self.confidence - self.alternative_score, 2)


@dataclass
class SheetReading:
    kind: str
    header_row: object  # index label of the header row
    columns: dict[str, ColumnReading]
    headers: dict[object, str]  # frame column -> header text
    score: float
    missing: list[str]  # required columns not found
    unused: list[str]  # headers left unmapped
    warnings: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # why the reading was doubted (kind checks)
    column_calls: list[ColumnCall] = field(default_factory=list)  # close calls between two columns

    @property
    def valid(self) -> bool:
        return not self.missing and not self.checks


def _sample(frame: pd.DataFrame, header_position: int) -> pd.DataFrame:
    body = frame.iloc[header_position + 1 : header_position + 1 + SAMPLE_ROWS]
    blank = body.map(nz.is_blank)
    return body[~blank.all(axis=1)]


_VALUES_CACHE: dict[tuple, tuple] = {}  # (id(frame), header label) -> (weakref to the frame, values)


def sheet_values(frame: pd.DataFrame, header_label: object, headers: dict) -> dict[object, ColumnValues]:
    """The sampled values under a header row, computed once per frame and row (classification and
    mapping read the same sheet several times)."""
    key = (id(frame), header_label, frame.shape)
    found = _VALUES_CACHE.get(key)
    if found is not None and found[0]() is frame:
        return found[1]
    position = frame.index.get_loc(header_label)
    values = column_values(_sample(frame, position)[list(headers)]) if headers else {}
    if len(_VALUES_CACHE) > 64:
        _VALUES_CACHE.clear()
    _VALUES_CACHE[key] = (weakref.ref(frame), values)
    return values


def column_values(body: pd.DataFrame) -> dict[object, ColumnValues]:
    out = {}
    for label in body.columns:
        cells = [v for v in body[label].tolist() if not nz.is_blank(v)]
        out[label] = ColumnValues(cells, len(body))
    return out


def header_cells(frame: pd.DataFrame, header_label: object) -> dict[object, str]:
    out = {}
    for label, value in frame.loc[header_label].items():
        text = nz.cell_text(value)
        if text is not None:
            out[label] = text
    return out


def _not_loaded_score(vocab: Vocabulary, words: tuple[str, ...]) -> float:
    """How well a header names a column that nothing loads (an address, a ZIP code, a tax id, a place's
    state: the vocabulary's not_loaded columns)."""
    return max((_header_match(vocab, words, spec).score for spec in vocab.columns.get(NOT_LOADED, {}).values()),
               default=0.0)  # fmt: skip


def _apply_override(
    override: dict[str, str] | None, headers: dict[object, str], kind: str, vocab: Vocabulary
) -> dict[str, object]:
    """canonical -> frame column for an analyst's mapping {canonical: header} (normalised comparison)."""
    if not override:
        return {}
    by_norm: dict[str, object] = {}
    for label, text in headers.items():
        by_norm.setdefault(nz.normalise_header(text), label)
    out = {}
    for canonical, header in override.items():
        label = by_norm.get(nz.normalise_header(header))
        if label is not None:
            out[canonical] = label
    return out


_FAMILIES = {"adj_amount": "adjustment_amount", "rarc": "rarcs", "modifier": "modifiers",
             "diagnosis": "diagnoses", "carc": "carc", "group_code": "group_code"}  # fmt: skip


def _family(canonical: str) -> str:
    """A column and its numbered siblings are one family ('carc', 'carc_1', 'carc_2')."""
    root = re.sub(r"_\d+$", "", canonical)
    return _FAMILIES.get(root, root)


# The canonical columns a patient's field may go to (claims: the patient's id, name and birth date).
_PATIENT_TARGETS = frozenset(
    {"patient_id", "patient_name", "patient_first_name", "patient_last_name", "patient_dob", "member_id"}
)


def read_as(
    frame: pd.DataFrame, kind: str, header_label: object, *, knowledge: Knowledge | None = None,
    override: dict[str, str] | None = None, vocab: Vocabulary | None = None,
    values: dict[object, ColumnValues] | None = None, eliminate: bool = False,
) -> SheetReading:  # fmt: skip
    """Read the sheet under one header row as one kind: the best assignment of its columns. With
    `eliminate`, a required column nothing fits takes the unused column whose values fit it (_by_elimination)."""
    vocab = vocab or vocabulary()
    labels_mod.activate(vocab.labels)
    headers = header_cells(frame, header_label)
    if values is None:
        values = sheet_values(frame, header_label, headers)
    if knowledge is not None and knowledge.claim_ids is not None and kind in ("claims", "remits"):
        knowledge.prefetch(values.values())
    # {canonical: ""} is the analyst's "not mapped": that column stays empty, whatever would fit it
    blanked = {canonical for canonical, header in (override or {}).items() if not header}
    forced = _apply_override({c: h for c, h in (override or {}).items() if h}, headers, kind, vocab)
    forced_labels = set(forced.values())
    specs = list(vocab.columns.get(kind, {}).values())
    labels = [label for label in headers if label not in forced_labels]
    # candidate canonical columns: plain specs once, numbered specs once per number
    targets: list[tuple[ColumnSpec, int | None]] = []
    for spec in specs:
        if spec.count:
            targets += [(spec, n) for n in range(1, spec.count + 1)]
        else:
            targets.append((spec, None))
    targets = [(s, n) for s, n in targets if s.canonical(n) not in forced and s.canonical(n) not in blanked]
    scores: dict[tuple[int, int], PairScore] = {}
    profit = np.zeros((len(labels), len(targets)))
    word_cache = {label: vocab.words(headers[label]) for label in labels}
    required = {c for options in REQUIRED.get(kind, []) for c in options}
    claims_known = (
        kind == "remits"
        and knowledge is not None
        and knowledge.claim_ids is not None
        and any(
            (found := knowledge.evidence(kind, "claim_id", column)) is not None and found[0] >= 0.5
            for column in values.values()
        )
    )
    best_for: dict[int, tuple[float, str]] = {}  # source column -> (its best score, that column's family)
    from audits.ingest.patients import looks_like_patient_header

    patientish = [looks_like_patient_header(headers[label]) for label in labels]
    elsewhere = {label: _not_loaded_score(vocab, word_cache[label]) for label in labels}
    for i, label in enumerate(labels):
        words = word_cache[label]
        column = values.get(label, ColumnValues([], 0))
        other = elsewhere[label]
        per_spec: dict[str, HeaderMatch] = {}
        for j, (spec, number) in enumerate(targets):
            if spec.name not in per_spec:
                per_spec[spec.name] = _header_match(vocab, words, spec)
            match = per_spec[spec.name]
            if spec.count:
                if match.number != number:
                    continue
            if match.score < 0.5 and patientish[i] and spec.canonical(number) not in _PATIENT_TARGETS:
                continue  # a patient's column (a date of birth) is never another column by values or one word
            if match.score == 0 and (knowledge is None or not knowledge.judges(kind, spec.canonical(number))):
                # values alone reach MIN_SCORE only through a specific test nearly all cells pass
                if not VALUE_TESTS[spec.values][1] or (column.share(spec.values) or 0) < 0.75:
                    continue
                if spec.values == "date" and _one_value(column):
                    continue  # one date on every row: when the file was made or updated, not a row's date
            if other >= 0.6 and other >= match.score + 0.3:
                continue  # 'Postal Code', 'Tax ID': a column nothing loads, whatever its values pass
            pair = score_pair(vocab, kind, spec, match, column, knowledge)
            if other >= 0.8 and other >= match.score:
                pair.score = round(
                    pair.score * 0.8, 4
                )  # 'Location State': a place's state, not the licence's
                pair.evidence.append("the header names a column that is not loaded about as well")
            if (
                claims_known
                and spec.name == "claim_id"
                and pair.database is not None
                and not pair.database[0]
            ):
                pair.score = round(pair.score * 0.5, 4)  # another column holds the claim ids already loaded
            if pair.score >= MIN_SCORE:
                scores[(i, j)] = pair
                if pair.score > best_for.get(i, (0.0, ""))[0]:
                    best_for[i] = (pair.score, _family(spec.canonical(number)))
    for (i, j), pair in scores.items():
        spec, number = targets[j]
        canonical = spec.canonical(number)
        bonus = 0.05 if canonical in required else 0.0
        best, best_family = best_for[i]
        if (
            bonus
            and pair.score >= 0.45
            and not pair.contradicts
            and pair.score >= best - 0.1
            and (pair.score == best or best_family != _family(canonical))
        ):
            bonus = 0.3  # filling a required column outweighs filling an optional one with the same column
        profit[i, j] = pair.score + 0.001 * spec.weight + bonus
    pairs = best_assignment(profit)
    reading = SheetReading(kind, header_label, {}, headers, 0.0, [], [])
    for canonical, label in forced.items():
        spec = vocab.spec(kind, canonical)
        evidence = ["chosen in the column mapping"]
        column = values.get(label, ColumnValues([], 0))
        if spec is not None:
            fit = column.share(spec.values)
            if fit is not None:
                evidence.append(f"{fit:.0%} {VALUE_LABELS[spec.values]}")
                if fit < 0.9 and spec.values in _COUNTED_TESTS:
                    bad, total = misfits(frame, header_label, label, spec.values)
                    if bad and (fit < 0.5 or spec.values in _COUNTED_TESTS):
                        reading.warnings.append(
                            f"column {headers[label]!r} is mapped to {canonical} but {bad} of its {total} values "
                            f"are not {VALUE_LABELS[spec.values]}"
                        )
        reading.columns[canonical] = ColumnReading(
            canonical, headers[label], label, 1.0, evidence, forced=True
        )
    for i, j in pairs:
        spec, number = targets[j]
        pair = scores[(i, j)]
        canonical = spec.canonical(number)
        label = labels[i]
        runner = max(
            ((labels[k], s.score) for (k, jj), s in scores.items() if jj == j and k != i),
            key=lambda item: item[1],
            default=None,
        )
        reading.columns[canonical] = ColumnReading(
            canonical, headers[label], label, round(pair.score, 2), pair.evidence,
            (headers[runner[0]], round(runner[1], 2)) if runner else None,
        )  # fmt: skip
        reading.score += pair.score * spec.weight
        if pair.contradicts:
            reading.warnings.append(
                f"column {headers[label]!r} was read as {canonical} but only {pair.fit:.0%} of its values are "
                f"{VALUE_LABELS[spec.values]}"
            )
        elif pair.fit is not None and spec.values in _COUNTED_TESTS and pair.fit < 0.9:
            bad, total = misfits(frame, header_label, label, spec.values)
            if bad:
                reading.warnings.append(
                    f"{bad} of {total} values in column {headers[label]!r} (read as {canonical}) are not "
                    f"{VALUE_LABELS[spec.values]}"
                )
    reading.score += len(forced) * 1.0
    if eliminate:
        named = [label for label in labels if elsewhere[label] < 0.6]  # never 'Postal Code' by elimination
        _by_elimination(reading, kind, named, targets, values, word_cache, vocab, knowledge)
        _released_for_claim_id(reading, kind, frame, header_label, values)
    if kind in ("claims", "remits"):
        _lines_by_structure(reading, frame, header_label, values)
        _numbered_siblings(reading, kind, vocab, values)
        _initials(reading, kind, vocab, values)
    if kind == "service_scope":
        _scope_codes(reading)
    _order_dates(reading, frame)
    _prefer_parts(reading, vocab)
    used = {c.position for c in reading.columns.values()}
    reading.unused = [text for label, text in headers.items() if label not in used]
    reading.missing = [
        " or ".join(options)
        for options in REQUIRED.get(kind, [])
        if not any(o in reading.columns for o in options)
    ]
    _warn_unsure(reading)
    return reading


# Date columns that come in an order on every row: the first is never after the second.
_DATE_ORDER = {
    "enrollments": (("effective_date", "termination_date"), ("submitted_date", "effective_date")),
    "credentials": (("issue_date", "expiration_date"),),
    "service_scope": (("code_from", "code_to"),),
}


def _ordered_value(value: object, codes: bool):
    if not codes:
        if nz.is_blank(value):
            return None
        parsed, reason = nz._date_or_reason(value)
        return parsed if reason is None else None
    text = (nz.cell_text(value) or "").upper()
    return text if _PROCEDURE.match(text) else None


# Value tests that a mapped column's cells should pass: a share of misfits is counted and said.
_COUNTED_TESTS = {name for name, (_test, specific) in VALUE_TESTS.items() if specific} | {
    "money", "line_number", "units"}  # fmt: skip


def misfits(frame: pd.DataFrame, header_label: object, label: object, test: str) -> tuple[int, int]:
    """(cells that fail the value test, non-blank cells) in the whole column under the header row."""
    position = frame.index.get_loc(header_label)
    cells = [v for v in frame[label].iloc[position + 1 :].tolist() if not nz.is_blank(v)]
    if not cells:
        return 0, 0
    column = ColumnValues(cells, len(cells))
    column._distinct = None
    function = VALUE_TESTS[test][0]
    counts: dict[str, list] = {}
    for cell in cells:
        key = f"{type(cell).__name__}:{cell}"
        entry = counts.setdefault(key, [cell, 0])
        entry[1] += 1
    bad = sum(n for cell, n in counts.values() if function(cell) < 0.5)
    return bad, len(cells)


def _scope_codes(reading: SheetReading) -> None:
    """A scope sheet's one code column beside a range column is the other end of the range ('Starting
    CPT' read as the code, next to an end column, is where the range starts)."""
    code = reading.columns.get("code")
    if code is None or code.forced:
        return
    for end in ("code_from", "code_to"):
        if end not in reading.columns and any(e in reading.columns for e in ("code_from", "code_to")):
            del reading.columns["code"]
            reading.columns[end] = ColumnReading(
                end, code.source, code.position, code.confidence, [*code.evidence, "the other end of a range"]
            )
            return


def _order_dates(reading: SheetReading, frame: pd.DataFrame) -> None:
    """Two date columns (or a scope's two range ends) read the wrong way round (the 'effective' column
    after the 'termination' one on every row where both are filled) are swapped: the values decide where the header words were
    close ('Par Eff Dt' / 'Par Term Dt' share most of their words)."""
    pairs = _DATE_ORDER.get(reading.kind, ())
    if not pairs:
        return
    body = None
    for first, second in pairs:
        a, b = reading.columns.get(first), reading.columns.get(second)
        if a is None or b is None or a.forced or b.forced:
            continue
        if body is None:
            body = _sample(frame, frame.index.get_loc(reading.header_row))
        before = after = 0
        codes = reading.kind == "service_scope"
        for x, y in zip(body[a.position].tolist(), body[b.position].tolist(), strict=True):
            dx, dy = _ordered_value(x, codes), _ordered_value(y, codes)
            if dx is None or dy is None or codes and len(dx) != len(dy):
                continue
            if dx > dy:
                after += 1
            elif dx < dy:
                before += 1
        if after and not before:
            reading.columns[first] = ColumnReading(
                first, b.source, b.position, b.confidence, [*b.evidence, f"before {second} on every row"]
            )
            reading.columns[second] = ColumnReading(
                second, a.source, a.position, a.confidence, [*a.evidence, f"after {first} on every row"]
            )
            reading.warnings.append(
                f"{a.source!r} and {b.source!r} were read the other way round, but {b.source!r} comes first on "
                f"every row: {b.source!r} is read as {first} and {a.source!r} as {second}"
            )


def _prefer_parts(reading: SheetReading, vocab: Vocabulary) -> None:
    """A name read from a weak header gives way to first and last name columns read from strong ones
    ('Provider Credential Text' is not the name when 'Provider First Name' and 'Last Name' are there);
    a whole-name column whose header fits one part better, beside the other part, is that part
    ('Provider First Name' next to 'Last Name' is the first name, not the whole name)."""
    for whole, parts in (
        ("provider_name", ("first_name", "last_name")),
        ("patient_name", ("patient_first_name", "patient_last_name")),
    ):
        column = reading.columns.get(whole)
        if column is None or column.forced:
            continue
        whole_spec = vocab.spec(reading.kind, whole)
        for part, other in (parts, parts[::-1]):
            part_spec = vocab.spec(reading.kind, part)
            if (
                part in reading.columns
                or other not in reading.columns
                or part_spec is None
                or whole_spec is None
            ):
                continue
            if (
                header_match(vocab, column.source, part_spec).score
                > header_match(vocab, column.source, whole_spec).score
            ):
                del reading.columns[whole]
                reading.columns[part] = dataclasses.replace(column, canonical=part)
                break
        if whole not in reading.columns or not all(p in reading.columns for p in parts):
            continue
        if column.confidence < 0.8 and all(reading.columns[p].confidence >= 0.8 for p in parts):
            del reading.columns[whole]


def _by_elimination(
    reading: SheetReading,
    kind: str,
    labels: list,
    targets: list,
    values: dict,
    word_cache: dict,
    vocab: Vocabulary,
    knowledge: Knowledge | None = None,
) -> None:
    """A required column nothing was assigned to takes the one unused column whose values fit it best
    (nearly all cells pass its test), at low confidence and with a warning: 'Ticket Number' holding the
    claim ids is the claim id when no other column is."""
    used = {c.position for c in reading.columns.values()}
    for options in REQUIRED.get(kind, []):
        if any(o in reading.columns for o in options):
            continue
        best = None
        for spec, number in targets:
            canonical = spec.canonical(number)
            if canonical not in options:
                continue
            for label in labels:
                if label in used:
                    continue
                column = values.get(label)
                fit = column.share(spec.values) if column is not None else None
                if fit is None or fit < 0.9:
                    continue
                if spec.values != "npi" and column.short_numbers:
                    continue  # 1, 2, 11: counts and codes, not identifiers or payers
                if canonical == "claim_id" and _constant(column):
                    continue
                if (
                    knowledge is not None
                    and knowledge.judges(kind, canonical)
                    and kind in ("claims", "remits")
                ):
                    database = knowledge.evidence(kind, canonical, column)
                    if database is not None and database[0] == 0 and canonical != "claim_id":
                        continue
                header = _header_match(vocab, word_cache[label], spec)
                if spec.count and header.number != number:
                    continue
                rank = (fit, header.score)
                if best is None or rank > best[0]:
                    best = (rank, canonical, label, spec, fit)
        if best is None:
            continue
        (_fit, header_score), canonical, label, spec, fit = best
        confidence = round(min(0.45, 0.25 + 0.2 * header_score + 0.1 * fit), 2)
        evidence = [f"{fit:.0%} {VALUE_LABELS[spec.values]}", "no other column fits this required column"]
        reading.columns[canonical] = ColumnReading(
            canonical, reading.headers[label], label, confidence, evidence
        )
        reading.score += confidence * spec.weight
        used.add(label)


# Optional columns a required claim id may be taken from (their header named them weakly).
_RELEASABLE = ("patient_id", "member_id", "trace_number")


def _keys_lines(frame: pd.DataFrame, header_label: object, claim_label: object, line_label: object) -> bool:
    """Whether a column and the line numbers key the sampled rows the way a claim id does: some value
    has several lines, and no (value, line) pair occurs twice (a patient's or a member's id repeats its
    line 1 once per claim)."""
    position = frame.index.get_loc(header_label)
    body = _sample(frame, position)
    pairs = [
        (_text(c), _text(n))
        for c, n in zip(body[claim_label].tolist(), body[line_label].tolist(), strict=True)
        if not nz.is_blank(c) and not nz.is_blank(n)
    ]
    if len(pairs) < 4:
        return False
    return len(set(pairs)) == len(pairs) and len({c for c, _n in pairs}) < len(pairs)


def _released_for_claim_id(
    reading: SheetReading, kind: str, frame: pd.DataFrame, header_label: object, values: dict
) -> None:
    """A claims or remittance reading still missing its claim id when the column that holds the claim
    ids was taken, on a weak header, for an optional column ('patChargeTicket' read as the patient id from
    'pat'): that column is the claim id when its values are identifiers and, with the line numbers, it
    keys the rows as a claim id does (no claim and line twice). Low confidence, with a warning."""
    if kind not in ("claims", "remits") or "claim_id" in reading.columns or "line_no" not in reading.columns:
        return
    line_label = reading.columns["line_no"].position
    for canonical in _RELEASABLE:
        column = reading.columns.get(canonical)
        if column is None or column.forced or column.confidence >= 0.7:
            continue
        cells = values.get(column.position)
        if cells is None or (cells.share("identifier") or 0) < 0.9 or cells.short_numbers or _constant(cells):
            continue
        if not _keys_lines(frame, header_label, column.position, line_label):
            continue
        del reading.columns[canonical]
        confidence = round(min(0.45, column.confidence), 2)
        reading.columns["claim_id"] = ColumnReading(
            "claim_id", column.source, column.position, confidence,
            [*column.evidence, f"with the line numbers it keys every row: the claim id, not the {canonical}"],
        )  # fmt: skip
        reading.score += confidence - column.confidence
        reading.warnings.append(
            f"column {column.source!r} was read as the claim id, not the {canonical.replace('_', ' ')} its header "
            "suggests: no other column holds the claims, and with the line numbers it keys every row - check it"
        )
        return


def _numbers_lines(
    frame: pd.DataFrame, header_label: object, claim_label: object, line_label: object
) -> bool:
    """Whether a column numbers the lines of each claim: within each claim id of the sampled rows its
    values are distinct whole numbers, and each claim's lowest is 1."""
    body = _sample(frame, frame.index.get_loc(header_label))
    lines: dict[str, list[float]] = {}
    for claim, cell in zip(body[claim_label].tolist(), body[line_label].tolist(), strict=True):
        if nz.is_blank(claim):
            continue
        number = _number(cell)
        if number is None or not number.is_integer() or number < 1:
            return False
        lines.setdefault(_text(claim), []).append(number)
    if len(lines) < 2:
        return False
    return all(len(set(v)) == len(v) and min(v) == 1 for v in lines.values())


# Optional identifier columns a weak header may have given a line sequence.
_IDENTIFIER_TARGETS = ("patient_id", "member_id", "trace_number", "payer_id")


def _lines_by_structure(
    reading: SheetReading, frame: pd.DataFrame, header_label: object, values: dict
) -> None:
    """An export's line number nothing named: the column of small whole numbers counting from 1 that numbers
    the lines of each claim ('Activity ID': 1, 2, 1, 1), unused or read, on a weak header, as an optional
    identifier (a sequence counting from 1 identifies no patient or member). Low confidence (warned as unsure)."""
    if "line_no" in reading.columns or "claim_id" not in reading.columns:
        return
    claim_label = reading.columns["claim_id"].position
    taken = {c.position: c for c in reading.columns.values()}
    for label in reading.headers:
        column = taken.get(label)
        if column is not None and (
            column.forced or column.canonical not in _IDENTIFIER_TARGETS or column.confidence >= 0.5
        ):
            continue
        cells = values.get(label)
        if cells is None or not cells.counter or not _numbers_lines(frame, header_label, claim_label, label):
            continue
        if column is not None:
            del reading.columns[column.canonical]
            reading.score -= column.confidence
        confidence = 0.4
        reading.columns["line_no"] = ColumnReading(
            "line_no", reading.headers[label], label, confidence,
            ["small whole numbers counting from 1", "they number the lines of each claim"],
        )  # fmt: skip
        reading.score += confidence  # low confidence: _warn_unsure says so, with the evidence
        return


_SIBLING = re.compile(r"^\s*([A-Za-z][A-Za-z .#_-]*?)[\s._#-]*(\d{1,2})\s*$")


def _numbered_siblings(reading: SheetReading, kind: str, vocab: Vocabulary, values: dict) -> None:
    """Columns whose headers are one stem with successive numbers ('D1', 'D2'; 'Dx 1', 'Dx 2') and whose
    values all pass a numbered column's test are that column, numbered by their headers: 'D2' beside 'D1'
    is diagnosis_2, not the list of diagnoses. Only columns read from values alone (no header word for
    them) or not read are moved."""
    stems: dict[str, list[tuple[int, object]]] = {}
    for label, text in reading.headers.items():
        match = _SIBLING.match(str(text))
        if match:
            stems.setdefault(match.group(1).strip().lower(), []).append((int(match.group(2)), label))
    taken = {c.position: c for c in reading.columns.values()}
    for group in stems.values():
        numbers = sorted(n for n, _label in group)
        if len(group) < 2 or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            continue
        for spec in vocab.columns.get(kind, {}).values():
            if not spec.count or not VALUE_TESTS[spec.values][1]:
                continue
            if not all(
                (values.get(label) is not None and (values[label].share(spec.values) or 0) >= 0.9)
                for _n, label in group
            ):
                continue
            wanted = {spec.canonical(n): label for n, label in group if 1 <= n <= spec.count}
            if len(wanted) != len(group):
                continue
            movable = all(
                label not in taken or (not taken[label].forced and _from_values_alone(taken[label]))
                for label in wanted.values()
            )
            blocked = any(
                canonical in reading.columns and reading.columns[canonical].position not in wanted.values()
                and not _from_values_alone(reading.columns[canonical])
                for canonical in wanted
            )  # fmt: skip
            if not movable or blocked:
                continue
            for canonical, label in wanted.items():
                old = taken.get(label)
                if old is not None and old.canonical != canonical:
                    del reading.columns[old.canonical]
                if canonical in reading.columns and reading.columns[canonical].position != label:
                    del reading.columns[canonical]
                if old is None or old.canonical != canonical:
                    reading.columns[canonical] = ColumnReading(
                        canonical, reading.headers[label], label, 0.4,
                        [f"100% {VALUE_LABELS[spec.values]}", "one of a run of numbered columns"],
                    )  # fmt: skip
            break


def _from_values_alone(column: ColumnReading) -> bool:
    return not column.forced and not any(e.startswith("header words") for e in column.evidence)


def _initials(reading: SheetReading, kind: str, vocab: Vocabulary, values: dict) -> None:
    """An unused column under a one-letter header ('U') is the one optional column, not read yet, that a
    word of its spellings starts with that letter, when its values pass that column's test (nine in ten
    cells) and no other such column does. Low confidence (warned as unsure)."""
    used = {c.position for c in reading.columns.values()}
    for label, text in reading.headers.items():
        letter = str(text).strip().lower()
        if label in used or len(letter) != 1 or not letter.isalpha():
            continue
        cells = values.get(label)
        if cells is None or not cells.cells:
            continue
        fits = [
            spec for spec in vocab.columns.get(kind, {}).values()
            if not spec.count and spec.name not in reading.columns
            and any(phrase[0].startswith(letter) and vocab.weight(phrase[0]) >= 1.0 for phrase in spec.phrases
                    if len(phrase) == 1)
            and (cells.share(spec.values) or 0) >= 0.9
        ]  # fmt: skip
        if len(fits) != 1:
            continue
        spec = fits[0]
        reading.columns[spec.name] = ColumnReading(
            spec.name, str(text), label, 0.35,
            [f"the header is the first letter of '{next(p[0] for p in spec.phrases if len(p) == 1 and p[0].startswith(letter))}'",
             f"{cells.share(spec.values):.0%} {VALUE_LABELS[spec.values]}"],
        )  # fmt: skip
        reading.score += 0.35 * spec.weight  # low confidence: _warn_unsure says so, with the evidence
        used.add(label)


def _warn_unsure(reading: SheetReading) -> None:
    required = {c for options in REQUIRED.get(reading.kind, []) for c in options}
    # source header -> the confidence it was read with (an alternative used elsewhere at a worse fit
    # than it has here is still a close call)
    assigned = {c.source: c.confidence for c in reading.columns.values()}
    for canonical, column in reading.columns.items():
        if column.forced:
            continue
        if column.confidence < 0.5:
            reading.warnings.append(
                f"{canonical} read from {column.source!r} with low confidence {column.confidence:.2f} "
                f"({'; '.join(column.evidence)})"
            )
        elif (
            column.runner_up
            and column.runner_up[1] >= column.confidence - 0.05
            and (
                column.runner_up[0] not in assigned
                or assigned[column.runner_up[0]] < column.runner_up[1] - 0.05
            )
            and (canonical in required or column.runner_up[1] >= 0.5)
        ):
            reading.column_calls.append(
                ColumnCall(
                    canonical, column.source, column.confidence, column.runner_up[0], column.runner_up[1]
                )
            )
            reading.warnings.append(
                f"{canonical}: {column.source!r} ({column.confidence:.2f}) and {column.runner_up[0]!r} "
                f"({column.runner_up[1]:.2f}) fit almost equally - check the mapping"
            )


# --------------------------------------------------------------------------------------------
# the header row, and the kind of a sheet


@functools.lru_cache(maxsize=65536)
def _best_header_score_cached(vocab_id: int, text: str, kinds: tuple[str, ...]) -> float:
    vocab = _VOCABS[vocab_id]
    words = vocab.words(text)
    if not words or len(text) > 80 or len(words) > 8 or not any(not w.isdigit() for w in words):
        return 0.0
    if not _reachable(vocab, words) & vocab.known_words:
        return 0.0  # no word the vocabulary knows, or that may stand for one
    best = 0.0
    for kind in kinds:
        for spec in vocab.columns.get(kind, {}).values():
            score = _header_match(vocab, words, spec).score
            if score > best:
                best = score
                if best == 1.0:
                    return best
    return best


_VOCABS: dict[int, Vocabulary] = {}


def _best_header_score(vocab: Vocabulary, text: str, kinds: tuple[str, ...]) -> float:
    _VOCABS[id(vocab)] = vocab
    return _best_header_score_cached(id(vocab), text, kinds)


def _looks_like_value(value: object) -> bool:
    if isinstance(value, (dt.date, pd.Timestamp, int, float, np.integer, np.floating)):
        return True
    text = _text(value)
    return bool(_DATE_TEXT.match(text) or _MONEY.match(text.replace(" ", "")) or len(text) > 80)


def header_row_candidates(
    frame: pd.DataFrame, kinds: Iterable[str] = KINDS, vocab: Vocabulary | None = None,
    wanted: Iterable[str] = (),
) -> list[tuple[float, object]]:  # fmt: skip
    """(score, row label) of the first rows that could be a header, best first: a header row has many
    text cells whose words the vocabulary knows, and no values (dates, amounts)."""
    vocab = vocab or vocabulary()
    labels_mod.activate(vocab.labels)
    kinds = tuple(kinds)
    wanted_norm = {nz.normalise_header(w) for w in wanted}
    width = frame.shape[1] or 1
    out = []
    best_at, best = None, 0.0
    for position, (label, row) in enumerate(frame.head(HEADER_SCAN_ROWS).iterrows()):
        if best_at is not None and best >= 1.5 and position > best_at + 4:
            break  # a clear header with data rows under it: the rows further down are data
        cells = [v for v in row.tolist() if not nz.is_blank(v)]
        if len(cells) < 2:
            continue
        texts = [_text(v) for v in cells]
        is_value = [_looks_like_value(v) for v in cells]
        known = [
            0.0 if value else _best_header_score(vocab, t, kinds)
            for t, value in zip(texts, is_value, strict=True)
        ]
        values = sum(is_value)
        score = sum(k for k in known if k >= 0.45) + 0.15 * (len(cells) - values) * (len(cells) / width)
        score += sum(1.0 for t in texts if nz.normalise_header(t) in wanted_norm)
        score -= 0.5 * values
        if len(set(texts)) < len(texts):
            score -= 0.2 * (len(texts) - len(set(texts)))
        if score > 0:
            out.append((round(score - 0.001 * position, 4), label))
            if score > best:
                best_at, best = position, score
    if not out:
        return out
    order = {label: position for position, label in enumerate(frame.index[:HEADER_SCAN_ROWS])}
    best_score, best_label = max(out, key=lambda item: item[0])
    # Rows far behind the best are not headers; the rows next to it stay (two-row headers).
    near = {order[best_label] - 1, order[best_label] + 1}
    kept = [item for item in out if item[0] >= 0.6 * best_score or order[item[1]] in near]
    kept.sort(key=lambda item: -item[0])
    return kept


@dataclass
class Classification:
    chosen: SheetReading | None
    readings: list[SheetReading]  # every kind tried, best first
    reasons: list[str]  # why the chosen reading won (and why others were set aside)

    @property
    def runner_up(self) -> SheetReading | None:
        others = [r for r in self.readings if r is not self.chosen]
        return others[0] if others else None

    @property
    def close(self) -> bool:
        runner = self.runner_up
        if self.chosen is None or runner is None or not runner.valid:
            return False
        return runner.score >= self.chosen.score * (1 - CLOSE_MARGIN)

    @property
    def kind_call(self) -> KindCall | None:
        """The close call between the chosen kind and the runner-up, when they read almost equally."""
        if not self.close:
            return None
        runner = self.runner_up
        margin = (self.chosen.score - runner.score) / self.chosen.score if self.chosen.score else 0.0
        return KindCall(self.chosen.kind, round(self.chosen.score, 1), runner.kind, round(runner.score, 1),
                        round(margin, 3))  # fmt: skip


@dataclass(frozen=True)
class KindCall:
    """A sheet that reads almost as well as two kinds: the page asks which it is."""

    kind: str
    score: float
    runner_up: str
    runner_up_score: float
    margin: float  # (score - runner-up score) / score; under CLOSE_MARGIN


def _npi_repeats(reading: SheetReading, values: dict[object, ColumnValues]) -> float:
    column = reading.columns.get("npi")
    if column is None:
        return 0.0
    cells = values.get(column.position)
    if cells is None or len(cells.cells) < 4:
        return 0.0
    return 1.0 - cells.distinct_share


# Columns that only claims and remittance exports have.
_EXPORT_SIGNS = (("claims", "claim_id"), ("claims", "date_of_service"), ("claims", "billed_amount"),
                 ("remits", "paid_amount"), ("remits", "carc"), ("claims", "patient_id"), ("claims", "patient_name"))  # fmt: skip


def _check_reading(
    reading: SheetReading, values: dict[object, ColumnValues], vocab: Vocabulary, knowledge: Knowledge | None
) -> None:
    """Doubts about a reading, from all its columns together (SPEC 2 "recognised by all its columns")."""
    if reading.kind == "providers":
        unused = [
            label for label in reading.headers if label not in {c.position for c in reading.columns.values()}
        ]
        for label in unused:
            payer_spec = vocab.columns["enrollments"]["payer"]
            match = header_match(vocab, reading.headers[label], payer_spec)
            column = values.get(label, ColumnValues([], 0))
            database = knowledge.evidence("enrollments", "payer", column) if knowledge else None
            resolves = database is not None and database[0] >= 0.5
            if match.score >= 0.8 or resolves:
                reading.checks.append(
                    f"it has an NPI and a payer column ({reading.headers[label]!r}): it describes enrollments or "
                    "scope, not providers"
                )
                break
        repeats = _npi_repeats(reading, values)
        if repeats > 0.34:
            reading.checks.append(
                f"{repeats:.0%} of its NPIs repeat: a providers sheet has one row per provider"
            )
    if reading.kind in ROSTER_TABLES:
        used = {c.position for c in reading.columns.values()}
        export_columns = []
        for label, text in reading.headers.items():
            if label in used:
                continue
            for kind, name in _EXPORT_SIGNS:
                if header_match(vocab, text, vocab.columns[kind][name]).score >= 0.9:
                    export_columns.append(text)
                    break
        if len(export_columns) >= 2:
            reading.checks.append(
                f"it has claim or remittance columns ({', '.join(export_columns[:4])}): an export, not a roster sheet"
            )
    if reading.kind == "enrollments":
        status = reading.columns.get("status")
        if status is not None and status.confidence < 0.45:
            if header_match(vocab, status.source, vocab.columns["enrollments"]["status"]).score >= 0.9:
                # the header says status: the words are the practice's own, not a sign of another table
                reading.warnings.append(
                    f"its status column {status.source!r} holds few of the known enrollment status words: rows "
                    "with another word are rejected with their reason (a practice adds its words to its "
                    "vocabulary file)"
                )
            else:
                reading.checks.append(
                    f"its status column {status.source!r} holds few enrollment status words"
                )
    if reading.kind in ("claims", "remits"):
        pass


def classify(
    frame: pd.DataFrame, *, kinds: Iterable[str] = KINDS, knowledge: Knowledge | None = None,
    override: dict[str, str] | None = None, vocab: Vocabulary | None = None,
) -> Classification:  # fmt: skip
    """Read the sheet as each kind under its likeliest header rows and rank the readings."""
    vocab = vocab or vocabulary()
    labels_mod.activate(vocab.labels)
    kinds = tuple(kinds)
    candidates = header_row_candidates(frame, kinds, vocab, [h for h in (override or {}).values() if h])[:3]
    readings: list[SheetReading] = []
    all_values: dict[object, dict[object, ColumnValues]] = {}
    for _score, label in candidates:
        values = sheet_values(frame, label, header_cells(frame, label))
        all_values[label] = values
        for kind in kinds:
            reading = read_as(
                frame, kind, label, knowledge=knowledge, override=override, vocab=vocab, values=values
            )
            _check_reading(reading, values, vocab, knowledge)
            readings.append(reading)
    if not readings:
        return Classification(None, [], ["no row of the sheet reads as a header"])
    # One reading per kind: its best header row.
    best_per_kind: dict[str, SheetReading] = {}
    for reading in readings:
        current = best_per_kind.get(reading.kind)
        if current is None or _rank(reading) > _rank(current):
            best_per_kind[reading.kind] = reading
    ranked = sorted(best_per_kind.values(), key=_rank, reverse=True)
    chosen = ranked[0] if ranked[0].valid and ranked[0].score > 0 else None
    # A reading that misses one identifier column but fits far more columns than the valid one (a claims
    # export whose claim id is a 'Charge Ticket', beside the three columns a scope sheet has) is read again
    # with that column filled by elimination; it wins when it is whole and still the stronger reading.
    again = _eliminated(
        frame, ranked, all_values, knowledge, override, vocab, 0.0 if chosen is None else chosen.score
    )
    if again is not None:
        chosen = again
        ranked.insert(0, chosen)
    far = chosen is not None and next(
        (r for r in ranked if r is not chosen and not r.valid and not r.checks
         and r.score >= 3 * chosen.score and len(r.columns) >= 2 * len(chosen.columns) + 2),
        None,
    )  # fmt: skip
    if far:
        # two columns that fit a payers sheet beside a dozen that fit a remittance missing its claim id:
        # not a payers sheet, and not a remittance either - the reading is left unsure, never loaded as the weak kind
        chosen.checks.append(
            f"it reads far better as {far.kind} ({len(far.columns)} columns, score {far.score:.1f}), which misses "
            f"{', '.join(far.missing)}"
        )
        chosen = None
        ranked.sort(key=_rank, reverse=True)
    reasons = []
    if chosen is not None:
        reasons.append(f"read as {chosen.kind}: {len(chosen.columns)} columns fit (score {chosen.score:.1f})")
    for other in ranked[1:4]:
        why = "; ".join(other.checks) or (f"missing {', '.join(other.missing)}" if other.missing else "")
        reasons.append(f"{other.kind}: score {other.score:.1f}" + (f" - {why}" if why else ""))
    result = Classification(chosen, ranked, reasons)
    if chosen is not None and result.close:
        runner = result.runner_up
        chosen.warnings.append(
            f"it reads almost as well as {runner.kind} (score {runner.score:.1f} against {chosen.score:.1f}) - "
            f"check that it is a {chosen.kind} sheet"
        )
    return result


# Required columns that elimination may fill: identifiers and names, never what makes a kind a kind
# (a remittance's paid amount or CARC, a claim's date of service or code, an enrollment's status).
_ELIMINABLE = {
    "claim_id",
    "billed_amount",  # a claims export's one unused money column, when no header names the charge
    "payer_id or payer_name",
    "payer or payer_id",
    "provider_name or last_name",
    "npi",
    "rendering_npi",
}


def _eliminated(
    frame, ranked, all_values, knowledge, override, vocab, beat: float = 0.0
) -> SheetReading | None:
    """The best reading that misses one eliminable column and scores above `beat` (the valid reading's
    score, 0 when there is none), read again with the missing column filled by elimination, if that
    makes it whole, its checks pass and it still scores above `beat`."""
    for reading in [
        r for r in ranked
        if len(r.missing) == 1 and not r.checks and r.missing[0] in _ELIMINABLE and r.score > beat
    ][:2]:  # fmt: skip
        again = read_as(
            frame, reading.kind, reading.header_row, knowledge=knowledge, override=override, vocab=vocab,
            values=all_values[reading.header_row], eliminate=True,
        )  # fmt: skip
        _check_reading(again, all_values[reading.header_row], vocab, knowledge)
        if again.valid and again.score > beat:
            ranked.remove(reading)
            return again
    return None


def _rank(reading: SheetReading) -> tuple:
    return (reading.valid, reading.score if reading.valid else reading.score - 5 * len(reading.missing))
