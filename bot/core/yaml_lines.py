"""The bank's two YAML loaders: a fast one, and one whose mappings and lists remember their lines.

The bank is first read with the fast loader; only a bank with faults is read again with the line
loader, so that every fault names its line.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):  # type: ignore[type-arg,unused-ignore]
    line: int = 0
    key_lines: dict[str, int]


class LineList(list):  # type: ignore[type-arg,unused-ignore]
    line: int = 0
    item_lines: list[int]


class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader whose mappings and lists remember the lines they came from (1-based)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)

_STR = yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG
_MAP = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_SEQ = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG
_MERGE = "tag:yaml.org,2002:merge"


class _Unusual(Exception):
    """A document the plain walk does not build (a merge key, a key that is not hashable, a node that
    contains itself): the safe loader's own constructor builds it, or says what is wrong with it."""


class FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, building a document's plain maps, lists and strings in one walk of its nodes
    instead of the constructor's generators and checks per node (a third of the bank's parse). Every other
    node (numbers, booleans, nulls, dates) and every unusual document goes to the safe constructor, so the
    data is the same (a test compares them on the whole bank)."""

    # The safe loader has no path resolvers: the parser's calls for each node need not look for them.
    def descend_resolver(self, current_node: yaml.Node | None, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:  # a plain scalar: a number, a boolean, a null, a date, or a string
                for tag, pattern in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if pattern.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def construct_document(self, node: yaml.Node) -> Any:
        try:
            return self._walk(node, set())
        except _Unusual:
            return super().construct_document(node)
        finally:  # as the safe constructor leaves them after a document
            self.constructed_objects: dict[yaml.Node, Any] = {}
            self.recursive_objects: dict[yaml.Node, None] = {}

    def _walk(self, node: yaml.Node, open_nodes: set[int]) -> Any:
        kind, tag = type(node), node.tag
        if kind is yaml.ScalarNode:
            return node.value if tag == _STR else self.construct_object(node, deep=True)
        if id(node) in open_nodes or tag not in (_MAP, _SEQ):
            raise _Unusual
        open_nodes.add(id(node))
        try:
            if tag == _SEQ:
                return [self._walk(child, open_nodes) for child in node.value]
            built = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    raise _Unusual
                key = self._walk(key_node, open_nodes)
                if not isinstance(key, str | int | float | bool | None):
                    raise _Unusual
                built[key] = self._walk(value_node, open_nodes)
            return built
        finally:
            open_nodes.discard(id(node))


FAST_LOADER: type = FastLoader


def line_of(container: Any, key: str | int | None = None) -> int:
    if isinstance(container, LineDict):
        if key is not None and str(key) in container.key_lines:
            return container.key_lines[str(key)]
        return container.line
    if isinstance(container, LineList):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return 1


# --- reading many files -----------------------------------------------------------------------------

Document = tuple[Any, Exception | None]  # (the data, None) or (None, why the file is not a YAML document)
FORK_MIN_FILES = 16  # below this a second process costs more than it saves


def read_documents(paths: Sequence[Path], loader: type) -> list[Document]:
    """Each file's document, in order. Where the machine allows it (Linux, two cores or more, a process
    with no other thread yet, as at start) a forked child reads the second half meanwhile: the bank's
    parse is most of a start without the checked-bank cache, and libyaml holds the GIL throughout. A
    child that fails in any way is not trusted: its half is then read here."""
    if len(paths) < FORK_MIN_FILES or not _may_fork():
        return [_read(path, loader) for path in paths]
    middle = len(paths) // 2
    rest = paths[middle:]
    collect = _read_in_child(rest, loader)
    try:
        first = [_read(path, loader) for path in paths[:middle]]
    finally:
        second = collect()
    if second is None or len(second) != len(rest):
        second = [None] * len(rest)
    return first + [doc or _read(path, loader) for path, doc in zip(rest, second, strict=True)]


def _read(path: Path, loader: type) -> Document:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader), None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, exc


def _may_fork() -> bool:
    # Elsewhere fork is missing (Windows) or unsafe with system frameworks (macOS); with other threads
    # running, a lock one of them holds would stay locked in the child.
    return sys.platform == "linux" and threading.active_count() == 1 and len(os.sched_getaffinity(0)) > 1


def _read_in_child(paths: Sequence[Path], loader: type) -> Callable[[], list[Document | None] | None]:
    """Start a child reading `paths`; the returned call waits for it and gives its documents (None for a
    file with a fault, which the parent reads again for its error), or None if the child failed."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return lambda: None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return lambda: None
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers or flushes its buffers
        status = 1
        try:
            os.close(read_end)
            documents = [_read_or_leave(path, loader) for path in paths]  # an error other than a fault: exit 1
            with os.fdopen(write_end, "wb") as out:
                out.write(pickle.dumps(documents, protocol=pickle.HIGHEST_PROTOCOL))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def collect() -> list[Document | None] | None:
        try:
            with os.fdopen(read_end, "rb") as incoming:
                blob = incoming.read()
        finally:
            _, status = os.waitpid(pid, 0)
        if status != 0:
            return None
        try:
            documents = pickle.loads(blob)  # our own child's bytes, through a pipe only we hold
        except Exception:
            return None
        return documents if isinstance(documents, list) else None

    return collect


def _read_or_leave(path: Path, loader: type) -> Document | None:
    data, error = _read(path, loader)
    return None if error is not None else (data, None)  # the parent reads a faulty file again, for its error
