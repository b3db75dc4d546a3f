"""The manual holds together: README.md stays short, every docs/*.md file is linked
from it, and every relative link in README.md and docs/*.md points at an existing
file and, where it names one, an existing heading (GitHub's anchor rule).

Run by ctest as py.test_docs_links (MTL_SOURCE_DIR = the repository root)."""
import os
import re
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("MTL_SOURCE_DIR", Path(__file__).resolve().parents[2]))
README = ROOT / "README.md"
MAX_README_LINES = 300  # issue 14: README is the short manual; the rest lives in docs/

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def manual_files():
    return [README] + sorted((ROOT / "docs").glob("*.md"))


def prose_lines(path):
    """Lines outside fenced code blocks, with inline code removed."""
    inside = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            yield number, re.sub(r"`[^`]*`", "", line)


def anchors(path):
    """GitHub's heading ids: lower case, punctuation dropped (letters, digits,
    '-', '_' and spaces kept), spaces -> '-', repeats get -1, -2, ..."""
    seen, out = {}, set()
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            inside = not inside
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if inside or not m:
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(2)).lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def relative_links(path):
    for number, line in prose_lines(path):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            yield number, target


def test_readme_is_short():
    n = len(README.read_text(encoding="utf-8").splitlines())
    assert n < MAX_README_LINES, (
        f"README.md has {n} lines (limit {MAX_README_LINES}): move the detail into docs/*.md")


def test_every_docs_file_is_linked_from_readme():
    linked = {(README.parent / t.split("#")[0]).resolve() for _, t in relative_links(README)}
    orphans = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "docs").glob("*.md"))
               if p.resolve() not in linked]
    assert not orphans, f"docs files not linked from README.md: {orphans}"


@pytest.mark.parametrize("path", manual_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(path):
    problems = []
    for number, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path.resolve()
        name = f"{path.relative_to(ROOT).as_posix()}:{number}: {target}"
        if not dest.exists():
            rel = os.path.relpath(dest, ROOT).replace(os.sep, "/")
            problems.append(f"{name}: no file {rel}")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{name}: no heading with anchor #{anchor} in {dest.name}")
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_anchor_rule():
    """The slug rule on headings of this manual (as GitHub renders them)."""
    sample = ROOT / "docs" / "synthetic.md"
    ids = anchors(sample)
    assert "world-2-default-hidden-states-errors-truth" in ids
    assert "oracle-checks-testsbenchoraclesh" in ids


def test_checker_sees_a_broken_link(tmp_path):
    """The checks can fail: a missing file and a missing anchor are both reported."""
    doc = tmp_path / "a.md"
    doc.write_text("# Title\n\n[x](b.md) [y](#nope) [z](#title)\n```\n[code](ignored.md)\n```\n")
    found = list(relative_links(doc))
    assert [t for _, t in found] == ["b.md", "#nope", "#title"]
    assert "title" in anchors(doc) and "nope" not in anchors(doc)
