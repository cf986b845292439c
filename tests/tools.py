"""System tools that some tests need (pdflatex, ...): skipped with a reason where missing, except under CI.

A fresh machine has no TeX, so ``python -m pytest`` skips the tests that compile
LaTeX and says which package to install. Under CI (``CI=true``) ``.ci/run``
installs the tools, so a missing one fails the run instead of hiding a skipped check.
"""

import os
import shutil

import pytest

# tool -> what to install (Debian package names, as .ci/run installs them)
INSTALL = {"pdflatex": "Debian: apt-get install texlive-latex-base texlive-latex-recommended lmodern"}


def system_tool(name):
    """The path of the system tool ``name``; skip the calling test where it is missing (fail under CI)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed ({INSTALL.get(name, 'install it to run this test')})"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}; CI must install it", pytrace=False)
        pytest.skip(message)
    return path
