"""The project's documents point inside the project: a fresh clone has nothing beside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Markdown links and `code spans` that name a file: [text](target) or `path/to/file.ext`.
LINK = re.compile(r"\]\(([^)#\s]+)[^)]*\)")
PATH = re.compile(r"`((?:\.\./|\./)?[\w./-]+\.(?:md|py|toml|sh|yaml|example|html))`")


def tracked(pattern: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", pattern], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in listed.stdout.split()]


def test_the_readme_and_the_docs_name_only_files_of_the_project():
    documents = [ROOT / "README.md", *tracked("docs/*.md")]
    outside = []
    for document in documents:
        text = document.read_text(encoding="utf-8")
        for target in LINK.findall(text) + PATH.findall(text):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (document.parent / target).resolve()
            from_root = (ROOT / target).resolve()
            inside = ROOT in resolved.parents or ROOT in from_root.parents
            if not inside or not (resolved.exists() or from_root.exists() or "/" not in target):
                outside.append(f"{document.relative_to(ROOT)}: {target}")
    assert outside == []


def test_the_readme_links_the_projects_own_architecture():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert "](docs/ARCHITECTURE.md)" in readme
    assert "../shared" not in readme
    assert (ROOT / "docs" / "ARCHITECTURE.md").is_file()
