"""mod_cdr_csv: one CSV line per call at hangup, from a template of ``${variables}``.

Like the module: at CS_REPORTING the default template is expanded with the channel's
variables (the caller profile fields ``caller_id_number``, ``caller_id_name``,
``destination_number``, ``context`` and ``uuid`` included) and appended, unescaped, to
``<log-base>/cdr-csv/Master.csv``. Simpler than the module: every leg is written (with ``legs``
= ``a`` FreeSWITCH skips legs a bridge originated). Not in the captures: written from the
module's documentation and source; the engine reads only lines of hotline callers.
"""

from __future__ import annotations

import re
from pathlib import Path

from callcenter.sim.channel import Channel, variable

_VAR = re.compile(r"\$\{(\w+)\}")


class CdrCsv:
    """Writes the CDR of every leg that ends (``Switch.cdr``)."""

    def __init__(self, log_base: str | Path, template: str) -> None:
        self.path = Path(log_base) / "cdr-csv" / "Master.csv"
        self.template = template if template.endswith("\n") else template + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, ch: Channel) -> None:
        """Append the channel's line."""
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(_VAR.sub(lambda m: variable(ch, m.group(1)), self.template))
