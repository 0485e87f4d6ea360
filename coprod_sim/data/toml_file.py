"""Reading a user's TOML file (a scenario, a design, a future): one reader, one set of errors.

A user's file is data, read with ``tomllib`` and never executed. Every way it can fail (missing,
a folder, too big, UTF-16, not UTF-8, not TOML) is one line naming the file and what is allowed;
a UTF-8 byte-order mark, as some Windows editors write, is accepted.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from coprod_sim.parameters import ScenarioError

#: the largest file read (a scenario or design file is a few dozen lines)
MAX_FILE_BYTES = 1 << 20


def read_toml(
    path: str | Path,
    what: str,
    allowed: str,
    error: type[ScenarioError] = ScenarioError,
    max_bytes: int = MAX_FILE_BYTES,
) -> dict[str, Any]:
    """The parsed table of ``path``; ``error(message)`` for any file that cannot be read.
    ``what`` names the file in messages ("scenario file 'x.toml'"), ``allowed`` ends them."""
    p = Path(path)
    if not p.exists():
        raise error(f"{what} does not exist; {allowed}")
    if p.is_dir():
        raise error(f"{what} is a folder, not a TOML file; {allowed}")
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise error(
                f"{what} is {size:,} bytes; allowed: a TOML file of at most {max_bytes:,} bytes"
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise error(f"{what} cannot be read: {exc.strerror or exc}; {allowed}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{what} is UTF-16 text; {allowed} (save it as UTF-8)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
            f"{allowed} (save it as UTF-8)"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} is not valid TOML: {exc}; {allowed}") from None


def read_toml_text(path: str | Path) -> str:
    """The text of a file ``read_toml`` accepted (for records that keep the source)."""
    return Path(path).read_bytes().decode("utf-8-sig")
