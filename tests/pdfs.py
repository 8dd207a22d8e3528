"""Hand-written PDFs for the upload checks: files that are valid but hostile.

Written byte by byte rather than through pikepdf, so that each file is exactly
what a hostile applicant could send: an object stream that inflates a
thousandfold, arrays nested to the parser's limit, any action or name.
"""

import struct
import zlib

MiB = 1024 * 1024
ADLER_MODULUS = 65521
# A fixed-Huffman deflate block holding nothing but its end code, with the final
# bit set: the usual way to close a deflate stream.
FINAL_EMPTY_BLOCK = b"\x03\x00"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> "


def write_pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF of these objects (number → body) with a classic cross-reference table."""
    parts = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
    position = len(parts[0])
    offsets = {}
    for number in sorted(objects):
        offsets[number] = position
        part = b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
        parts.append(part)
        position += len(part)
    size = max(objects) + 1
    parts.append(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    parts.extend(
        b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        for number in range(1, size)
    )
    parts.append(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, position)
    )
    return b"".join(parts)


def one_page_pdf(
    catalog_extra: bytes = b"", page_extra: bytes = b"", extra: dict[int, bytes] | None = None
) -> bytes:
    """Catalog 1, pages 2, page 3, then any extra objects (numbered from 4)."""
    return write_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
            2: PAGES,
            3: PAGE + page_extra + b">>",
            **(extra or {}),
        }
    )


def nested(depth: int, inner: bytes = b"", *, kind: str = "array") -> bytes:
    """Arrays (or dictionaries) each holding the next, `depth` levels in all.

    With `inner` (a dictionary, itself one level), `depth - 1` levels hold it.
    """
    levels = depth - 1 if inner else depth
    if kind == "array":
        return b"[" * levels + inner + b"]" * levels
    return b"<< /Deeper " * levels + (inner or b"null") + b" >>" * levels


def many_objects_pdf(count: int) -> bytes:
    """A one-page PDF with `count` small objects more, referred to from the catalog."""
    numbers = range(4, 4 + count)
    return one_page_pdf(
        catalog_extra=b"/Extra [" + b" ".join(b"%d 0 R" % number for number in numbers) + b"] ",
        extra={number: b"<< /N %d >>" % number for number in numbers},
    )


def zero_block(size: int = MiB) -> bytes:
    """A flushed raw-deflate block that inflates to `size` NUL bytes.

    After a full flush the compressor starts afresh, so compressing the same
    block again yields the same bytes: one block can be repeated as many times
    as wanted without compressing gigabytes.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(size)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    second = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first == second, "a fully flushed block should repeat identically"
    return first


def deflate_with_padding(head: bytes, padding_blocks: int) -> tuple[bytes, int]:
    """zlib data that inflates to `head` then `padding_blocks` MiB of NUL bytes.

    Returns the compressed bytes and the exact inflated length. The checksum of
    the whole is worked out from the head's: a NUL adds nothing to Adler-32's
    first sum, and adds the first sum to the second.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_deflated = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    padding = padding_blocks * MiB
    adler = zlib.adler32(head)
    first_sum, second_sum = adler & 0xFFFF, adler >> 16
    second_sum = (second_sum + padding * first_sum) % ADLER_MODULUS
    checksum = struct.pack(">I", (second_sum << 16) | first_sum)
    blocks = zero_block() * padding_blocks if padding_blocks else b""
    return b"\x78\xda" + head_deflated + blocks + FINAL_EMPTY_BLOCK + checksum, len(head) + padding


def object_stream_pdf(
    stream_objects: dict[int, bytes],
    *,
    padding_blocks: int = 0,
    catalog: bytes = b"<< /Type /Catalog /Pages 2 0 R >>",
) -> tuple[bytes, int]:
    """A PDF 1.5 whose objects given sit in one object stream.

    The catalog is object 1, in the stream if given there, else in the file;
    pages are objects 2 and 3, the object stream the next number after the
    highest given, then the cross-reference stream that object streams require.
    With `padding_blocks`, the object stream's data goes on with that many MiB
    of NUL bytes, which PDF reads as white space: each MiB takes about a
    kilobyte in the file. Returns the file and how long the stream inflates to.
    """
    numbers = sorted(stream_objects)
    bodies = [stream_objects[number] + b"\n" for number in numbers]
    offsets, position = [], 0
    for body in bodies:
        offsets.append(position)
        position += len(body)
    header = b" ".join(b"%d %d" % pair for pair in zip(numbers, offsets, strict=True)) + b"\n"
    data, inflated = deflate_with_padding(header + b"".join(bodies), padding_blocks)
    stream_number = max(*numbers, 3) + 1
    xref_number = stream_number + 1
    in_file = {
        **({} if 1 in stream_objects else {1: catalog}),
        2: PAGES,
        3: PAGE + b">>",
        stream_number: b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n"
        b"stream\n%s\nendstream" % (len(numbers), len(header), len(data), data),
    }
    parts = [b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"]
    position = len(parts[0])
    file_offsets = {}
    for number, body in in_file.items():
        file_offsets[number] = position
        part = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        parts.append(part)
        position += len(part)
    file_offsets[xref_number] = position
    # Type 0: free; type 1: at an offset in the file; type 2: inside an object stream.
    entries = []
    for number in range(xref_number + 1):
        if number in file_offsets:
            entries.append(struct.pack(">BIH", 1, file_offsets[number], 0))
        elif number in stream_objects:
            entries.append(struct.pack(">BIH", 2, stream_number, numbers.index(number)))
        else:
            entries.append(struct.pack(">BIH", 0, 0, 65535))
    xref_data = b"".join(entries)
    parts.append(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
        % (xref_number, xref_number + 1, len(xref_data), xref_data, position)
    )
    return b"".join(parts), inflated


def objstm_bomb(file_bytes: int) -> tuple[bytes, int]:
    """A valid PDF of at most `file_bytes` whose catalog sits in an object stream
    that inflates about a thousand times larger: the catalog, then NUL bytes.

    Returns the file and how many bytes its object stream inflates to.
    """
    blocks = max(1, (file_bytes - 1024) // len(zero_block()))
    return object_stream_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>"}, padding_blocks=blocks)
