"""The bank's two YAML loaders: a fast one, and one whose mappings and lists remember their lines.

The bank is first read with the fast loader; only a bank with faults is read again with the line
loader, so that every fault names its line.
"""

from __future__ import annotations

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
