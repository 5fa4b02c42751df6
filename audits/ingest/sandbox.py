"""Parsing uploads in a child process (SPEC 7: no file takes the server down).

The readers run native code (python-calamine in Rust, DuckDB's and pandas' CSV parsers) on files
anyone can upload. A reader bug is then at worst a native abort or an allocation that never ends,
and in the dashboard's process that ends every user's session. So `read_tables` parses in a child
process with its own limits - address space (CLEARTOBILL_PARSE_MEMORY_MB, default 8192) and CPU
time (CLEARTOBILL_PARSE_SECONDS, default 600, also the wall-clock limit) - and whatever happens to the
child (abort, segfault, out of memory, killed at the limit) is one sentence for that upload while the
server keeps serving.

Children are forked from a fork server started once per process (multiprocessing's `forkserver`, with
the readers preloaded): a clean single-threaded parent, so a child costs a fork (~20 ms), not a fresh
interpreter. The sheets come back as Arrow IPC: each column as typed arrays (text, numbers, dates,
booleans) plus where the missing cells were, rebuilt in the parent into exactly the frame the reader
gave (object columns keep their Python types; text columns stay Arrow-backed `str`).

Test hook: with CLEARTOBILL_TEST_CRASH_PARSE set to a file-name pattern (fnmatch), the child for a
matching file calls os.abort() before reading, so a test can crash the child on purpose.
"""

from __future__ import annotations

import fnmatch
import multiprocessing
import os
import pickle
import resource
import signal
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from audits.errors import InputError

CRASH_HOOK = "CLEARTOBILL_TEST_CRASH_PARSE"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Imported once in the fork server, so a child starts with them (and pandas' CSV reader) in place.
_PRELOAD = [
    "audits.ingest.sandbox",
    "audits.ingest.readers",
    "audits.ingest.xlsx_bounds",
    "pandas.io.parsers",
    "pyarrow",
    "pyarrow.pandas_compat",
    "python_calamine",
    "duckdb",
]
_context_lock = threading.Lock()
_context = None


def memory_limit_bytes() -> int:
    return int(os.environ.get("CLEARTOBILL_PARSE_MEMORY_MB", "8192")) * 1024**2


def time_limit_seconds() -> int:
    return int(os.environ.get("CLEARTOBILL_PARSE_SECONDS", "600"))


def _forkserver():
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            _context = context
        return _context


# ---------------------------------------------------------------------------------------- running

_start_lock = threading.Lock()
_BARE_MAIN = types.ModuleType("__main__")


def _start(child) -> None:
    """Start the child without telling it the caller's main module: multiprocessing would import it
    there (re-running a script that has no `if __name__ == "__main__"` guard, or the dashboard's
    entry point). The child needs nothing of it - the function it runs lives in this module.

    The fork server itself is started with the project on PYTHONPATH: Python 3.11's fork server
    imports its preload modules before it applies the parent's sys.path, and a preload it cannot
    import is skipped silently (each child would then import pandas afresh, ~1 s)."""
    from multiprocessing import forkserver

    with _start_lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = _BARE_MAIN
        saved = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join([str(_PROJECT_ROOT), *([saved] if saved else [])])
        try:
            forkserver.ensure_running()
            child.start()
        finally:
            if saved is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = saved
            if main is not None:
                sys.modules["__main__"] = main


class ParseFailed(InputError):
    """The child reading a file died or hit a limit; the message is the sentence for the user."""


def run(function: Callable, *args, name: str, crash: bool = False):
    """function(*args) in a child process under the limits; its exceptions come back as they were
    (an InputError stays one; anything else is re-raised as RuntimeError with the child's traceback)."""
    context = _forkserver()
    receive, send = context.Pipe(duplex=False)
    limits = (memory_limit_bytes(), time_limit_seconds())
    child = context.Process(
        target=_child,
        args=(send, function, args, limits, _settings(), crash),
        name="cleartobill-parse",
        daemon=True,
    )
    _start(child)
    send.close()
    try:
        if not receive.poll(limits[1] + 5):
            child.kill()
            raise ParseFailed(
                f"{name} could not be read within {limits[1]} s, the time an upload may take - nothing was "
                "loaded; split the file or export it as CSV."
            )
        try:
            status, payload = pickle.loads(receive.recv_bytes())
        except (EOFError, OSError):
            child.join(5)
            raise ParseFailed(_death_sentence(name, child.exitcode, limits)) from None
    finally:
        receive.close()
        _reap(child)
    if status == "ok":
        return payload
    if status == "input":
        raise InputError(payload)
    if status == "memory":
        raise ParseFailed(_death_sentence(name, None, limits, memory=True))
    raise RuntimeError(f"reading {name} failed in the parsing process:\n{payload}")


_exiting: list = []  # children that sent their result and are still on their way out


def _reap(child) -> None:
    """Forget children that have exited; one that has just sent its result is left to exit on its own
    (tearing down a big address space takes a while) and collected on a later call."""
    with _start_lock:
        _exiting.append(child)
        for process in list(_exiting):
            if not process.is_alive():
                process.join(0)
                _exiting.remove(process)
        for process in _exiting[:-8]:  # never more than a few stragglers: make sure they end
            process.kill()
            process.join(5)
            _exiting.remove(process)


def _death_sentence(name: str, exitcode: int | None, limits: tuple[int, int], memory: bool = False) -> str:
    megabytes = limits[0] // 1024**2
    if (
        memory or exitcode == -signal.SIGKILL
    ):  # MemoryError in the child, or the kernel's out-of-memory killer
        return (
            f"{name} needs more than the {megabytes:,} MB of memory an upload may use to be read - nothing was "
            "loaded; split the file or export it as CSV."
        )
    if exitcode == -signal.SIGXCPU:
        return (
            f"{name} could not be read within {limits[1]} s, the time an upload may take - nothing was loaded; "
            "split the file or export it as CSV."
        )
    return (
        f"{name} made the file reader stop (exit {exitcode}) - nothing was loaded and nothing else was "
        "affected; open it in Excel and save it again, or export it as CSV."
    )


def _settings() -> dict:
    """The bounds as this process has them (a fork server child would otherwise see the values of
    when the server started, not the environment or a test's setting of now)."""
    from audits.ingest import readers, xlsx_bounds

    names = {
        xlsx_bounds: [n for n in dir(xlsx_bounds) if n.startswith("MAX_")],
        readers: [n for n in dir(readers) if n.startswith("MAX_")],
    }
    return {(module.__name__, n): getattr(module, n) for module, found in names.items() for n in found}


def _child(send, function, args, limits, settings, crash) -> None:
    import importlib

    memory, seconds = limits
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    except (ValueError, OSError):  # pragma: no cover - a platform that refuses: the wall clock still holds
        pass
    for (module, name), value in settings.items():
        setattr(importlib.import_module(module), name, value)
    if crash:
        os.abort()
    try:
        result = ("ok", function(*args))
    except InputError as exc:
        result = ("input", str(exc))
    except MemoryError:
        result = ("memory", "")
    except Exception:  # a bug: its traceback goes back to the parent, never turned into "bad input"
        import traceback

        result = ("bug", traceback.format_exc())
    try:
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", ""))
    send.send_bytes(data)
    send.close()


# ---------------------------------------------------------------------------------------- sheets


def read_tables(path: str | os.PathLike) -> list:
    """readers.read_tables_here(path), parsed in a child process: the same RawSheets."""
    from audits.ingest import readers

    path = Path(path)
    readers.sniff_kind(path)  # the one-sentence checks that need no parser (missing, empty, binary)
    pattern = os.environ.get(CRASH_HOOK)
    crash = bool(pattern) and fnmatch.fnmatch(path.name, pattern)
    encoded = run(_read_encoded, str(path), name=path.name, crash=crash)
    return [readers.RawSheet(name, decode_frame(frame), delimited) for name, frame, delimited in encoded]


def _read_encoded(path: str) -> list[tuple[str, dict, bool]]:
    from audits.ingest import readers

    return [
        (sheet.name, encode_frame(sheet.frame), sheet.delimited) for sheet in readers.read_tables_here(path)
    ]


# A frame travels as its index, and per column either the Arrow array of a text (`str`) column or, for an
# object column, the positions of None and NaN and, per Python type present, the positions and an
# Arrow array of the values (pickled for types without an Arrow form: time, timedelta, ...). Arrow
# arrays pickle as their buffers, so text and numbers cross the pipe at memory speed.


def encode_frame(frame: pd.DataFrame) -> dict:
    import pyarrow as pa

    columns = []
    for label in frame.columns:
        column = frame[label]
        if column.dtype != object:
            columns.append((label, "arrow", pa.array(column, from_pandas=True)))
        else:
            columns.append((label, "object", _object_parts(column.to_numpy(dtype=object))))
    return {"index": np.asarray(frame.index, dtype=np.int64), "columns": columns}


def _object_parts(values: np.ndarray) -> dict:
    import datetime as dt

    import pyarrow as pa

    parts: dict = {"n": len(values)}
    is_none = np.equal(values, None)
    missing = pd.isna(values)
    other_missing = np.flatnonzero(missing & ~is_none)
    nan = [i for i in other_missing.tolist() if isinstance(values[i], float)]
    if is_none.any():
        parts["none"] = np.flatnonzero(is_none)
    if nan:
        parts["nan"] = np.array(nan, dtype=np.int64)
    odd = np.setdiff1d(other_missing, parts.get("nan", np.empty(0, np.int64)))  # pd.NA, NaT: kept as they are
    present = np.flatnonzero(~missing)
    groups = _by_type(values, present)
    if len(odd):
        groups[object] = np.sort(np.concatenate([groups.get(object, np.empty(0, np.int64)), odd]))
    converters = {
        str: lambda v: pa.array(v, pa.large_string()),
        float: lambda v: pa.array(v.astype(np.float64)),
        int: lambda v: pa.array(v, pa.int64()),
        bool: lambda v: pa.array(v.astype(bool)),
        dt.date: lambda v: pa.array(v, pa.date32()),
        dt.datetime: lambda v: pa.array(v, pa.timestamp("us")) if not any(x.tzinfo for x in v) else None,
    }
    typed = []
    for kind, positions in groups.items():
        chosen = values[positions]
        array = None
        if kind in converters:
            try:
                array = converters[kind](chosen)
            except (pa.ArrowException, OverflowError, TypeError, ValueError):
                array = None
        typed.append((positions, array if array is not None else pickle.dumps(chosen.tolist())))
    parts["typed"] = typed
    return parts


_TYPE_OF = np.frompyfunc(type, 1, 1)


def _by_type(values: np.ndarray, present: np.ndarray) -> dict:
    """Positions of the present values per exact Python type (one C-speed check for the usual case of
    a column of one type)."""
    if len(present) == 0:
        return {}
    chosen = values[present]
    first = type(chosen[0])
    inferred = pd.api.types.infer_dtype(chosen, skipna=False)
    plain = {"string": str, "floating": float, "boolean": bool}
    if plain.get(inferred) is first:
        return {first: present}
    types = _TYPE_OF(chosen)
    found = pd.unique(types)
    if len(found) == 1:
        return {found[0]: present}
    codes = pd.factorize(types)[0] if len(found) > 2 else (types == found[0]).astype(np.intp) * -1 + 1
    return {kind: present[codes == i] for i, kind in enumerate(found)}


def decode_frame(encoded: dict) -> pd.DataFrame:
    import pyarrow as pa

    index = _index(encoded["index"])
    columns = {}
    for label, kind, payload in encoded["columns"]:
        if kind == "arrow":
            columns[label] = pa.table({"c": payload}).to_pandas()["c"].set_axis(index)
        else:
            columns[label] = pd.Series(_object_column(payload), index=index, dtype=object, copy=False)
    if not columns:
        return pd.DataFrame(index=index, dtype=object)
    return pd.DataFrame(columns, index=index, copy=False)


def _index(index: np.ndarray) -> pd.Index:
    if len(index) and index[0] == 0 and (np.diff(index) == 1).all():
        return pd.RangeIndex(len(index))
    return pd.Index(index)


def _object_column(parts: dict) -> np.ndarray:
    out = np.empty(parts["n"], dtype=object)
    if "none" in parts:
        out[parts["none"]] = None
    if "nan" in parts:
        out[parts["nan"]] = np.nan
    for positions, values in parts["typed"]:
        holder = np.empty(len(positions), dtype=object)
        if isinstance(values, bytes):
            holder[:] = pickle.loads(values)
        elif values.type.id in (_date32_id(), _timestamp_id()):
            holder[:] = values.to_pylist()
        else:
            holder[:] = values.to_numpy(zero_copy_only=False)
        out[positions] = holder
    return out


def _date32_id() -> int:
    import pyarrow as pa

    return pa.date32().id


def _timestamp_id() -> int:
    import pyarrow as pa

    return pa.timestamp("us").id
