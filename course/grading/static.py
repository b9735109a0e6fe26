"""A static look at student code: lines an instructor may want to read before trusting a score.

This is a filter for the report, not a defence (that is comparing outside the kernel and the
sandbox): it reads the answer cells' source with `ast` and flags imports and calls that course
exercises never need, assignments into other modules (monkeypatching), and file access near the
grader's files. A flag costs no points.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import nbformat

#: Modules no exercise needs; importing one is worth a look.
SUSPICIOUS_MODULES = {
    "solutions": "imports the reference solutions",
    "sqlite3": "opens databases (the gradebook is one)",
    "subprocess": "runs programs", "ctypes": "calls C code", "importlib": "imports by name",
    "builtins": "can replace built-in functions", "inspect": "inspects the running code",
    "gc": "reaches objects through the garbage collector", "shutil": "copies or deletes files",
    "socket": "opens network connections", "pickle": "loads arbitrary objects",
    "nbgrader": "touches the grading tool", "course.checking": "touches the hidden-test code",
    "course.grading": "touches the grading code", "signal": "handles interrupts",
}
SUSPICIOUS_CALLS = {
    "exec": "runs code from a string", "eval": "runs code from a string",
    "__import__": "imports by name", "compile": "compiles code from a string",
    "_exit": "kills the kernel", "exit": "stops the kernel", "quit": "stops the kernel",
    "setattr": "sets attributes by name (possible monkeypatching)",
    "get_ipython": "reaches into the notebook machinery", "globals": "edits global names",
    "system": "runs a shell command",
}
SUSPICIOUS_WORDS = ("gradebook", "solutions", "autograded", "submitted", "nbgrader_config")


@dataclass(frozen=True)
class Flag:
    """One suspicious line: where it is, the line itself, and why it was flagged."""

    cell: str
    line: int
    code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.cell}:{self.line}: {self.reason}: {self.code}"


def _module_flags(node: ast.AST) -> list[str]:
    names = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module:
        names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    reasons = []
    for name in names:
        for module, why in SUSPICIOUS_MODULES.items():
            if name == module or name.startswith(module + "."):
                reasons.append(f"import {name} ({why})")
                break
    return reasons


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) \
        else ""


def flags_in_source(source: str, cell: str) -> list[Flag]:
    """Flags for one cell's Python source (IPython magics are flagged as such)."""
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        magic = [i for i, ln in enumerate(lines, 1) if ln.lstrip().startswith(("%", "!"))]
        return [Flag(cell, i, lines[i - 1].strip(), "shell command or IPython magic")
                for i in magic]
    found = []
    for node in ast.walk(tree):
        reasons = _module_flags(node)
        if isinstance(node, ast.Call) and _call_name(node) in SUSPICIOUS_CALLS:
            reasons.append(f"{_call_name(node)}() {SUSPICIOUS_CALLS[_call_name(node)]}")
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(
                        target.value, (ast.Name, ast.Attribute)) and \
                        getattr(target.value, "id", None) not in ("self", "cls"):
                    reasons.append("assigns an attribute of another object "
                                   "(possible monkeypatching)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                any(w in node.value for w in SUSPICIOUS_WORDS):
            reasons.append("names a grader file or folder")
        for reason in reasons:
            number = getattr(node, "lineno", 1)
            found.append(Flag(cell, number, lines[number - 1].strip()[:120], reason))
    return sorted(set(found), key=lambda f: (f.line, f.reason))


def flags_in_notebook(nb: nbformat.NotebookNode) -> list[Flag]:
    """Flags for every code cell a student could edit (everything but locked cells)."""
    found = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("locked"):
            continue
        found += flags_in_source(cell.source, meta.get("grade_id", f"cell {index + 1}"))
    return found
