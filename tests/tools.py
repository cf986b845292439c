"""System tools that some tests need (pdflatex, ...): skipped with a reason where missing, except under CI;
and the command line run on a terminal.

A fresh machine has no TeX, so ``python -m pytest`` skips the tests that compile
LaTeX and says which package to install. Under CI (``CI=true``) ``.ci/run``
installs the tools, so a missing one fails the run instead of hiding a skipped check.
"""

import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios

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


def on_a_terminal(argv):
    """Run the command line with a pseudo-terminal as stdout and stderr; return (status, what it showed)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))   # a new pty is 0 x 0
    proc = subprocess.Popen([sys.executable, "-m", "proofs_check", *argv], stdout=follower, stderr=follower,
                            stdin=subprocess.DEVNULL)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:   # the terminal closed: the process is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(timeout=300), shown.decode(errors="replace")
