"""The end of an MCAP file that is still being written, so readers accept it at any moment.

A crashed recorder leaves no summary section. Appending a Data End record and a Footer
whose summary offsets are 0 (the MCAP specification's "no summary") makes the file
complete: readers then scan its records instead of using an index. The writer puts this
tail after every durable point and writes over it with the next chunk or the real summary.
"""
from __future__ import annotations

import struct

MAGIC = b'\x89MCAP0\r\n'
_DATA_END = 0x0F
_FOOTER = 0x02


def _record(opcode: int, content: bytes) -> bytes:
    return struct.pack('<BQ', opcode, len(content)) + content


# Data End: data section CRC 0 (not computed); Footer: summary start, summary offset start
# and summary CRC all 0.
PROVISIONAL_END = (_record(_DATA_END, struct.pack('<I', 0))
                   + _record(_FOOTER, struct.pack('<QQI', 0, 0, 0)) + MAGIC)
