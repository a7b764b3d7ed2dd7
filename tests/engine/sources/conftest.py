"""Fixtures of the source tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend


@pytest.fixture
def use_keyring() -> Iterator[Callable[[KeyringBackend], KeyringBackend]]:
    """Install a keyring backend for one test; the previous one comes back afterwards."""
    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)
