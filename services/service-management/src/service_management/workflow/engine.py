"""BPMN 2.0 with SpiffWorkflow, made safe for definitions uploaded as data.

- Upload: the XML is parsed without DTDs or entities; only a whitelist of BPMN elements is
  accepted; every condition must parse in zen-engine's expression language.
- Run: SpiffWorkflow's script engine (plain Python eval/exec) is replaced by `RestrictedEngine`,
  which evaluates conditions with `zen.evaluate_expression` and refuses scripts and service calls.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import zen
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DEFAULT_BPMN = (Path(__file__).parent / "default.bpmn").read_bytes()
INTAKE = "intake"
DEPARTMENT_REVIEW = "department_review"
PLATFORM_STATES = (INTAKE, DEPARTMENT_REVIEW)
MAX_BPMN_BYTES = 512 * 1024

# SpiffWorkflow logs every task state change at INFO (some fourteen lines per case, each formatted
# and written under the log handler's lock): only its warnings are worth a line.
for _name in ("spiff", "spiff.task", "spiff.workflow"):
    logging.getLogger(_name).setLevel(logging.WARNING)
log = logging.getLogger("service_management.workflow")

# What a case process may contain. Anything else (scriptTask, serviceTask, callActivity,
# subProcess, timers, messages, multi-instance loops, data mappings...) is refused at upload.
ALLOWED_ELEMENTS = frozenset(
    {
        "definitions",
        "process",
        "startEvent",
        "endEvent",
        "userTask",
        "manualTask",
        "task",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "sequenceFlow",
        "conditionExpression",
        "incoming",
        "outgoing",
        "documentation",
        "laneSet",
        "lane",
        "flowNodeRef",
        "collaboration",
        "participant",
        "extensionElements",
        "text",
        "textAnnotation",
        "association",
    }
)
# Diagram interchange (positions drawn by a modeller) is layout, not behaviour.
LAYOUT_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/BPMN/20100524/DI",
        "http://www.omg.org/spec/DD/20100524/DC",
        "http://www.omg.org/spec/DD/20100524/DI",
    }
)


class DefinitionError(ValueError):
    """An uploaded definition that is refused; `field` says where."""

    def __init__(self, message: str, *, element: str | None = None) -> None:
        super().__init__(message)
        self.element = element


class ConditionError(SpiffWorkflowException):  # type: ignore[misc]
    """A sequence flow's condition that cannot be evaluated to true or false for a case's data.
    `reason` says why in Chinese; `describe` names the condition by the variables it reads."""

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(describe(expression, reason))
        self.expression, self.reason = expression, reason


# Words of zen's expression language that are no variable.
_KEYWORDS = frozenset({"true", "false", "null", "and", "or", "not", "in"})
_STRINGS = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_NAME = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(\s*\()?")


def variables(expression: str) -> list[str]:
    """The variables a condition reads (`form.position`, `inspection_passed`), in order, once each;
    functions (`len(...)`) and keywords are not."""
    found = [name for name, call in _NAME.findall(_STRINGS.sub('""', expression)) if not call]
    return list(dict.fromkeys(v for v in found if v not in _KEYWORDS))


def describe(expression: str, reason: str, labels: dict[str, str] | None = None, *, bare: str = "该条件") -> str:
    """A condition and what is wrong with it, naming its variables by their labels (an item's form
    fields) where they have one, never quoting the expression itself."""
    names = [f"“{(labels or {}).get(v, v)}”" for v in variables(expression)]
    subject = f"判断{'、'.join(names)}的条件" if names else bare
    return f"{subject}{reason}"


def _kind(value: Any) -> str:
    if value is None:
        return "空值（所引用的变量不存在）"
    if isinstance(value, dict):
        return "一个对象（单个“=”是赋值，比较请用“==”）"
    kind = {"str": "文字", "int": "数字", "float": "数字", "list": "列表"}.get(
        type(value).__name__, type(value).__name__
    )
    return f"{kind}（{json.dumps(value, ensure_ascii=False, default=str)[:40]}）"


# zen's own account of a syntax error is English: it stays out of what a person reads.
INVALID_EXPRESSION = "不是有效的表达式，请检查比较符号（比较用“==”）、引号和括号"
NOT_YES_OR_NO = "，而不是“是”或“否”（true 或 false）"


def condition_problem(expression: str) -> str | None:
    """Why a condition can never be a yes/no question, found without any case data: it does not
    parse, or with no variables at all it already gives something else than true, false or null
    (an assignment `a = "x"`, a constant string or number). None when it may be a condition."""
    if not expression:
        return "为空"
    if zen.validate_expression(expression) is not None:
        return INVALID_EXPRESSION
    try:
        value = zen.evaluate_expression(expression, {})
    except RuntimeError:
        return None  # depends on the data (a comparison of missing variables): checked when it runs
    if value is None or isinstance(value, bool):
        return None
    return f"结果是{_kind(value)}{NOT_YES_OR_NO}"


class RestrictedEngine(PythonScriptEngine):  # type: ignore[misc]
    """Conditions in zen-engine's expression language over the task data; no code ever runs."""

    def validate(self, expression: str) -> None:
        if zen.validate_expression(expression) is not None:
            raise DefinitionError(describe(expression, INVALID_EXPRESSION))

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        try:
            value = zen.evaluate_expression(expression, _json_safe(task.data))
        except RuntimeError as exc:
            log.info("condition %r cannot be evaluated: %s", expression, str(exc).splitlines()[0])
            raise ConditionError(expression, "无法计算（所读的变量不存在或类型不符）") from exc
        # Only true takes a branch: a dict (`a = "x"` is an assignment for zen), a string or a number is
        # not "true enough" — Python's truthiness would take the branch for any of them.
        if not isinstance(value, bool):
            raise ConditionError(expression, f"结果是{_kind(value)}{NOT_YES_OR_NO}")
        return value

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        raise SpiffWorkflowException("办件流程中不允许使用脚本")

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise SpiffWorkflowException("办件流程中不允许调用服务")


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return result


ENGINE = RestrictedEngine()
SERIALIZER = BpmnWorkflowSerializer()


@dataclass(frozen=True)
class ParsedDefinition:
    process_id: str
    user_tasks: dict[str, str]  # id -> name


def _hardened_parse(xml: bytes) -> Any:
    if len(xml) > MAX_BPMN_BYTES:
        raise DefinitionError(f"流程定义至多 {MAX_BPMN_BYTES} 字节")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise DefinitionError(f"不是格式正确的 XML：{exc}") from None
    if root.getroottree().docinfo.doctype:
        raise DefinitionError("流程定义中不能含有 DOCTYPE 声明")
    return root


def check_definition(xml: bytes) -> ParsedDefinition:
    """Everything an upload must pass; raises DefinitionError naming the offending element."""
    root = _hardened_parse(xml)
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        raise DefinitionError("该文档不是 BPMN 2.0 流程定义（bpmn:definitions）")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        qname = etree.QName(element)
        if qname.namespace in LAYOUT_NAMESPACES:
            continue
        if qname.namespace == BPMN_NS:
            if qname.localname not in ALLOWED_ELEMENTS:
                raise DefinitionError(f"办件流程中不允许使用元素 bpmn:{qname.localname}", element=element.get("id"))
            if qname.localname == "conditionExpression":
                expression = (element.text or "").strip()
                error = condition_problem(expression)
                if error is not None:
                    flow = element.getparent()
                    raise DefinitionError(
                        f"连线“{flow.get('name') or flow.get('id')}”的{describe(expression, error, bare='条件')}",
                        element=flow.get("id"),
                    )
        elif _inside(element, "extensionElements"):
            continue  # a modeller's own annotations carry no behaviour here
        else:
            raise DefinitionError(f"办件流程中不允许使用元素 {qname.text}")
    processes = [p for p in root.findall(f"{{{BPMN_NS}}}process") if p.get("isExecutable", "true") != "false"]
    if len(processes) != 1:
        raise DefinitionError("流程定义中应有且只有一个可执行的流程")
    process_id = processes[0].get("id") or ""
    user_tasks = {
        str(t.get("id")): str(t.get("name") or t.get("id")) for t in processes[0].iter(f"{{{BPMN_NS}}}userTask")
    }
    for state in PLATFORM_STATES:
        if state not in user_tasks:
            raise DefinitionError(f"流程中应有 id 为 {state!r} 的人工环节（userTask）", element=state)
    try:
        _spec(root, process_id)
    except (ValidationException, SpiffWorkflowException) as exc:
        raise DefinitionError(f"不是有效的 BPMN 流程：{exc}") from None
    return ParsedDefinition(process_id=process_id, user_tasks=user_tasks)


def _inside(element: Any, localname: str) -> bool:
    parent = element.getparent()
    while parent is not None:
        if etree.QName(parent).localname == localname and etree.QName(parent).namespace == BPMN_NS:
            return True
        parent = parent.getparent()
    return False


def _spec(root: Any, process_id: str) -> Any:
    parser = BpmnParser()
    parser.add_bpmn_xml(root, filename="process.bpmn")
    return parser.get_spec(process_id)


def spec_digest(xml: bytes, process_id: str) -> str:
    """Which parsed definition a stored process state belongs to."""
    return hashlib.sha256(process_id.encode("utf-8") + b"\0" + xml).hexdigest()[:32]


# Parsed specs by digest, for reading compact states back (bounded like the parse cache).
_BY_DIGEST: OrderedDict[str, Any] = OrderedDict()
_SPEC_CACHE_SIZE = 64


@functools.lru_cache(maxsize=_SPEC_CACHE_SIZE)
def _parsed_spec(xml: bytes, process_id: str) -> Any:
    # A definition is immutable once stored (a new upload is a new version), and a workflow only
    # reads its spec: parse each definition once per process instead of once per case.
    spec = _spec(_hardened_parse(xml), process_id)
    spec.gov_digest = spec_digest(xml, process_id)
    _BY_DIGEST[spec.gov_digest] = spec
    while len(_BY_DIGEST) > _SPEC_CACHE_SIZE:
        _BY_DIGEST.popitem(last=False)
    return spec


def new_workflow(xml: bytes, process_id: str, data: dict[str, Any]) -> BpmnWorkflow:
    spec = _parsed_spec(xml, process_id)
    workflow = BpmnWorkflow(spec, script_engine=ENGINE)
    workflow.data.update(data)
    start = workflow.get_tasks(state=TaskState.READY)
    for task in start:
        task.data.update(data)
    workflow.do_engine_steps()
    return workflow


class _StateOnly(BpmnWorkflowConverter):  # type: ignore[misc]
    """A workflow without its spec (the parsed definition's, named by `spec_digest`): only the state of
    its tasks and data is stored, some half of the full serialisation, and reading it back restores no spec."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["spec_digest"] = workflow.spec.gov_digest
        dct["subprocess_specs"] = self.mapping_to_dict(workflow.subprocess_specs)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def with_spec(self, dct: dict[str, Any], spec: Any) -> BpmnWorkflow:
        # BpmnWorkflowConverter.from_dict (SpiffWorkflow 3.2), with the spec given instead of restored.
        subprocess_specs = self.mapping_from_dict(dct.pop("subprocess_specs", {}))
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_COMPACT_REGISTRY = BpmnWorkflowSerializer.configure(dict(DEFAULT_CONFIG))
_STATE_ONLY = _StateOnly(BpmnWorkflow, _COMPACT_REGISTRY)  # replaces the default converter of BpmnWorkflow
COMPACT = BpmnWorkflowSerializer(registry=_COMPACT_REGISTRY)


def dump(workflow: BpmnWorkflow) -> str:
    """The workflow's state without its spec (see `_StateOnly`); its spec must come from `new_workflow`."""
    return str(COMPACT.serialize_json(workflow))


def load(state: str, definition: Callable[[], tuple[bytes, str]]) -> BpmnWorkflow:
    """A stored workflow: a compact state with its spec from the parse cache (`definition()` gives the
    definition's XML and process id when the cache does not have it), or a full serialisation as
    stored before compact states (it carries its spec)."""
    dct = json.loads(state)
    if "spec" in dct:
        SERIALIZER.migrate(dct)
        workflow = SERIALIZER.from_dict(dct)
        workflow.spec.gov_digest = spec_digest(*definition())  # written back compact
    else:
        digest = dct.pop("spec_digest")
        spec = _BY_DIGEST.get(digest)
        if spec is None:
            xml, process_id = definition()
            if spec_digest(xml, process_id) != digest:
                raise SpiffWorkflowException("the stored process state does not belong to its definition")
            spec = _parsed_spec(xml, process_id)
        version = dct.pop(COMPACT.VERSION_KEY)
        if version != COMPACT.VERSION:
            raise SpiffWorkflowException(f"a compact process state of serializer version {version} cannot be read")
        workflow = _STATE_ONLY.with_spec(dct, spec)
    workflow.script_engine = ENGINE
    return workflow


def ready_states(workflow: BpmnWorkflow) -> dict[str, str]:
    """The user tasks the case waits in: {task id: name}."""
    return {
        str(t.task_spec.bpmn_id): str(t.task_spec.bpmn_name or t.task_spec.bpmn_id)
        for t in workflow.get_tasks(state=TaskState.READY)
        if t.task_spec.bpmn_id
    }


def complete(workflow: BpmnWorkflow, state: str, data: dict[str, Any]) -> bool:
    """Complete the waiting task `state` with `data`; False if the case does not wait there."""
    for task in workflow.get_tasks(state=TaskState.READY):
        if task.task_spec.bpmn_id == state:
            task.data.update(data)
            task.run()
            workflow.do_engine_steps()
            return True
    return False


def process_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The variables at the end of the process (or of the last completed task)."""
    data: dict[str, Any] = dict(workflow.data)
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        data.update(task.data)
    return data
