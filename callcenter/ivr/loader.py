"""Reads one flow file into a draft: typed nodes plus every structural problem with its position."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode
from yaml.nodes import Node as YamlNode

from callcenter.ivr.errors import Pos, Problem
from callcenter.ivr.expr import Value
from callcenter.ivr.limits import FlowLimits, position_in, screen_text
from callcenter.ivr.model import NODE_TYPES, Flow, Node, Ref, yaml_key
from callcenter.ivr.reader import Reader
from callcenter.ivr.yaml_text import BAD, FLOW_NAME, IDENT, NODE_ID, pos_of, suggest

__all__ = ["Draft", "parse_flow"]

_TOP_KEYS = ("name", "description", "start", "language", "variables", "nodes")


@dataclass
class Draft:
    """What a flow file says, even where it is broken: nodes that read cleanly, refs of the rest."""

    file: str
    name: str | None = None
    name_pos: Pos = Pos(1, 1)
    start: Ref | None = None
    description: str = ""
    language: str | None = None
    variables: dict[str, Value] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    broken: dict[str, list[Ref] | None] = field(default_factory=dict)  # None: edges unknown
    node_pos: dict[str, Pos] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    pos: Pos = Pos(1, 1)

    @property
    def node_ids(self) -> set[str]:
        """Ids of all nodes in the file, broken ones included."""
        return set(self.node_pos)

    def to_flow(self) -> Flow:
        """The Flow (only call when there are no problems)."""
        assert self.name is not None and self.start is not None and not self.broken
        return Flow(
            name=self.name,
            path=self.file,
            start=self.start,
            nodes=dict(self.nodes),
            description=self.description,
            language=self.language,
            variables=dict(self.variables),
            pos=self.pos,
        )


def parse_flow(text: str, file: str, limits: FlowLimits = FlowLimits()) -> Draft:
    """Read a flow file's text; structural problems are in ``draft.problems``."""
    draft = Draft(file)
    reader = Reader(file)
    draft.problems = reader.problems
    refused = screen_text(text, file, limits)
    if refused is not None:
        reader.problems.append(refused)
        return draft
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1)
        reader.problem(pos, f"not valid YAML: {exc.problem or exc.context}")
        return draft
    except yaml.YAMLError as exc:  # e.g. ReaderError: an offset instead of a mark
        offset = getattr(exc, "position", 0)
        where = position_in(text, offset) if isinstance(offset, int) else Pos(1, 1)
        reader.problem(where, f"not valid YAML: {str(exc).splitlines()[0]}")
        return draft
    if root is None:
        reader.problem(Pos(1, 1), "the file is empty; a flow needs name, start and nodes")
        return draft
    items = reader.items(root, "a flow file")
    if items is None:
        return draft
    given = {key: (key_node, value_node) for key, key_node, value_node in items}
    for key, key_node, _ in items:
        if key not in _TOP_KEYS:
            reader.problem(
                key_node,
                f"unknown top-level key '{key}'{suggest(key, _TOP_KEYS)}"
                f" (allowed: {', '.join(_TOP_KEYS)})",
            )
    for key in ("name", "start", "nodes"):
        if key not in given:
            reader.problem(Pos(1, 1), f"missing top-level key '{key}'")
    if "name" in given:
        name = reader.matching(given["name"][1], "name", FLOW_NAME, "use letters, digits, _ and -")
        draft.name = None if name is BAD else name
        draft.name_pos = pos_of(given["name"][1])
    if "description" in given:
        description = reader.text(given["description"][1], "description")
        draft.description = "" if description is BAD else description
    if "language" in given:
        language = reader.field("language", given["language"][1], "language", {})
        draft.language = None if language is BAD else language
    if "start" in given:
        start = reader.ref(given["start"][1], "start")
        draft.start = None if start is BAD else start
    if "variables" in given:
        for key, key_node, value_node in reader.items(given["variables"][1], "variables") or []:
            if not IDENT.fullmatch(key):
                reader.problem(key_node, f"variables: '{key}' is not a variable name")
                continue
            value = reader.literal(value_node, f"variable {key}")
            if value is not BAD:
                draft.variables[key] = value
    if "nodes" in given:
        nodes_node = given["nodes"][1]
        if isinstance(nodes_node, MappingNode) and len(nodes_node.value) > limits.max_nodes:
            reader.problem(
                given["nodes"][0],
                f"{len(nodes_node.value)} nodes; a flow may have at most {limits.max_nodes} "
                "(setting ivr.max_flow_nodes); split it into flows joined by goto",
            )
            return draft
        for node_id, key_node, value_node in reader.items(given["nodes"][1], "nodes") or []:
            _read_node(draft, reader, node_id, key_node, value_node)
    return draft


def _read_node(
    draft: Draft, reader: Reader, node_id: str, key_node: YamlNode, body: YamlNode
) -> None:
    pos = pos_of(key_node)
    draft.node_pos[node_id] = pos
    reader.partial = []
    ok = NODE_ID.fullmatch(node_id) is not None
    if not ok:
        reader.problem(key_node, f"node id '{node_id}' must use letters, digits, _ and - (no ':')")
    items = reader.items(body, f"node '{node_id}'")
    if items is None:
        draft.broken[node_id] = None
        return
    fields_given = {key: (k, v) for key, k, v in items}
    if "type" not in fields_given:
        reader.problem(
            key_node, f"node '{node_id}' has no type; add 'type:' ({', '.join(NODE_TYPES)})"
        )
        draft.broken[node_id] = None
        return
    type_name = reader.text(fields_given["type"][1], f"node '{node_id}' type")
    cls = NODE_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        if type_name is not BAD:
            reader.problem(
                fields_given["type"][1],
                f"node '{node_id}': unknown node type '{type_name}'{suggest(type_name, NODE_TYPES)}"
                f" (types: {', '.join(NODE_TYPES)})",
            )
        draft.broken[node_id] = None
        return
    what = f"node '{node_id}' ({cls.type})"
    specs = {yaml_key(name, meta): (name, meta) for name, meta in cls.field_specs().items()}
    values: dict[str, Any] = {}
    marks: dict[str, Pos] = {}
    for key, k_node, v_node in items:
        if key == "type":
            continue
        if key not in specs:
            ok = False
            owners = [
                t
                for t, c in NODE_TYPES.items()
                if key in {yaml_key(n, m) for n, m in c.field_specs().items()}
            ]
            hint = suggest(key, specs) or (
                f"; it is a field of {', '.join(owners)}" if owners else ""
            )
            reader.problem(
                k_node, f"{what}: unknown field '{key}'{hint} (fields: {', '.join(specs)})"
            )
            continue
        name, meta = specs[key]
        value = reader.field(meta["kind"], v_node, f"{what}: {key}", meta)
        if isinstance(value, Ref):
            reader.partial.append(value)
        if value is BAD:
            ok = False
        else:
            values[name] = value
            marks[name] = pos_of(v_node)
    for key, (_, meta) in specs.items():
        if meta["required"] and key not in fields_given:
            ok = False
            reader.problem(key_node, f"{what}: missing field '{key}' ({meta['doc']})")
    if ok:
        try:
            draft.nodes[node_id] = cls(id=node_id, pos=pos, marks=marks, **values)
            return
        except (TypeError, ValueError) as exc:  # pragma: no cover - specs and classes agree
            reader.problem(key_node, f"{what}: {exc}")
    draft.broken[node_id] = list(reader.partial)
