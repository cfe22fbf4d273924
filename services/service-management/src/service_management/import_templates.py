"""Import templates (导入模板): the .xlsx workbooks administrators fill in to import service items
or a list's entries.

The first sheet, 导入, holds only the header row the importer reads — the columns' Chinese names, taken from
the importer's own column lists, so that a filled template imports as it is — with drop-downs where the values are
enumerated; 填写说明 explains every column in Chinese; 示例 holds complete rows that import as they
stand. The enumerations' values come from the schemas' Literals and their Chinese names are checked
against them here, so a new item type cannot reach the template without its name.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import Response
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel

from gov_common.files import attachment_disposition
from service_management.catalogue import importer
from service_management.catalogue.schemas import (
    TYPE_CODES,
    Audience,
    Channel,
    Fee,
    ItemIn,
    ItemType,
    Material,
    OnlineDepth,
)
from service_management.lists.schemas import LIST_NAMES, ListEntry
from service_management.lists.service import IMPORT_COLUMN_LABELS as LIST_COLUMNS
from service_management.tabular import MAX_ROWS, without_formulas

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_SHEET, GUIDE_SHEET, EXAMPLE_SHEET = "导入", "填写说明", "示例"
# Drop-down values too long for an inline list (Excel allows 255 characters) live on this hidden sheet.
CHOICES_SHEET = "可选值"
GUIDE_HEADER = ["英文列名（CSV 也可用作表头）", "列名", "是否必填", "说明与可选值", "示例"]

Cell = str | int


def _names(literal: Any, names: dict[str, str]) -> dict[str, str]:
    """The Chinese names of a Literal's values, in the Literal's order; every value must have one."""
    values: tuple[str, ...] = get_args(literal)
    if set(values) != set(names):
        raise RuntimeError(f"the Chinese names {sorted(names)} do not match the values {sorted(values)}")
    return {value: names[value] for value in values}


# The names the workbench shows (ui/src/lib/labels.ts, catalogueAdmin.ts).
ITEM_TYPE_NAMES = _names(
    ItemType,
    {
        "licensing": "行政许可",
        "benefit": "行政给付",
        "confirmation": "行政确认",
        "levy": "行政征收",
        "adjudication": "行政裁决",
        "award": "行政奖励",
        "other_power": "其他行政权力",
        "public_service": "公共服务",
    },
)
ONLINE_DEPTH_NAMES = _names(
    OnlineDepth,
    {
        "window_only": "仅窗口办理",
        "online_booking": "网上预约",
        "at_most_one_visit": "最多跑一次",
        "zero_visits": "零跑动",
    },
)
CHANNEL_NAMES = _names(Channel, {"online": "网上办理", "window": "窗口办理", "mobile": "移动端办理"})
AUDIENCE_NAMES = _names(Audience, {"person": "自然人", "entity": "法人"})
MATERIAL_FORM_NAMES = _names(
    Material.model_fields["form"].annotation, {"electronic": "电子件", "original": "原件", "copy": "复印件"}
)


@dataclass(frozen=True)
class Column:
    """One column of a template: its key (the header the importer reads) and what 填写说明 says of it."""

    key: str
    label: str
    required: str  # 是否必填: 是, 否, or when
    notes: str
    width: int = 16
    choices: tuple[str, ...] = ()  # a drop-down of these values
    strict: bool = True  # only the choices; False: several values may be combined, the drop-down suggests
    whole: tuple[int, int] | None = None  # a whole number within these bounds
    amount: bool = False  # an amount of money, not negative
    text: bool = True  # typed cells stay text ("01" is not the number 1)


@dataclass(frozen=True)
class Template:
    filename: str  # what the browser saves (Chinese)
    ascii_filename: str  # for clients that do not read filename*
    columns: list[Column]
    examples: list[dict[str, Cell]]
    rules: list[str]  # 填写须知, under the columns in 填写说明


def _constraint(model: type[BaseModel], field: str, name: str) -> Any:
    """A constraint of a schema's field (ge, le, max_length, ...), so the notes say what the schema checks."""
    for item in model.model_fields[field].metadata:
        if hasattr(item, name):
            return getattr(item, name)
    raise LookupError(f"{model.__name__}.{field} has no {name}")


def _ordered(columns: Sequence[Column], labels: Mapping[str, str]) -> list[Column]:
    """The described columns in the importer's order; a column the importer reads and the template does
    not describe (or the reverse), or one the template names otherwise than the import's problems do,
    is a mistake caught when the module loads."""
    by_key = {c.key: c for c in columns}
    if set(by_key) != set(labels) or len(by_key) != len(columns):
        raise RuntimeError(f"the template's columns {sorted(by_key)} are not the importer's {sorted(labels)}")
    renamed = {c.key: c.label for c in columns if c.label != labels[c.key]}
    if renamed:
        raise RuntimeError(f"the template names columns {renamed} otherwise than the importer")
    return [by_key[k] for k in labels]


def _enumerated(names: Mapping[str, str]) -> str:
    return "；".join(f"{value} {name}" for value, name in names.items())


def _subsets(values: Sequence[str]) -> tuple[str, ...]:
    """Every combination of the values in their order, `;`-joined: the suggestions of a list cell."""
    combos = [[v for i, v in enumerate(values) if mask >> i & 1] for mask in range(1, 2 ** len(values))]
    return tuple(";".join(c) for c in sorted(combos, key=lambda c: (len(c), [values.index(v) for v in c])))


# ---------------------------------------------------------------- service items


def item_template(departments: Mapping[str, str]) -> Template:
    """The items' template; `departments` (code → name) are the drop-down of department_code: every
    department for an administrator, their own for a department admin."""
    statutory = (_constraint(ItemIn, "statutory_days", "ge"), _constraint(ItemIn, "statutory_days", "le"))
    committed = (_constraint(ItemIn, "committed_days", "ge"), _constraint(ItemIn, "committed_days", "le"))
    depth_default = ItemIn.model_fields["online_depth"].get_default()
    channels_default = ";".join(ItemIn.model_fields["channels"].get_default(call_default_factory=True))
    type_codes = "；".join(f"{code} {ITEM_TYPE_NAMES[t]}" for t, code in TYPE_CODES.items())
    department_notes = _enumerated(departments) if departments else "（尚无部门）"
    columns = [
        Column(
            "code",
            "事项编码",
            "是",
            "行政区划代码（6位数字）-部门代码（2至10位大写字母）-事项类型代码（2位）-序号（4位数字），"
            f"如 330122-AMR-XK-0001。事项类型代码须与事项类型一致：{type_codes}。"
            "同一文件中不得重复；编码已存在时，导入为该事项下一版本的草稿。",
            width=22,
        ),
        Column("name", "事项名称", "是", f"2至{_constraint(ItemIn, 'name', 'max_length')}个字。", width=24),
        Column(
            "item_type",
            "事项类型",
            "是",
            f"填写英文代码（可下拉选择）：{_enumerated(ITEM_TYPE_NAMES)}。",
            width=16,
            choices=tuple(ITEM_TYPE_NAMES),
        ),
        Column(
            "department_code",
            "实施部门",
            "是",
            f"部门代码（可下拉选择）：{department_notes}。部门管理员只能导入本部门的事项。",
            width=16,
            choices=tuple(departments),
        ),
        Column(
            "legal_basis",
            "设定依据",
            "是",
            f"法律、法规、规章名称及条款，不超过{_constraint(ItemIn, 'legal_basis', 'max_length')}字。",
            width=36,
        ),
        Column(
            "statutory_days",
            "法定办结时限",
            "是",
            f"工作日，{statutory[0]}至{statutory[1]}的整数。",
            width=14,
            whole=statutory,
            text=False,
        ),
        Column(
            "committed_days",
            "承诺办结时限",
            "是",
            f"工作日，{committed[0]}至{committed[1]}的整数，不得超过法定办结时限；0 表示即办。",
            width=14,
            whole=committed,
            text=False,
        ),
        Column(
            "fee_amount",
            "收费金额",
            "否",
            "单位为元，最多两位小数；留空表示不收费。",
            width=12,
            amount=True,
            text=False,
        ),
        Column(
            "fee_basis",
            "收费依据",
            "收费时必填",
            f"收费的法律依据或文件，不超过{_constraint(Fee, 'basis', 'max_length')}字；不收费时留空。",
            width=30,
        ),
        Column(
            "online_depth",
            "网办深度",
            "否",
            f"填写英文代码（可下拉选择）：{_enumerated(ONLINE_DEPTH_NAMES)}。"
            f"留空为 {depth_default}（{ONLINE_DEPTH_NAMES[depth_default]}）。",
            width=18,
            choices=tuple(ONLINE_DEPTH_NAMES),
        ),
        Column(
            "channels",
            "办理渠道",
            "否",
            f"一个或多个，用分号分隔：{_enumerated(CHANNEL_NAMES)}。留空为 {channels_default}。",
            width=20,
            choices=_subsets(list(CHANNEL_NAMES)),
            strict=False,
        ),
        Column(
            "audience",
            "服务对象",
            "是",
            f"一个或两个，用分号分隔：{_enumerated(AUDIENCE_NAMES)}。",
            width=16,
            choices=_subsets(list(AUDIENCE_NAMES)),
            strict=False,
        ),
        Column(
            "themes",
            "主题",
            "否",
            f"所属主题（如 开办餐饮店），多个用分号分隔，最多{_constraint(ItemIn, 'themes', 'max_length')}个。",
            width=16,
        ),
        Column(
            "keywords",
            "关键词",
            "否",
            f"便于群众搜索的词，多个用分号分隔，最多{_constraint(ItemIn, 'keywords', 'max_length')}个。",
            width=24,
        ),
        Column(
            "description",
            "事项说明",
            "否",
            f"向公众说明的办理须知，不超过{_constraint(ItemIn, 'description', 'max_length')}字。",
            width=36,
        ),
        Column(
            "materials",
            "申请材料",
            "否",
            "每项材料写作 编码|名称|形式|是否必需|可代替的证照类型，多项用分号分隔，最多"
            f"{_constraint(ItemIn, 'materials', 'max_length')}项，同一事项内编码不得重复。"
            "编码：字母、数字、_ 或 -；"
            f"形式：{_enumerated(MATERIAL_FORM_NAMES)}；"
            "是否必需：required（或 必需）、optional（或 可选）；"
            "证照类型：可由哪类电子证照代替（如 business_license 营业执照），没有则留空。",
            width=60,
        ),
    ]
    examples: list[dict[str, Cell]] = [
        {
            "code": "330122-AMR-XK-0901",
            "name": "食品经营许可",
            "item_type": "licensing",
            "department_code": "amr",
            "legal_basis": "《中华人民共和国食品安全法》第三十五条",
            "statutory_days": 20,
            "committed_days": 10,
            "fee_amount": "",
            "fee_basis": "",
            "online_depth": "at_most_one_visit",
            "channels": "online;window",
            "audience": "person;entity",
            "themes": "开办餐饮店",
            "keywords": "食品;餐饮;小餐饮;食品经营许可证",
            "description": "从事食品销售和餐饮服务，应当依法取得食品经营许可。",
            "materials": "SQS|食品经营许可申请书|electronic|required|;"
            "YYZZ|营业执照（主体资格证明）|electronic|optional|business_license;"
            "BJT|主要设备设施布局和操作流程|copy|optional|",
        },
        {
            "code": "330122-PSB-GG-0902",
            "name": "居民身份证换领",
            "item_type": "public_service",
            "department_code": "psb",
            "legal_basis": "《中华人民共和国居民身份证法》第十一条",
            "statutory_days": 60,
            "committed_days": 20,
            "fee_amount": 20,
            "fee_basis": "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
            "online_depth": "online_booking",
            "channels": "window;mobile",
            "audience": "person",
            "themes": "",
            "keywords": "身份证;换证;到期换领",
            "description": "居民身份证有效期满或者登记项目变更的，应当换领新证。",
            "materials": "JSFZ|原居民身份证|original|required|;SXZP|数码相片回执|electronic|optional|",
        },
    ]
    return Template(
        filename="事项导入模板.xlsx",
        ascii_filename="item-import-template.xlsx",
        columns=_ordered(columns, importer.COLUMN_LABELS),
        examples=examples,
        rules=[
            "在“导入”工作表中从第二行起每行填写一个事项；第一行的列名是系统读取的英文代码，请勿修改、删除或调整顺序。",
            "也可将“示例”工作表中的行复制到“导入”工作表后修改；上传时只读取第一个工作表。",
            "多个值用英文分号 ; 或中文分号 ；分隔；列表中的英文代码请照“说明与可选值”填写。",
            f"每个文件最多 {MAX_ROWS} 行，不超过 5 MB，可保存为 .xlsx 或 UTF-8 编码的 CSV。",
            "导入前系统逐行检查：只要有一行有误，整个文件都不导入，并列出每一处错误的行号、列名和原因。",
            "导入的事项为草稿，发布后才对公众可见；表单字段、秒批和出具证照在事项管理页面编辑。",
            "示例中的事项和部门仅作示意；部门管理员只能导入本部门的事项。",
        ],
    )


# ---------------------------------------------------------------- the five lists


def list_template() -> Template:
    """The five lists' template: one list's entries; the list and the department are chosen on the page."""

    def required(key: str) -> str:
        return "是" if ListEntry.model_fields[key].is_required() else "否"

    def most(key: str) -> int:
        return int(_constraint(ListEntry, key, "max_length"))

    columns = [
        Column(
            "code",
            "编码",
            required("code"),
            "清单内唯一，由字母、数字及 _ . - 组成，不超过64个字符，如 XK-001。",
            width=14,
        ),
        Column(
            "name",
            "名称",
            required("name"),
            f"权力事项、责任事项、收费项目、中介服务或负面清单事项的名称，不超过{most('name')}字。",
            width=28,
        ),
        Column(
            "category",
            "类别",
            required("category"),
            f"如 行政许可、行政处罚、行政事业性收费、中介服务、禁止准入类，不超过{most('category')}字。",
            width=16,
        ),
        Column(
            "basis", "依据", required("basis"), f"法律、法规、规章或文件名称及条款，不超过{most('basis')}字。", width=40
        ),
        Column(
            "content",
            "内容",
            required("content"),
            f"职责内容、收费对象、中介服务内容或限制措施等，不超过{most('content')}字。",
            width=40,
        ),
        Column(
            "amount",
            "金额/标准",
            required("amount"),
            f"收费清单的收费标准（如 20元/证），其他清单留空，不超过{most('amount')}字。",
            width=16,
        ),
    ]
    examples: list[dict[str, Cell]] = [
        {
            "code": "XK-001",
            "name": "食品经营许可",
            "category": "行政许可",
            "basis": "《中华人民共和国食品安全法》第三十五条",
            "content": "对从事食品销售和餐饮服务的申请人进行审查，符合条件的准予许可并发放食品经营许可证。",
            "amount": "",
        },
        {
            "code": "SF-001",
            "name": "居民身份证工本费",
            "category": "行政事业性收费",
            "basis": "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
            "content": "换领、补领居民身份证的申请人",
            "amount": "20元/证",
        },
    ]
    return Template(
        filename="清单导入模板.xlsx",
        ascii_filename="list-import-template.xlsx",
        columns=_ordered(columns, LIST_COLUMNS),
        examples=examples,
        rules=[
            "在“导入”工作表中从第二行起每行填写一个条目；第一行的列名是系统读取的英文代码，请勿修改或增加其他列。",
            f"清单类型（{'、'.join(LIST_NAMES.values())}）和所属部门在清单管理页面选择，不在文件中填写。",
            "也可将“示例”工作表中的行复制到“导入”工作表后修改；上传时只读取第一个工作表。",
            f"每个文件最多 {MAX_ROWS} 行，不超过 5 MB，可保存为 .xlsx 或 UTF-8 编码的 CSV。",
            "只要有一行有误，整个文件都不导入，并列出每一处错误的行号和原因；导入成功生成新的草稿版本。",
            "示例分属权力清单和收费清单，仅作示意；一个文件只导入一张清单。",
        ],
    )


# ---------------------------------------------------------------- the workbook

_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_OPTIONAL_FILL = PatternFill("solid", fgColor="E7E6E6")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _header(sheet: Any, columns: Sequence[Column], *, comments: bool) -> None:
    sheet.append([c.label for c in columns])  # the importers read a column by its Chinese name or its key
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required == "是" else _OPTIONAL_FILL
        if comments:
            note = f"{column.label}（{'必填' if column.required == '是' else column.required}）\n{column.notes}"
            cell.comment = Comment(note, "一网通办", width=320, height=max(80, 18 * (len(note) // 22 + 2)))
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"


def _list_formula(workbook: Any, values: Sequence[str]) -> str:
    inline = '"' + ",".join(values) + '"'
    if len(inline) <= 255 and not any("," in v or '"' in v for v in values):
        return inline
    if CHOICES_SHEET in workbook.sheetnames:
        sheet = workbook[CHOICES_SHEET]
        index = sheet.max_column + 1
    else:
        sheet = workbook.create_sheet(CHOICES_SHEET)
        sheet.sheet_state = "hidden"
        index = 1
    for row, value in enumerate(values, start=1):
        sheet.cell(row=row, column=index, value=value)
    letter = get_column_letter(index)
    return f"'{CHOICES_SHEET}'!${letter}$1:${letter}${len(values)}"


def _validation(workbook: Any, column: Column) -> DataValidation | None:
    """The check Excel applies while the cell is typed in; the importer checks again on upload."""
    prompt = column.notes if len(column.notes) <= 255 else column.notes[:254] + "…"
    common: dict[str, Any] = {
        "allow_blank": True,
        "showInputMessage": True,
        "promptTitle": column.label[:32],
        "prompt": prompt,
        "showErrorMessage": True,
        "errorTitle": f"{column.label}有误"[:32],
    }
    if column.choices:
        return DataValidation(
            type="list",
            formula1=_list_formula(workbook, column.choices),
            errorStyle="stop" if column.strict else "warning",
            error="请从下拉列表中选择" if column.strict else "不是常用的组合，请核对后继续",
            **common,
        )
    if column.whole:
        low, high = column.whole
        return DataValidation(
            type="whole",
            operator="between",
            formula1=str(low),
            formula2=str(high),
            error=f"请填写 {low} 至 {high} 的整数",
            **common,
        )
    if column.amount:
        return DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", error="请填写不小于 0 的金额", **common
        )
    return None


def render(template: Template) -> bytes:
    """The template as .xlsx bytes: 导入 (the header row, checks), 填写说明, 示例."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = IMPORT_SHEET
    guide = workbook.create_sheet(GUIDE_SHEET)
    example = workbook.create_sheet(EXAMPLE_SHEET)

    _header(sheet, template.columns, comments=True)
    last_row = MAX_ROWS + 1
    for index, column in enumerate(template.columns, start=1):
        letter = get_column_letter(index)
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        validation = _validation(workbook, column)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)

    guide.append(GUIDE_HEADER)
    for index, width in enumerate((18, 14, 12, 70, 40), start=1):
        guide.cell(row=1, column=index).font = _HEADER_FONT
        guide.column_dimensions[get_column_letter(index)].width = width
    guide.freeze_panes = "A2"
    for column in template.columns:
        sample = next((str(e[column.key]) for e in template.examples if str(e.get(column.key, ""))), "")
        guide.append([column.key, column.label, column.required, column.notes, sample])
        for cell in guide[guide.max_row]:
            cell.alignment = _WRAP
    guide.append([])
    guide.append(["填写须知"])
    guide.cell(row=guide.max_row, column=1).font = _HEADER_FONT
    for number, rule in enumerate(template.rules, start=1):
        guide.append([f"{number}. {rule}"])

    _header(example, template.columns, comments=False)
    for row in template.examples:
        example.append([row.get(c.key, "") for c in template.columns])
        for cell in example[example.max_row]:
            cell.alignment = _WRAP

    without_formulas(workbook)  # department names and codes come from the database
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(template: Template) -> Response:
    """The rendered template as a download with its Chinese file name (RFC 6266 / RFC 5987)."""
    return Response(
        content=render(template),
        media_type=XLSX,
        headers={
            "Content-Disposition": attachment_disposition(template.filename, ascii_name=template.ascii_filename),
            "Cache-Control": "private, no-store",
        },
    )
