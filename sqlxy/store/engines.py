"""Opening an engine: target type → the adapter `sqlxy.engines` names, imported only when used
(drivers are optional)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from sqlxy.engines import ENGINES, Engine, wrapping
from sqlxy.errors import SqlxyError, TargetError
from sqlxy.store.adapter import Adapter


def adapter_class(engine: Engine) -> Any:
    """The engine's adapter class; importing its module imports no driver (each connects lazily)."""
    module, name = engine.adapter.split(":")
    return getattr(importlib.import_module(module), name)


def open_adapter(name: str, settings: dict[str, Any], root: Path, create: bool = True) -> Adapter:
    """`create=False`: do not create a database file that does not exist (see `Project.store`)."""
    engine = ENGINES.get(settings["type"])
    if engine is None:
        raise TargetError(f"target '{name}': engine '{settings['type']}' is not available in this version of sqlxy")
    adapter: Adapter = adapter_class(engine).connect(name, settings, root, create)
    return adapter


def wrap_connection(connection: Any) -> Adapter:
    """An adapter around a connection the caller already holds (closing it stays the caller's job)."""
    engine = wrapping(connection)
    if engine is None:
        drivers = " or ".join(e.driver for e in ENGINES.values() if e.wraps and e.driver)
        raise SqlxyError(f"cannot use a {type(connection).__name__} connection; pass a {drivers} one")
    adapter: Adapter = adapter_class(engine)(connection, owned=False)
    return adapter
