"""The three small languages of Bullhorn's REST API, as far as the sandbox needs them:

* ``search`` queries: a Lucene subset (``field:value``, ``field:"phrase"``, ``AND``/``OR``/``NOT``, ``-term``,
  parentheses, trailing ``*`` wildcards);
* ``query`` where clauses: an SQL subset (``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``IN (..)``,
  ``IS [NOT] NULL``, ``AND``/``OR``/``NOT``, parentheses, dotted paths);
* ``fields`` selections: ``id,name,clientCorporation(id,name),candidates(id)``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.sandbox.core import digits

PHONE_FIELDS = {"phone", "mobile", "phone2", "phone3", "workPhone", "fax"}
TEXT_FIELDS = {
    "name",
    "firstName",
    "lastName",
    "middleName",
    "companyName",
    "occupation",
    "subject",
    "username",
}

Predicate = Callable[[dict[str, Any]], bool]


class QuerySyntaxError(ValueError):
    pass


def resolve(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'@.+-]+", text.lower())


# ------------------------------------------------------------------------------------------------ Lucene


@dataclass
class _Tok:
    kind: str  # TERM, AND, OR, NOT, LP, RP
    field: str = ""
    value: str = ""
    quoted: bool = False


def _lucene_tokens(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "(":
            tokens.append(_Tok("LP"))
            i += 1
            continue
        if ch == ")":
            tokens.append(_Tok("RP"))
            i += 1
            continue
        if text.startswith("&&", i):
            tokens.append(_Tok("AND"))
            i += 2
            continue
        if text.startswith("||", i):
            tokens.append(_Tok("OR"))
            i += 2
            continue
        negate = False
        if ch in "-!" and i + 1 < n and not text[i + 1].isspace():
            negate = True
            i += 1
        elif ch == "+":
            i += 1
        match = re.compile(r"[A-Za-z_][\w.]*").match(text, i)
        if not match:
            raise QuerySyntaxError(f"unexpected character {text[i]!r} at {i}")
        word = match.group(0)
        i = match.end()
        if i < n and text[i] == ":":
            i += 1
            if i < n and text[i] == '"':
                end = i + 1
                buf = []
                while end < n and text[end] != '"':
                    if text[end] == "\\" and end + 1 < n:
                        end += 1
                    buf.append(text[end])
                    end += 1
                if end >= n:
                    raise QuerySyntaxError("unterminated quoted phrase")
                token = _Tok("TERM", word, "".join(buf), True)
                i = end + 1
            elif i < n and text[i] == "(":
                # field:(a OR b) -> a group of terms on one field
                end = text.find(")", i)
                if end < 0:
                    raise QuerySyntaxError("unbalanced parenthesis in field group")
                inner = _lucene_tokens(_field_group(word, text[i + 1 : end]))
                if negate:
                    tokens.append(_Tok("NOT"))
                tokens.append(_Tok("LP"))
                tokens.extend(inner)
                tokens.append(_Tok("RP"))
                i = end + 1
                continue
            else:
                value_match = re.compile(r"[^\s()]+").match(text, i)
                if not value_match:
                    raise QuerySyntaxError(f"missing value for field {word}")
                value = value_match.group(0)
                if value.startswith("[") or value.startswith("{"):
                    raise QuerySyntaxError("range queries are not supported by the sandbox")
                token = _Tok("TERM", word, value.replace("\\", ""), False)
                i = value_match.end()
            if negate:
                tokens.append(_Tok("NOT"))
            tokens.append(token)
            continue
        if word in ("AND", "OR", "NOT") and not negate:
            tokens.append(_Tok(word))
            continue
        raise QuerySyntaxError(f"a term needs a field: {word!r}")
    return tokens


def _field_group(field: str, inner: str) -> str:
    parts = re.findall(r'"[^"]*"|\(|\)|[^\s()]+', inner)
    out = []
    for part in parts:
        if part in ("AND", "OR", "NOT", "(", ")", "&&", "||"):
            out.append(part)
        else:
            out.append(f"{field}:{part}")
    return " ".join(out)


class _LuceneParser:
    def __init__(self, tokens: list[_Tok], matcher: Callable[[dict[str, Any], _Tok], bool]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.matcher = matcher

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        if not self.tokens:
            raise QuerySyntaxError("empty query")
        predicate = self.or_expr()
        if self.peek() is not None:
            raise QuerySyntaxError("unexpected tokens after the query")
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda record: any(p(record) for p in parts)

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while (token := self.peek()) is not None and token.kind in ("AND", "NOT", "TERM", "LP"):
            if token.kind == "AND":
                self.take()
                parts.append(self.unary())
            else:  # "a NOT b" means "a AND NOT b"; adjacent terms are ANDed (Bullhorn's default operator)
                parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        return lambda record: all(p(record) for p in parts)

    def unary(self) -> Predicate:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("the query ends too early")
        if token.kind == "NOT":
            self.take()
            inner = self.unary()
            return lambda record: not inner(record)
        if token.kind == "LP":
            self.take()
            inner = self.or_expr()
            closing = self.peek()
            if closing is None or closing.kind != "RP":
                raise QuerySyntaxError("missing closing parenthesis")
            self.take()
            return inner
        if token.kind == "TERM":
            self.take()
            matcher = self.matcher
            return lambda record: matcher(record, token)
        raise QuerySyntaxError(f"unexpected {token.kind}")


def _term_matches(record: dict[str, Any], token: _Tok) -> bool:
    field, value = token.field, token.value
    stored = resolve(record, field)
    base = field.split(".")[-1]
    if base in PHONE_FIELDS:
        wanted = digits(value.rstrip("*"))
        have = digits(stored)
        return bool(wanted) and bool(have) and have.endswith(wanted)
    if base == "isDeleted" or isinstance(stored, bool):
        return bool(stored) == (value.lower() in ("true", "1"))
    if base == "id" or (isinstance(stored, int | float) and not isinstance(stored, bool)):
        try:
            return stored is not None and float(stored) == float(value)
        except ValueError:
            return False
    text = "" if stored is None else str(stored)
    if base in TEXT_FIELDS or base == "email":
        words = _words(text)
        if token.quoted:
            phrase = _words(value)
            return bool(phrase) and any(words[i : i + len(phrase)] == phrase for i in range(len(words)))
        pattern = value.lower()
        if "*" in pattern or "?" in pattern:
            return any(fnmatch.fnmatchcase(w, pattern) for w in words) or fnmatch.fnmatchcase(
                text.lower(), pattern
            )
        return pattern in words or text.lower() == pattern
    return text.strip().lower() == value.strip().lower()


def lucene_predicate(query: str) -> Predicate:
    """A predicate over entity records for a Lucene search query; raises :class:`QuerySyntaxError`."""
    return _LuceneParser(_lucene_tokens(query), _term_matches).parse()


# ------------------------------------------------------------------------------------------------ where

_WHERE_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>>=|<=|<>|!=|=|>|<)|(?P<punct>[(),])"
    r"|(?P<word>[A-Za-z_][\w.]*))"
)


def _where_tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _WHERE_TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QuerySyntaxError(f"cannot parse where clause near {text[pos : pos + 20]!r}")
        pos = match.end()
        if match.group("str") is not None:
            tokens.append(("lit", match.group("str")[1:-1].replace("''", "'")))
        elif match.group("num") is not None:
            number = match.group("num")
            tokens.append(("lit", float(number) if "." in number else int(number)))
        elif match.group("op") is not None:
            tokens.append(("op", match.group("op")))
        elif match.group("punct") is not None:
            tokens.append((match.group("punct"), match.group("punct")))
        else:
            word = match.group("word")
            upper = word.upper()
            if upper in ("AND", "OR", "NOT", "IN", "IS", "NULL"):
                tokens.append((upper, upper))
            elif upper in ("TRUE", "FALSE"):
                tokens.append(("lit", upper == "TRUE"))
            else:
                tokens.append(("path", word))
    return tokens


def _compare(stored: Any, op: str, literal: Any) -> bool:
    if stored is None:
        return op in ("<>", "!=") and literal is not None
    if isinstance(literal, bool) or isinstance(stored, bool):
        left, right = bool(stored), bool(literal)
        return left == right if op == "=" else left != right if op in ("<>", "!=") else False
    if isinstance(literal, int | float):
        try:
            left_num, right_num = float(stored), float(literal)
        except (TypeError, ValueError):
            return False
        return _ordered(left_num, op, right_num)
    return _ordered(str(stored).lower(), op, str(literal).lower())


def _ordered(left: Any, op: str, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op in ("<>", "!="):
        return bool(left != right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "<":
        return bool(left < right)
    return bool(left <= right)


class _WhereParser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None) -> Any:
        if self.pos >= len(self.tokens):
            raise QuerySyntaxError("the where clause ends too early")
        token_kind, value = self.tokens[self.pos]
        if kind is not None and token_kind != kind:
            raise QuerySyntaxError(f"expected {kind}, found {value!r}")
        self.pos += 1
        return value

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.pos != len(self.tokens):
            raise QuerySyntaxError("unexpected tokens at the end of the where clause")
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() == "AND":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> Predicate:
        if self.peek() == "NOT":
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if self.peek() == "(":
            self.take()
            inner = self.or_expr()
            self.take(")")
            return inner
        return self.condition()

    def condition(self) -> Predicate:
        path = self.take("path")
        kind = self.peek()
        if kind == "IN" or (kind == "NOT" and self._next_is("IN")):
            negate = kind == "NOT"
            if negate:
                self.take()
            self.take("IN")
            self.take("(")
            values = [self.take("lit")]
            while self.peek() == ",":
                self.take()
                values.append(self.take("lit"))
            self.take(")")

            def member(record: dict[str, Any]) -> bool:
                stored = resolve(record, path)
                found = any(_compare(stored, "=", v) for v in values)
                return found != negate

            return member
        if kind == "IS":
            self.take()
            negate = self.peek() == "NOT"
            if negate:
                self.take()
            self.take("NULL")
            return lambda r: (resolve(r, path) is None) != negate
        op = self.take("op")
        literal = self.take("lit")
        return lambda r: _compare(resolve(r, path), op, literal)

    def _next_is(self, kind: str) -> bool:
        return self.pos + 1 < len(self.tokens) and self.tokens[self.pos + 1][0] == kind


def where_predicate(where: str) -> Predicate:
    """A predicate over entity records for a ``query`` where clause; raises :class:`QuerySyntaxError`."""
    tokens = _where_tokens(where)
    if not tokens:
        raise QuerySyntaxError("empty where clause")
    return _WhereParser(tokens).parse()


# ------------------------------------------------------------------------------------------------ fields


@dataclass
class FieldSpec:
    name: str
    sub: list[FieldSpec] | None = None


def parse_fields(text: str | None) -> list[FieldSpec]:
    """``id,name,owner(id,firstName),candidates[5](id)`` -> field specs (counts in brackets are ignored)."""
    if not text:
        return []
    specs: list[FieldSpec] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " ,":
            i += 1
        if i >= n:
            break
        match = re.compile(r"[A-Za-z_*][\w]*").match(text, i)
        if not match:
            raise QuerySyntaxError(f"cannot parse fields near {text[i : i + 20]!r}")
        name = match.group(0)
        i = match.end()
        if i < n and text[i] == "[":
            end = text.find("]", i)
            if end < 0:
                raise QuerySyntaxError("unbalanced [ in fields")
            i = end + 1
        sub: list[FieldSpec] | None = None
        if i < n and text[i] == "(":
            depth, start = 1, i + 1
            i += 1
            while i < n and depth:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            if depth:
                raise QuerySyntaxError("unbalanced ( in fields")
            sub = parse_fields(text[start : i - 1])
        specs.append(FieldSpec(name, sub))
    return specs
