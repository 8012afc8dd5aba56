"""Arrow tables -> CSV / JSON Lines bytes, column-wise.

Each column is rendered to strings with Arrow kernels and the columns are joined element-wise, so a
whole chunk becomes one contiguous UTF-8 buffer without a Python loop over rows. CSV quoting is
minimal (only values containing the delimiter, a quote or a line break), nulls are empty fields.
JSON escaping covers backslashes and quotes; generated values never contain control characters.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth.formats import concat


def csv_header(columns: tuple[str, ...], delimiter: str) -> bytes:
    return (delimiter.join(columns) + "\n").encode()


def csv_bytes(table: pa.Table, delimiter: str) -> bytes:
    if table.num_rows == 0:
        return b""
    table = table.combine_chunks()
    cells = [_csv_cell(col.chunk(0) if col.num_chunks else col, delimiter) for col in table.columns]
    row = pc.binary_join_element_wise(*cells, delimiter) if len(cells) > 1 else cells[0]
    return _buffer_bytes(concat(row, "\n"))


def _csv_cell(arr: pa.Array, delimiter: str) -> pa.Array:
    if pa.types.is_string(arr.type):
        needs = pc.match_substring_regex(arr, f'[{delimiter}"\\n\\r]')
        if pc.any(needs).as_py():
            quoted = concat('"', pc.replace_substring(arr, '"', '""'), '"')
            arr = pc.if_else(needs, quoted, arr)
        return pc.fill_null(arr, "")
    return pc.fill_null(pc.cast(arr, pa.string()), "")


def jsonl_bytes(table: pa.Table) -> bytes:
    if table.num_rows == 0:
        return b""
    table = table.combine_chunks()
    parts: list[pa.Array | str] = []
    for i, (name, col) in enumerate(zip(table.column_names, table.columns, strict=True)):
        parts.append(("{" if i == 0 else ",") + f'"{name}":')
        parts.append(json_values(col.chunk(0) if col.num_chunks else col))
    parts.append("}\n")
    return _buffer_bytes(concat(*parts))


def json_values(arr: pa.Array) -> pa.Array:
    """One JSON text per element (``null`` for nulls)."""
    t = arr.type
    if pa.types.is_string(t):
        esc = pc.replace_substring(pc.replace_substring(arr, "\\", "\\\\"), '"', '\\"')
        out = concat('"', esc, '"')
    elif pa.types.is_integer(t) or pa.types.is_floating(t):
        out = pc.cast(arr, pa.string())
    elif pa.types.is_boolean(t):
        out = pc.if_else(arr, "true", "false")
    elif pa.types.is_struct(t):
        parts: list[pa.Array | str] = []
        for i, (field, child) in enumerate(zip(t, arr.flatten(), strict=True)):
            parts.append(("{" if i == 0 else ",") + f'"{field.name}":')
            parts.append(json_values(child))
        parts.append("}")
        out = concat(*parts)
        if arr.null_count:
            out = pc.if_else(pc.is_valid(arr), out, pa.scalar(None, pa.string()))
    elif pa.types.is_list(t):
        inner = json_values(arr.values)
        joined = pc.binary_join(pa.ListArray.from_arrays(arr.offsets, inner), ",")
        out = concat("[", joined, "]")
        if arr.null_count:
            out = pc.if_else(pc.is_valid(arr), out, pa.scalar(None, pa.string()))
    elif pa.types.is_null(t):
        return pa.array(["null"] * len(arr), pa.string())
    else:
        raise TypeError(f"no JSON rendering for {t}")
    return pc.fill_null(out, "null")


def _buffer_bytes(lines: pa.Array) -> bytes:
    """The concatenated UTF-8 of a string array with no nulls, without copying per value."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    return lines.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()
