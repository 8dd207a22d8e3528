"""Files the staff side downloads, streamed: every staff export lives here.

Each export is a generator of bytes for a ``StreamingHttpResponse``, so that memory does not
grow with the number of rows or files.
"""

import zipfile

from django.http import StreamingHttpResponse

from accounts.models import User
from accounts.roles import role_of
from accreditation.models import DocumentEvent


class _ChunkSink:
    """A write-only file for zipfile that hands out what was written, for streaming."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_documents_zip(applications, *, by: User, chunk_size: int = 64 * 1024):
    """Yield a ZIP of the current documents of these applications, one folder per reference.

    Nothing is built in memory beyond one chunk of one file at a time. Each application's
    documents are recorded as viewed by ``by`` before their bytes go out, so that a
    download cut off half-way is on the record too.
    """
    sink = _ChunkSink()
    role = role_of(by)
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for application in applications:
            folder = application.reference or f"draft-{application.pk}"
            used: set[str] = set()
            documents = list(application.documents.current().order_by("kind", "pk"))
            DocumentEvent.objects.bulk_create(
                DocumentEvent(
                    application=application,
                    document=document,
                    actor=by,
                    role=role,
                    kind=DocumentEvent.Kind.VIEWED,
                )
                for document in documents
            )
            for document in documents:
                name = f"{folder}/{document.get_kind_display()} - {document.original_name}"
                while name in used:
                    name = f"{folder}/{document.pk}-{document.original_name}"
                used.add(name)
                with (
                    document.file.open("rb") as source,
                    archive.open(name, mode="w", force_zip64=True) as target,
                ):
                    while block := source.read(chunk_size):
                        target.write(block)
                        yield sink.take()
                yield sink.take()
    yield sink.take()


def documents_zip_response(applications, *, by: User, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        stream_documents_zip(applications, by=by), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response
