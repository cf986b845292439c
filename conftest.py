"""Settings for every test and doctest of the repository (tests/conftest.py holds the tests' own)."""

import os
import tempfile

# Derivations run afresh in every test session: the on-disk cache of derived values
# (theory.derivation_cache) goes to a folder of this session, never the user's.
_CACHE = tempfile.TemporaryDirectory(prefix="pi2over6-test-cache-")
os.environ["PI2OVER6_CACHE_DIR"] = _CACHE.name
