"""What one expression of a decision table may cost, judged from its text before zen sees it.

zen materialises an interval used as a list: `map([0..10000000], # * 2)` builds ten million numbers
(seconds, holding the GIL), and `some([1..100000000000], # == 5)` asks for terabytes and aborts the
process. A closure inside another's callback multiplies the sizes of two lists. So a cell is refused
when it is
- longer than MAX_EXPRESSION_CHARS, or nested deeper than MAX_NESTING brackets;
- using an interval as a list (anywhere but as the right side of `in`/`not in`, or as a whole
  alternative of a table's input cell, where zen only compares against its ends) unless both ends are
  numbers at most MAX_INTERVAL_ITEMS apart; an interval's ends are numbers or input fields;
- calling a closure function (map, filter, some, ...) inside another closure's callback.

This bounds what a table asks for by itself; what the facts add is bounded by their size
(decisions.MAX_FACTS_CHARS) and, whatever gets through, by the evaluation's deadline in a child
process (gov_common.decision_sandbox).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_EXPRESSION_CHARS = 1000
MAX_NESTING = 16
MAX_INTERVAL_ITEMS = 1000
# zen's closure functions (core/expression/src/functions: ClosureFunction), those of later releases
# too, so that an upgrade cannot let one in unseen.
CLOSURE_FUNCTIONS = frozenset(
    {
        "all",
        "none",
        "some",
        "one",
        "filter",
        "map",
        "flatMap",
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "median",
        "mode",
        "stddev",
        "variance",
        "topK",
        "lastN",
        "percentile",
        "countDistinct",
        "unique",
        "first",
        "last",
    }
)


class TooCostly(ValueError):
    """The expression is refused; the message says why, in words an editor of the table can act on."""


@dataclass(frozen=True)
class _Token:
    kind: str  # num, str, ident, open, close, dotdot, dot, comma, op, interval
    text: str
    value: Decimal | None = None


@dataclass
class _Interval:
    low: Decimal | None  # None: an input field
    high: Decimal | None


@dataclass
class _Frame:
    closure: bool = False
    argument: int = 0


_NUMBER = re.compile(r"\d[\d_]*(?:\.(?!\.)[\d_]*)?")
_IDENT = re.compile(r"[A-Za-z_$#][A-Za-z0-9_$#]*")
_OPENERS, _CLOSERS = "([{", ")]}"


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "'\"`":
            end = text.find(c, i + 1)
            if end < 0:
                raise TooCostly("字符串缺少结束引号")  # zen refuses it too; say so before it does
            if c == "`":
                tokens.extend(_template(text[i + 1 : end]))
            else:
                tokens.append(_Token("str", text[i + 1 : end]))
            i = end + 1
        elif number := _NUMBER.match(text, i):
            tokens.append(_Token("num", number.group(), _decimal(number.group())))
            i = number.end()
        elif ident := _IDENT.match(text, i):
            tokens.append(_Token("ident", ident.group()))
            i = ident.end()
        elif text.startswith("..", i):
            tokens.append(_Token("dotdot", ".."))
            i += 2
        elif c == ".":
            tokens.append(_Token("dot", c))
            i += 1
        elif c in _OPENERS:
            tokens.append(_Token("open", c))
            i += 1
        elif c in _CLOSERS:
            tokens.append(_Token("close", c))
            i += 1
        elif c == ",":
            tokens.append(_Token("comma", c))
            i += 1
        else:
            tokens.append(_Token("op", c))
            i += 1
    return tokens


def _template(body: str) -> list[_Token]:
    """A template string's `${...}` parts are expressions: lexed as if in parentheses."""
    tokens: list[_Token] = []
    start = body.find("${")
    while start >= 0:
        depth, i = 1, start + 2
        while i < len(body) and depth:
            depth += {"{": 1, "}": -1}.get(body[i], 0)
            i += 1
        tokens += [_Token("open", "("), *_lex(body[start + 2 : i - 1]), _Token("close", ")")]
        start = body.find("${", i)
    return tokens


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace("_", ""))
    except InvalidOperation:
        return None


def _operand(tokens: list[_Token], i: int, step: int) -> tuple[int, Decimal | None] | None:
    """The end of an interval's bound that starts next to `..` at `i` going `step` (-1 left, +1
    right): a number, possibly negative, or a field path. Returns the bound's far index and value."""
    j = i
    if 0 <= j < len(tokens) and tokens[j].kind == "op" and tokens[j].text == "-" and step == 1:
        j += 1
        negative = True
    else:
        negative = False
    if not 0 <= j < len(tokens):
        return None
    token = tokens[j]
    if token.kind == "num" and token.value is not None:
        value = -token.value if negative else token.value
        if step == -1 and j - 1 >= 0 and tokens[j - 1].kind == "op" and tokens[j - 1].text == "-":
            return j - 1, -value
        return j, value
    if token.kind == "ident" and not negative:
        # a.b.c: walk over the dots
        while (
            0 <= j + 2 * step < len(tokens) and tokens[j + step].kind == "dot" and tokens[j + 2 * step].kind == "ident"
        ):
            j += 2 * step
        return j, None
    return None


def _intervals(tokens: list[_Token]) -> tuple[list[_Token], list[_Interval]]:
    """Each interval's brackets, bounds and `..` folded into one token; its brackets may be `]`/`[`."""
    folded: list[_Token] = []
    intervals: list[_Interval] = []
    i = consumed = 0
    while i < len(tokens):
        if tokens[i].kind != "dotdot":
            folded.append(tokens[i])
            i += 1
            continue
        left = _operand(tokens, i - 1, -1)
        right = _operand(tokens, i + 1, +1)
        if left is None or right is None:
            raise TooCostly("区间的两端应为数字或输入字段，如 [18..60]")
        opener, closer = left[0] - 1, right[0] + 1
        if (
            opener < consumed
            or tokens[opener].kind not in ("open", "close")
            or tokens[opener].text not in ("(", "[", "]")
            or closer >= len(tokens)
            or tokens[closer].kind not in ("open", "close")
            or tokens[closer].text not in (")", "]", "[")
        ):
            raise TooCostly("区间的写法为 [a..b]、(a..b)、[a..b) 或 (a..b]")
        # The bound and its opener were already copied: take them back.
        del folded[len(folded) - (i - opener) :]
        folded.append(_Token("interval", str(len(intervals))))
        intervals.append(_Interval(left[1], right[1]))
        i = consumed = closer + 1
    return folded, intervals


def check_cost(expression: str, *, unary: bool) -> None:
    """Raises TooCostly if the expression could cost more than a table is allowed; see the module."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise TooCostly(f"超过 {MAX_EXPRESSION_CHARS} 个字符")
    tokens, intervals = _intervals(_lex(expression))
    stack: list[_Frame] = []
    for i, token in enumerate(tokens):
        previous = tokens[i - 1] if i else None
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.kind == "open":
            call = token.text == "(" and previous is not None and previous.kind == "ident"
            member = i >= 2 and tokens[i - 2].kind == "dot"
            closure = call and not member and previous is not None and previous.text in CLOSURE_FUNCTIONS
            if closure and any(f.closure and f.argument > 0 for f in stack):
                raise TooCostly("一个闭包函数（map、filter、some 等）嵌套在另一个闭包函数的回调中")
            stack.append(_Frame(closure=closure))
            if len(stack) > MAX_NESTING:
                raise TooCostly(f"括号嵌套超过 {MAX_NESTING} 层")
        elif token.kind == "close":
            if stack:
                stack.pop()
        elif token.kind == "comma":
            if stack:
                stack[-1].argument += 1
        elif token.kind == "interval":
            interval = intervals[int(token.text)]
            compared = previous is not None and previous.kind == "ident" and previous.text == "in"
            alternative = (
                unary
                and not stack
                and (previous is None or previous.kind == "comma")
                and (following is None or following.kind == "comma")
            )
            if compared or alternative:
                continue  # zen compares against the ends; nothing is built
            if interval.low is None or interval.high is None:
                raise TooCostly("以输入字段为端点的区间只能用在 `in` 之后")
            if abs(interval.high - interval.low) > MAX_INTERVAL_ITEMS:
                raise TooCostly(
                    f"作为列表使用的区间两端相差超过 {MAX_INTERVAL_ITEMS}"
                    "（判断数值是否在区间内，请写作 `value in [a..b]`）"
                )
