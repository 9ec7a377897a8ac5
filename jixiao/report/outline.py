"""The report's outline: a Jinja2 template per profile, rendered sandboxed, read as a list of blocks.

Finding the template
    By name only, like a profile (`jixiao.engine.profiles`): the profile's `report:` key names it
    (default: the profile's own name; zhuzhou extends national but names its own), and the file
    `<name>.report.j2` is looked up beside the profile's own file, then in the directories of
    $JIXIAO_PROFILE_PATH, then among the built-in profiles. A workbook names a profile, never a file.

Rendering
    Jinja2's SandboxedEnvironment, StrictUndefined (a misspelt variable is an error naming the line),
    files of bounded size and a bounded output (rendering stops past MAX_OUTPUT characters). Every
    `{{ … }}` value becomes a *token* before the markup below is read, so text copied from a form can
    never become a heading, a directive or a prompt: it is always a run of text, whatever it holds.

The markup (one block per line; blank lines are ignored)
    # 标题                    the title (centred, 二号 方正小标宋简体)
    #~ 副标题                 a subtitle (centred, 三号 楷体_GB2312)
    ## 一、一级标题           黑体 三号
    ### （一）二级标题        楷体_GB2312 三号
    #### 1. 三级标题          仿宋_GB2312 三号 加粗
    正文                      仿宋_GB2312 三号, first line indented two characters; a value with line
                              breaks continues as further paragraphs
    @自评表 [附件] [横排]     the 自评表 as a table (附件: on a new page headed 附件; 横排: landscape)
    @分页                     a page break
    @落款 文字                right-aligned (unit and date at the end)
    {{ ask("…") }}            a 【请补充：…】 prompt, highlighted, inside any line
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2
import jinja2.sandbox

from jixiao.engine.errors import ProfileError
from jixiao.engine.profiles import MAX_PROFILE_BYTES, Profile, check_name, find_named

from .facts import Prompt

SUFFIX = ".report.j2"
MAX_OUTPUT = 2_000_000          # characters a rendered outline may have
_TOKEN = re.compile("\x02([0-9]+)\x03")
# Characters XML 1.0 cannot hold (python-docx refuses them); \t and \n stay.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LINE_KINDS = (("#### ", "h3"), ("### ", "h2"), ("## ", "h1"), ("#~ ", "subtitle"), ("# ", "title"),
               ("@自评表", "table"), ("@分页", "pagebreak"), ("@落款", "signature"))


@dataclass
class Block:
    kind: str                              # title subtitle h1 h2 h3 body table pagebreak signature
    runs: list[str | Prompt] = field(default_factory=list)
    options: tuple[str, ...] = ()          # @自评表's words

    @property
    def text(self) -> str:
        return "".join(str(r) for r in self.runs)


def clean(text: str) -> str:
    """Text as a .docx can hold it: control characters removed."""
    return _NOT_XML.sub("", text)


def outline_name(profile: Profile) -> str:
    return check_name(profile.data.get("report") or profile.name)


def find_outline(profile: Profile) -> Path:
    """The outline template of a profile, by name (see the module docstring)."""
    name = outline_name(profile)
    found = find_named(name, (SUFFIX,), first=(Path(profile.source).parent,))
    if found is not None:
        return found
    raise ProfileError(f"找不到报告提纲“{name}{SUFFIX}”（规则配置“{profile.name}”的 report: {name}）。"
                       "请把提纲文件放在规则配置文件旁、JIXIAO_PROFILE_PATH 指向的文件夹中，或改用已有的提纲名称")


# Rendering ------------------------------------------------------------------------------------------

_state = threading.local()


def _finalize(value):
    """Every {{ }} value becomes a token; the values are kept aside for `blocks`."""
    store = _state.values
    if isinstance(value, Prompt):
        store.append(Prompt(clean(value.text)))
    else:
        store.append(clean("" if value is None else str(value)))
    return f"\x02{len(store) - 1}\x03"


_ENV = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                                           finalize=_finalize, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=32)
def _template(path: Path, mtime: float) -> jinja2.Template:
    if path.stat().st_size > MAX_PROFILE_BYTES:
        raise ProfileError(f"报告提纲超过 {MAX_PROFILE_BYTES // 1024} KB，不像报告提纲", where=str(path))
    try:
        source = path.read_text(encoding="utf-8")
        return _ENV.from_string(clean(source).replace("\x02", "").replace("\x03", ""))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"无法读取报告提纲：{exc}", where=str(path)) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ProfileError(f"报告提纲有误（第{exc.lineno}行）：{exc.message}", where=str(path)) from None


def render(path: Path, context: dict) -> tuple[str, list]:
    """The rendered outline with its tokens, and the token values."""
    template = _template(path, path.stat().st_mtime)
    _state.values = values = []
    out, size = [], 0
    try:
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise ProfileError(f"报告提纲展开后超过 {MAX_OUTPUT} 个字符，已停止", where=str(path))
            out.append(chunk)
    except jinja2.sandbox.SecurityError as exc:
        raise ProfileError(f"报告提纲试图执行不允许的操作（{exc}）：提纲只能引用报告数据", where=str(path)) from None
    except jinja2.TemplateError as exc:
        line = _template_line(exc)
        raise ProfileError(f"报告提纲有误{line}：{exc}", where=str(path)) from None
    finally:
        _state.values = None
    return "".join(out), values


def _template_line(exc: Exception) -> str:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"（第{line}行）" if line else ""


# Reading the markup ----------------------------------------------------------------------------------

def _runs(line: str, values: list) -> list[str | Prompt]:
    runs: list[str | Prompt] = []
    pos = 0
    for m in _TOKEN.finditer(line):
        if m.start() > pos:
            runs.append(line[pos:m.start()])
        runs.append(values[int(m.group(1))])
        pos = m.end()
    if pos < len(line):
        runs.append(line[pos:])
    return [r for r in runs if isinstance(r, Prompt) or r]


def _split_lines(kind: str, runs: list[str | Prompt]) -> list[Block]:
    """A value with line breaks: a heading keeps one line; body text continues as new paragraphs."""
    if kind != "body":
        return [Block(kind, [r.replace("\n", " ") if isinstance(r, str) else r for r in runs])]
    blocks = [Block(kind)]
    for r in runs:
        if isinstance(r, Prompt) or "\n" not in r:
            blocks[-1].runs.append(r)
            continue
        first, *rest = r.split("\n")
        if first.strip():
            blocks[-1].runs.append(first)
        for piece in rest:
            blocks.append(Block(kind, [piece] if piece.strip() else []))
    return [b for b in blocks if b.runs and b.text.strip()]


def blocks(rendered: str, values: list) -> list[Block]:
    out: list[Block] = []
    for raw in rendered.split("\n"):
        line = raw.strip()
        if not line:
            continue
        kind, rest = "body", line
        for prefix, k in _LINE_KINDS:
            if line.startswith(prefix):
                kind, rest = k, line[len(prefix):].strip()
                break
        if kind in ("table", "pagebreak"):
            out.append(Block(kind, options=tuple(rest.split())))
            continue
        runs = _runs(rest, values)
        if kind == "body" and runs and isinstance(runs[0], str):
            runs[0] = runs[0].lstrip()
        out.extend(_split_lines(kind, runs))
    return out


def outline(profile: Profile, context: dict) -> list[Block]:
    """The blocks of the profile's report for this context."""
    path = find_outline(profile)
    return blocks(*render(path, context))
