"""Inspecting an uploaded PDF in a child process, within a fixed memory and time budget.

uploads.check_upload never parses a PDF itself. It keeps one helper process
running this file,

    python -I accreditation/pdfcheck.py serve

and sends it each PDF as a line of JSON (the length and the limits) followed by
the bytes. The helper has imported pikepdf once; for each PDF it forks a child
that limits its own address space, CPU time and core dumps before it opens the
file, so that a PDF that inflates to gigabytes (an object stream is
decompressed whole when one of its objects is read) fails in that child,
against the limit, and not in the web worker. The helper waits for the child
at most the wall-clock timeout, kills it past that, and answers one line of
JSON:

    {"verdict": "accepted", "pages": 3, "objects": 40, "peak_rss_kb": ..., "peak_vm_kb": ...}
    {"verdict": "refused", "rule": "script", "detail": "JavaScript", "count": null, ...}

A child killed by a limit, out of time or crashed is reported as refused by
the "budget" rule. The parent turns each rule into a translated message.

Forking from a helper that has already imported pikepdf makes a check cost a
few milliseconds instead of the 150 to 200 ms of starting Python and importing
pikepdf for every file. This file imports neither Django nor anything of the
project, only the standard library and pikepdf; it runs with -I, so neither
the environment nor the project's directory is on its path (the project has
modules named like the standard library's, such as selectors).
"""

import io
import json
import logging
import os
import re
import resource
import select
import signal
import sys
import time
from urllib.parse import parse_qsl

MiB = 1024 * 1024

# Rules, as reported to the parent.
BUDGET = "budget"
UNREADABLE = "unreadable"
LOCKED = "locked"
ENCRYPTED = "encrypted"
NO_PAGES = "no_pages"
TOO_MANY_PAGES = "too_many_pages"
TOO_MANY_OBJECTS = "too_many_objects"
SCRIPT = "script"
EMBEDDED_FILE = "embedded_file"
XFA = "xfa"
MEDIA = "media"
OPENS_FILE = "opens_file"
NOT_WEB_ADDRESS = "not_web_address"
SENDS_DATA = "sends_data"
AUTOMATIC_LINK = "automatic_link"
UNKNOWN_ACTION = "unknown_action"

# Names refused wherever they appear, as a key or as a value. pikepdf decodes
# #xx escapes in names, so /J#61vaScript is seen as /JavaScript.
REFUSED_NAMES = {
    "/JavaScript": SCRIPT,
    "/JS": SCRIPT,
    # A 3D artwork's script, run when the 3D view is shown.
    "/OnInstantiate": SCRIPT,
    "/EmbeddedFiles": EMBEDDED_FILE,
    "/EmbeddedFile": EMBEDDED_FILE,
    "/FileAttachment": EMBEDDED_FILE,
    # The embedded-file streams of a file specification.
    "/EF": EMBEDDED_FILE,
    "/RF": EMBEDDED_FILE,
    "/XFA": XFA,
    "/RichMedia": MEDIA,
    "/RichMediaContent": MEDIA,
    "/RichMediaExecute": MEDIA,
}
# Annotations that play sound, video or 3D artwork, possibly from other files.
MEDIA_ANNOTATIONS = {"/Sound", "/Movie", "/Screen", "/3D", "/RichMedia"}

# Actions that only move within the document or change how it is shown.
HARMLESS_ACTIONS = {"/GoTo", "/Named", "/SetOCGState", "/Hide", "/ResetForm", "/Trans"}
ACTION_RULES = {
    "/GoToR": OPENS_FILE,
    "/GoToE": OPENS_FILE,
    "/Launch": OPENS_FILE,
    "/ImportData": OPENS_FILE,
    "/SubmitForm": SENDS_DATA,
    "/JavaScript": SCRIPT,
    "/Rendition": MEDIA,
    "/Sound": MEDIA,
    "/Movie": MEDIA,
    "/RichMediaExecute": MEDIA,
}
# Every action type of PDF 2.0: a dictionary whose /S is one of these is checked
# as an action wherever it sits, not only where actions are expected.
ACTION_TYPES = {
    *HARMLESS_ACTIONS,
    *ACTION_RULES,
    "/URI",
    "/Thread",
    "/GoTo3DView",
    "/GoToDp",
}
# Where an action fires without a click: when the document is opened, or when
# a page, a field or an annotation is shown, hidden, entered or left.
AUTOMATIC_ACTION_KEYS = {"/OpenAction", "/AA"}

WEB_SCHEMES = {"http", "https"}
# Mail clients that honoured these parameters attached local files to the new
# message ("Mailto: me your secrets", 2020).
MAILTO_ATTACHMENT_PARAMETERS = {"attach", "attachment"}
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
DETAIL_LENGTH = 60
CONTROLS_AND_SPACE = "".join(chr(code) for code in range(0x21)) + "\x7f"


class Refused(Exception):
    def __init__(self, rule: str, detail: str = "", count: int | None = None):
        super().__init__(rule)
        self.rule = rule
        self.detail = detail
        self.count = count

    def report(self) -> dict:
        return {"verdict": "refused", "rule": self.rule, "detail": self.detail, "count": self.count}


def limit_resources(memory_mb: int, cpu_seconds: int) -> None:
    """Bound this process before it parses anything: address space, CPU time, no core file.

    Past the CPU limit the kernel sends SIGXCPU, and one second later SIGKILL.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MiB, memory_mb * MiB))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def measurements() -> dict:
    """Peak resident memory and peak address space, in KiB, as /proc tells them.

    ru_maxrss is only the fallback: it carries over the peak of the process
    that started the helper (a web worker's), where VmHWM starts afresh.
    """
    found = {"peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    fields = {"VmHWM:": "peak_rss_kb", "VmPeak:": "peak_vm_kb"}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                name = line.split(maxsplit=1)[0] if line.strip() else ""
                if name in fields:
                    found[fields[name]] = int(line.split()[1])
    except OSError:
        pass
    return found


class QpdfWarnings(logging.Handler):
    """Notes the warnings that mean qpdf gave up on part of the file for lack of budget.

    qpdf does not fail when it cannot allocate the memory to decompress an
    object stream, nor when data is nested deeper than it parses: it warns,
    and reads the objects concerned as null. A reader with more memory, or
    fewer limits, would see them; the file is refused rather than checked
    without them. Nothing is kept but the first such warning.
    """

    SIGNS = ("bad_alloc", "limits error")

    def __init__(self):
        super().__init__(logging.WARNING)
        self.gave_up = ""

    def emit(self, record) -> None:
        if not self.gave_up:
            message = record.getMessage()
            if any(sign in message for sign in self.SIGNS):
                self.gave_up = message.strip()[-200:]


def inspect(content: bytes, max_pages: int, max_objects: int) -> dict:
    import pikepdf

    warnings = QpdfWarnings()
    logger = logging.getLogger("pikepdf")
    logger.addHandler(warnings)
    logger.propagate = False
    try:
        return _inspect(pikepdf, content, max_pages, max_objects, warnings)
    except Refused:
        raise
    except Exception as error:
        # Whatever went wrong, it may be for the part of the file qpdf gave up on.
        if warnings.gave_up:
            raise Refused(BUDGET, warnings.gave_up) from error
        raise
    finally:
        logger.removeHandler(warnings)


def _inspect(pikepdf, content, max_pages, max_objects, warnings) -> dict:
    try:
        pdf = pikepdf.open(io.BytesIO(content), suppress_warnings=False)
    except pikepdf.PasswordError as error:
        raise Refused(LOCKED) from error
    with pdf:
        if pdf.is_encrypted:
            raise Refused(ENCRYPTED)
        objects = pdf.objects
        if len(objects) > max_objects:
            raise Refused(TOO_MANY_OBJECTS, count=len(objects))
        pages = len(pdf.pages)
        if not pages:
            raise Refused(NO_PAGES)
        if pages > max_pages:
            raise Refused(TOO_MANY_PAGES, count=pages)
        Walk(pikepdf).objects(objects)
        if warnings.gave_up:
            raise Refused(BUDGET, warnings.gave_up)
        return {"verdict": "accepted", "pages": pages, "objects": len(objects)}


def name_pattern(names) -> re.Pattern:
    """Any of these names as a whole token in qpdf's unparsed form of an object.

    qpdf writes names decoded and re-escaped only where PDF requires it, so
    /J#61vaScript in a file is written /JavaScript.
    """
    words = sorted((name[1:] for name in names), key=len, reverse=True)
    return re.compile(
        rb"/(?:"
        + b"|".join(re.escape(word.encode("ascii")) for word in words)
        + rb")(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
    )


# Names that make an object worth a closer look, wherever they are. Most
# objects of a file carry none of them, nor an action, and are passed over
# after a regular-expression search or two.
WORTH_A_LOOK = name_pattern(
    {
        *REFUSED_NAMES,
        *(ACTION_TYPES - HARMLESS_ACTIONS),
        *MEDIA_ANNOTATIONS,
        *AUTOMATIC_ACTION_KEYS,
        "/Next",
        # /Type /Action, written by some producers in every action.
        "/Action",
    }
)
# In a stream's dictionary, /F names another file that holds the stream's data.
EXTERNAL_STREAM_KEYS = {"/F", "/FFilter", "/FDecodeParms"}
STREAM_WORTH_A_LOOK = name_pattern(
    {*REFUSED_NAMES, *(ACTION_TYPES - HARMLESS_ACTIONS), *EXTERNAL_STREAM_KEYS}
)
# An /A entry is an annotation's or an outline item's action, or a structure
# element's attributes. Tagged files carry one of the latter in most of their
# thousands of structure elements, so an /A is looked at closely only when it
# is an indirect object, or when the object names an /S that is neither a
# harmless action nor one of the other things /S names: a structure type,
# a transparency group, a soft mask, a page label style, a border style or a
# page transition. (An action of one of those types is an action no reader
# knows; it is passed over here rather than refused.)
ACTION_KEY = name_pattern({"/A"})
INDIRECT_ACTION = re.compile(rb"/A\s+\d+\s+\d+\s+R")
KIND = re.compile(rb"/S\s*/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
NOT_ACTIONS = {
    name.encode("ascii")
    for name in (
        *(action[1:] for action in HARMLESS_ACTIONS),
        # Standard structure types, PDF 1.7 and 2.0.
        *("Document", "DocumentFragment", "Part", "Art", "Sect", "Div", "BlockQuote"),
        *("Caption", "TOC", "TOCI", "Index", "NonStruct", "Private", "P", "H", "H1", "H2"),
        *("H3", "H4", "H5", "H6", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD"),
        *("THead", "TBody", "TFoot", "Span", "Quote", "Note", "Reference", "BibEntry"),
        *("Code", "Link", "Annot", "Ruby", "RB", "RT", "RP", "Warichu", "WT", "WP"),
        *("Figure", "Formula", "Form", "Title", "FENote", "Sub", "Aside", "Em", "Strong"),
        "Artifact",
        # Transparency group, soft masks, page labels, border styles, transitions.
        *("Transparency", "Alpha", "Luminosity", "D", "R", "r", "A", "a", "S", "B", "I", "U"),
        *("Split", "Blinds", "Box", "Wipe", "Dissolve", "Glitter", "Fly", "Push", "Cover"),
        *("Uncover", "Fade"),
    )
}


def worth_a_look(text: bytes) -> bool:
    if WORTH_A_LOOK.search(text):
        return True
    if not ACTION_KEY.search(text):
        return False
    return bool(INDIRECT_ACTION.search(text)) or any(
        kind not in NOT_ACTIONS for kind in KIND.findall(text)
    )


class Walk:
    """Looks at every object of the file, each indirect object once.

    Iterative, with an explicit stack: a file may nest arrays and dictionaries
    as deep as the parser allows, far deeper than Python's recursion limit.
    Indirect children are visited on their own through pdf.objects; direct
    ones (an action written inline in an annotation) only through their parent.
    """

    def __init__(self, pikepdf):
        self.Array = pikepdf.Array
        self.Dictionary = pikepdf.Dictionary
        self.Name = pikepdf.Name
        self.Object = pikepdf.Object
        self.Stream = pikepdf.Stream
        self.String = pikepdf.String

    def objects(self, objects) -> None:
        for obj in objects:
            if not isinstance(obj, self.Object):
                continue  # null, a number or a boolean, given as Python's own.
            if isinstance(obj, self.Stream):
                if STREAM_WORTH_A_LOOK.search(obj.stream_dict.unparse(resolved=True)):
                    self.walk(obj)
            elif worth_a_look(obj.unparse(resolved=True)):
                self.walk(obj)

    def walk(self, top) -> None:
        stack = [top]
        while stack:
            obj = stack.pop()
            if isinstance(obj, self.Stream):
                external = EXTERNAL_STREAM_KEYS.intersection(obj.stream_dict.keys())
                if external:
                    raise Refused(OPENS_FILE, min(external)[1:])
                obj = obj.stream_dict
            if isinstance(obj, self.Dictionary):
                self.dictionary(obj)
                children = obj.values()
            elif isinstance(obj, self.Array):
                children = obj
            else:
                self.name(obj)
                continue
            for child in children:
                if isinstance(child, self.Dictionary | self.Array) and not child.is_indirect:
                    stack.append(child)
                else:
                    self.name(child)

    def name(self, value) -> None:
        if isinstance(value, self.Name):
            refuse_name(str(value))

    def dictionary(self, obj) -> None:
        keys = obj.keys()
        if "/Subtype" in keys and "/Rect" in keys:
            subtype = obj["/Subtype"]
            if isinstance(subtype, self.Name) and str(subtype) in MEDIA_ANNOTATIONS:
                raise Refused(MEDIA, str(subtype)[1:])
        for key in keys:
            refuse_name(key)
        if "/S" in keys or "/Type" in keys:
            kind = obj.get("/S")
            if (isinstance(kind, self.Name) and str(kind) in ACTION_TYPES) or self.is_action(obj):
                self.actions(obj, automatic=False)
        if "/A" in keys:
            action = obj["/A"]
            # A structure element's /A holds attributes, with neither /S nor /Type /Action.
            if isinstance(action, self.Dictionary) and ("/S" in action or self.is_action(action)):
                self.actions(action, automatic=False)
        if "/OpenAction" in keys:
            # A destination (an array such as [page /FitH top]) is not an action.
            action = obj["/OpenAction"]
            if isinstance(action, self.Dictionary):
                self.actions(action, automatic=True)
        if "/AA" in keys:
            triggers = obj["/AA"]
            if isinstance(triggers, self.Dictionary):
                for action in triggers.values():
                    self.actions(action, automatic=True)

    def is_action(self, obj) -> bool:
        kind = obj.get("/Type")
        return isinstance(kind, self.Name) and str(kind) == "/Action"

    def actions(self, first, *, automatic: bool) -> None:
        """The action and those it chains to through /Next, each once."""
        pending = [first]
        seen = set()
        while pending:
            action = pending.pop()
            if isinstance(action, self.Array):
                pending.extend(action)
                continue
            if not isinstance(action, self.Dictionary):
                continue
            if action.is_indirect:
                if action.objgen in seen:
                    continue
                seen.add(action.objgen)
            self.action(action, automatic=automatic)
            if "/Next" in action:
                pending.append(action["/Next"])

    def action(self, action, *, automatic: bool) -> None:
        kind = action.get("/S")
        kind = str(kind) if isinstance(kind, self.Name) else ""
        if kind in HARMLESS_ACTIONS:
            return
        if kind in ACTION_RULES:
            raise Refused(ACTION_RULES[kind], kind[1:])
        if kind == "/Thread":
            if "/F" in action:
                # An article in another file.
                raise Refused(OPENS_FILE, "Thread")
            return
        if kind == "/URI":
            address = self.address(action.get("/URI"))
            check_address(address)
            if automatic:
                raise Refused(AUTOMATIC_LINK, shown(address))
            return
        raise Refused(UNKNOWN_ACTION, kind[1:] or "?")

    def address(self, value) -> str:
        """The link's address: ASCII by the standard, UTF-16 or UTF-8 from some writers."""
        if not isinstance(value, self.String):
            return ""
        raw = bytes(value)
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be", "replace")
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")


def refuse_name(name: str) -> None:
    rule = REFUSED_NAMES.get(name)
    if rule == SCRIPT:
        # /JS, /JavaScript or a 3D artwork's /OnInstantiate: all hold JavaScript.
        raise Refused(SCRIPT, "JavaScript")
    if rule:
        raise Refused(rule, name[1:])


def shown(text: str) -> str:
    """Printable characters only, cut short: safe to put in a message."""
    text = "".join(char for char in text if char.isprintable())
    return text if len(text) <= DETAIL_LENGTH else text[: DETAIL_LENGTH - 1] + "…"


def check_address(address: str) -> None:
    """Refuse a link that is not to a web page or an e-mail address.

    Readers and browsers ignore tabs and line breaks anywhere in an address, and
    spaces and control characters around it: "jav\\tascript:" is "javascript:".
    An address without a scheme (a relative one, or a UNC path such as
    \\\\host\\share\\x.pdf, which makes Windows send the user's credentials to
    that host) is refused with the rest.
    """
    cleaned = re.sub(r"[\t\n\r]", "", address).strip(CONTROLS_AND_SPACE)
    match = SCHEME.match(cleaned)
    if not match:
        raise Refused(NOT_WEB_ADDRESS, shown(cleaned) or "?")
    scheme = match.group(1).lower()
    if scheme in WEB_SCHEMES:
        return
    if scheme == "mailto":
        _, _, query = cleaned.partition("?")
        parameters = {name.lower() for name, _ in parse_qsl(query, keep_blank_values=True)}
        if parameters & MAILTO_ATTACHMENT_PARAMETERS:
            raise Refused(NOT_WEB_ADDRESS, "mailto:?attach")
        return
    raise Refused(NOT_WEB_ADDRESS, f"{scheme}:")


def check(content: bytes, max_pages: int, max_objects: int) -> dict:
    """The verdict on one PDF, in this process: only ever called in a limited child."""
    try:
        report = inspect(content, max_pages, max_objects)
    except Refused as refused:
        report = refused.report()
    except (MemoryError, RecursionError) as error:
        report = Refused(BUDGET, type(error).__name__).report()
    except Exception as error:  # pikepdf.PdfError, or whatever else a hostile file causes.
        report = Refused(UNREADABLE, f"{type(error).__name__}: {error}"[-200:]).report()
    report.update(measurements())
    return report


def check_in_child(content: bytes, request: dict) -> dict:
    """Fork a child that limits itself and checks the PDF; wait for it within the timeout."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # The child: it never returns.
        status = 70
        try:
            os.close(reader)
            limit_resources(request["memory_mb"], request["cpu_seconds"])
            report = check(content, request["max_pages"], request["max_objects"])
            output = json.dumps(report).encode() + b"\n"
            while output:
                output = output[os.write(writer, output) :]
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    output, timed_out = read_until_closed(reader, time.monotonic() + request["timeout_seconds"])
    os.close(reader)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return Refused(BUDGET, "timeout").report()
    if os.WIFSIGNALED(status):
        return Refused(BUDGET, signal.Signals(os.WTERMSIG(status)).name).report()
    try:
        return json.loads(output)
    except ValueError:
        return Refused(BUDGET, f"exit status {os.waitstatus_to_exitcode(status)}").report()


def read_until_closed(fd: int, deadline: float) -> tuple[bytes, bool]:
    """What the child writes, up to the deadline; and whether the deadline passed."""
    chunks = []
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b"".join(chunks), True
        if poller.poll(remaining * 1000):
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks), False
            chunks.append(chunk)


def serve(requests, answers) -> int:
    """Answer requests until the parent closes the pipe: each a JSON line, then the PDF."""
    import pikepdf  # noqa: F401 - imported once here, so that each child starts with it

    while True:
        header = requests.readline()
        if not header:
            return 0
        request = json.loads(header)
        content = requests.read(request["length"])
        if len(content) != request["length"]:
            return 1
        report = check_in_child(content, request)
        del content
        answers.write(json.dumps(report).encode() + b"\n")
        answers.flush()


def main(argv: list[str]) -> int:
    if argv[1:] != ["serve"]:
        sys.stderr.write(f"usage: {argv[0]} serve\n")
        return 2
    return serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
