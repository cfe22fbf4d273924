"""Chinese wording of pydantic's validation errors, for the problem details an applicant or clerk reads.

Translated by the error's `type` (pydantic's stable code) with the constraint values from its `ctx`;
a type not in the table still gets a Chinese sentence naming the field. The English message stays
in the logs only.
"""

from __future__ import annotations

import re
from typing import Any

_CJK = re.compile(r"[\u4e00-\u9fff]")

# Field names (the last part of a field's path) a person meets often, in the words of GLOSSARY.md;
# others are named as they are sent, in quotes.
FIELD_LABELS: dict[str, str] = {
    "username": "用户名",
    "password": "密码",
    "new_password": "新密码",
    "current_password": "原密码",
    "name": "名称",
    "id_number": "证件号码",
    "phone": "手机号码",
    "code": "编码",
    "department": "部门",
    "department_code": "部门编码",
    "item_code": "事项编码",
    "case_no": "办件编号",
    "license_no": "证照编号",
    "license_type": "证照类型",
    "form": "表单",
    "materials": "申请材料",
    "channel": "办理渠道",
    "reason": "理由",
    "opinion": "审查意见",
    "decision": "决定",
    "file": "文件",
    "file_id": "文件编号",
    "limit": "每页条数",
    "offset": "起始位置",
    "page": "页码",
    "status": "状态",
    "type": "类型",
    "body": "请求内容",
}


def field_label(field: str) -> str:
    """How a field is named in a Chinese sentence: its label, or its path in quotes."""
    last = field.rsplit(".", 1)[-1]
    label = FIELD_LABELS.get(last)
    if label and last == field:
        return label
    return f"{label}（{field}）" if label else f"“{field}”"


def _expected(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace(" or ", "、").replace(", ", "、").replace("'", "")


# type -> template; {field} is the field's Chinese name, other names come from ctx.
TEMPLATES: dict[str, str] = {
    "missing": "{field}为必填项",
    "extra_forbidden": "{field}不是可接受的字段",
    "json_invalid": "请求内容不是有效的 JSON",
    "json_type": "请求内容应为 JSON",
    "model_type": "{field}应为一个对象",
    "model_attributes_type": "{field}应为一个对象",
    "dict_type": "{field}应为一个对象",
    "list_type": "{field}应为一个列表",
    "tuple_type": "{field}应为一个列表",
    "set_type": "{field}应为一个列表",
    "string_type": "{field}应为文字",
    "string_too_short": "{field}至少应有 {min_length} 个字符",
    "string_too_long": "{field}至多 {max_length} 个字符",
    "string_pattern_mismatch": "{field}的格式不正确",
    "string_unicode": "{field}应为有效的文字",
    "int_type": "{field}应为整数",
    "int_parsing": "{field}应为整数",
    "int_from_float": "{field}应为整数",
    "int_parsing_size": "{field}超出了可接受的数值范围",
    "float_type": "{field}应为数字",
    "float_parsing": "{field}应为数字",
    "decimal_type": "{field}应为数字",
    "decimal_parsing": "{field}应为数字",
    "decimal_max_digits": "{field}至多 {max_digits} 位数字",
    "decimal_max_places": "{field}至多 {decimal_places} 位小数",
    "finite_number": "{field}应为有限的数字",
    "bool_type": "{field}应为“是”或“否”（true 或 false）",
    "bool_parsing": "{field}应为“是”或“否”（true 或 false）",
    "greater_than": "{field}应大于 {gt}",
    "greater_than_equal": "{field}应不小于 {ge}",
    "less_than": "{field}应小于 {lt}",
    "less_than_equal": "{field}应不大于 {le}",
    "multiple_of": "{field}应为 {multiple_of} 的倍数",
    "too_short": "{field}至少应有 {min_length} 项",
    "too_long": "{field}至多 {max_length} 项",
    "literal_error": "{field}应为以下之一：{expected}",
    "enum": "{field}应为以下之一：{expected}",
    "date_type": "{field}应为日期（如 2026-01-31）",
    "date_parsing": "{field}应为日期（如 2026-01-31）",
    "date_from_datetime_parsing": "{field}应为日期（如 2026-01-31）",
    "date_from_datetime_inexact": "{field}应为日期，不含时间",
    "datetime_type": "{field}应为日期时间（如 2026-01-31T09:00:00+08:00）",
    "datetime_parsing": "{field}应为日期时间（如 2026-01-31T09:00:00+08:00）",
    "datetime_from_date_parsing": "{field}应为日期时间（如 2026-01-31T09:00:00+08:00）",
    "timezone_aware": "{field}应带时区（如 +08:00）",
    "timezone_naive": "{field}不应带时区",
    "date_past": "{field}应为过去的日期",
    "date_future": "{field}应为将来的日期",
    "uuid_type": "{field}应为 UUID",
    "uuid_parsing": "{field}应为 UUID",
    "url_type": "{field}应为网址",
    "url_parsing": "{field}应为有效的网址",
    "url_scheme": "{field}的网址协议不被接受",
    "url_too_long": "{field}的网址过长",
    "value_error": "{field}的值不正确",
    "assertion_error": "{field}的值不正确",
    "union_tag_invalid": "{field}的类型不正确",
    "union_tag_not_found": "{field}缺少类型标识",
    "bytes_type": "{field}应为文件内容",
    "bytes_too_short": "{field}至少应有 {min_length} 个字节",
    "bytes_too_long": "{field}至多 {max_length} 个字节",
    "none_required": "{field}应为空",
    "frozen_field": "{field}不能修改",
    "is_instance_of": "{field}的类型不正确",
}
FALLBACK = "{field}的值不正确"


def validation_message(error_type: str, field: str, ctx: dict[str, Any] | None, *, label: str | None = None) -> str:
    """The Chinese sentence of one pydantic error; `label` names the field instead of FIELD_LABELS
    (an empty label leaves it unnamed, for a caller that names it before the sentence)."""
    values = {key: value for key, value in (ctx or {}).items() if isinstance(value, str | int | float)}
    values["expected"] = _expected(ctx or {})
    values["field"] = field_label(field) if label is None else label
    error = (ctx or {}).get("error")
    if error_type in ("value_error", "assertion_error") and error is not None and _CJK.search(str(error)):
        # A validator of ours that says what is wrong in Chinese already.
        return f"{values['field']}：{error}" if values["field"] else str(error)
    template = TEMPLATES.get(error_type, FALLBACK)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return FALLBACK.format(field=values["field"])
