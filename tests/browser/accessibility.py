"""Automatic accessibility checks: axe-core in the browser, the Nu Html Checker on the HTML.

Both tools come from npm (package.json pins them; ``make test`` runs ``npm ci``), and the
checker needs Java. When one is missing the check fails with the command that installs it:
it is never skipped.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.helpers import sign_in

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_HINT = (
    "run `make test`, or `npm ci --ignore-scripts` and `bash .ci/ensure-node-and-java.sh`"
)

# What fails the build: the two highest of axe's four impacts.
FAILING_IMPACTS = {"serious", "critical"}


def axe_script() -> Path:
    assert AXE_SCRIPT.is_file(), (
        f"axe-core is not installed ({AXE_SCRIPT} is missing): {INSTALL_HINT}"
    )
    return AXE_SCRIPT


def java() -> str:
    found = shutil.which("java")
    assert found, f"Java is needed for the Nu Html Checker and is not on the PATH: {INSTALL_HINT}"
    return found


def vnu_jar() -> Path:
    assert VNU_JAR.is_file(), f"vnu-jar is not installed ({VNU_JAR} is missing): {INSTALL_HINT}"
    return VNU_JAR


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now, with its default
    rules (WCAG A and AA, and best practices; not AAA nor experimental ones).

    axe is loaded by ``context.add_init_script(path=axe_script())``, which also works where a
    Content-Security-Policy would refuse an injected script tag.
    """
    results = page.evaluate(
        "options => window.axe.run(document, options)", {"resultTypes": ["violations"]}
    )
    return [
        violation for violation in results["violations"] if violation["impact"] in FAILING_IMPACTS
    ]


def describe_violation(violation: dict) -> str:
    targets = "; ".join(
        " ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
        for node in violation["nodes"][:5]
    )
    return f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}" + (
        f" (+{len(violation['nodes']) - 5} more)" if len(violation["nodes"]) > 5 else ""
    )


def nu_html_errors(files: list[Path]) -> dict[Path, list[str]]:
    """The Nu Html Checker's errors in each file (its warnings are left out), in one run of Java
    for all of them: Java's start is the slow part. File names must differ."""
    if not files:
        return {}
    completed = subprocess.run(
        [java(), "-jar", str(vnu_jar()), "--format", "json", "--stdout", "--exit-zero-always"]
        + [str(path) for path in files],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    by_name = {path.name: path for path in files}
    errors: dict[Path, list[str]] = {}
    for message in json.loads(completed.stdout)["messages"]:
        if message.get("type") not in {"error", "non-document-error"}:
            continue
        url = message.get("url", "")
        path = by_name.get(url.rsplit("/", 1)[-1], Path(url))
        where = f"line {message['lastLine']}: " if "lastLine" in message else ""
        extract = f" [{message['extract'].strip()}]" if message.get("extract") else ""
        errors.setdefault(path, []).append(f"{where}{message['message']}{extract}")
    return errors


@dataclass
class Report:
    """What the checks found, page by page; empty when all is well."""

    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    tolerated: set[str] = field(default_factory=set)

    def add(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")

    def __str__(self) -> str:
        return f"{len(self.problems)} problem(s) on {len(self.pages)} pages:\n" + "\n".join(
            self.problems
        )


def session_cookie(live_server_url: str, user, *, second_factor_passed=True) -> dict:
    """The session cookie of a signed-in test client, for a browser context."""
    client = sign_in(Client(), user, second_factor_passed=second_factor_passed)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server_url,
    }


# Colours as the reader sees them: a colour with transparency is laid over what is under it,
# down to the first opaque background (the page's white when there is none).
COLOUR_FUNCTIONS_JS = """
const parse = (css) => {
  const m = /rgba?\\(([^)]+)\\)/.exec(css);
  if (!m) return null;
  const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]));
const background = (node) => {
  const layers = [];
  for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
    const c = parse(getComputedStyle(n).backgroundColor);
    if (c && c[3] > 0) {
      layers.push(c);
      if (c[3] === 1) break;
    }
  }
  let rgb = [255, 255, 255];
  for (let i = layers.length - 1; i >= 0; i--) rgb = over(layers[i], rgb);
  return rgb;
};
"""

TEXT_COLOURS_JS = (
    "(element) => {"
    + COLOUR_FUNCTIONS_JS
    + """
  const bg = background(element);
  return {text: over(parse(getComputedStyle(element).color), bg), background: bg};
}"""
)

# The focused element's outline, and the colours just outside it on each side that is on screen
# (what the outline is seen against: with its offset, the gap inside shows the same colours).
FOCUS_RING_JS = (
    "() => {"
    + COLOUR_FUNCTIONS_JS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const d = (parseFloat(s.outlineOffset) || 0) + (parseFloat(s.outlineWidth) || 0) + 1;
  const points = [
    [r.left - d, r.top + r.height / 2], [r.right + d, r.top + r.height / 2],
    [r.left + r.width / 2, r.top - d], [r.left + r.width / 2, r.bottom + d],
  ];
  const around = [];
  for (const [x, y] of points) {
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    const under = document.elementsFromPoint(x, y).find((n) => n !== el && !el.contains(n));
    if (under) around.push(background(under));
  }
  return {
    element: el.outerHTML.slice(0, 140),
    style: s.outlineStyle,
    width: parseFloat(s.outlineWidth) || 0,
    colour: parse(s.outlineColor),
    around,
  };
}"""
)


def luminance(rgb) -> float:
    def linear(channel):
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, other) -> float:
    """WCAG's contrast ratio of two sRGB colours, from 1 to 21."""
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_contrast(locator) -> float:
    colours = locator.evaluate(TEXT_COLOURS_JS)
    return contrast(colours["text"], colours["background"])


def focus_rings(page, *, limit=200) -> list[dict]:
    """Tab through the whole page from its top; the outline of each control that takes focus."""
    rings, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING_JS)
        if ring is None or ring["element"] in seen:
            break
        seen.add(ring["element"])
        rings.append(ring)
    return rings


def focus_ring_problems(rings) -> list[str]:
    """Each outline that is missing, thinner than 3px, or under 3:1 against what is around it."""
    problems = []
    for ring in rings:
        if ring["style"] in {"none", "hidden"} or ring["width"] < 3:
            problems.append(f"{ring['element']}: outline {ring['style']} {ring['width']}px")
            continue
        colour = ring["colour"]
        for around in ring["around"]:
            alpha = colour[3]
            seen_colour = [
                c * alpha + a * (1 - alpha) for c, a in zip(colour, around, strict=False)
            ]
            ratio = contrast(seen_colour, around)
            if ratio < 3:
                problems.append(
                    f"{ring['element']}: outline {colour} against {around} is {ratio:.2f}:1"
                )
                break
    return problems
