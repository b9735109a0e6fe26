"""The student package (tools/build_student_wheel.py): what the release notebooks import and
nothing of the instructor side (checks, grading, CLI, release, solutions, source, examples)."""
import ast
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_student_wheel  # noqa: E402

THIRD_PARTY = {"numpy", "matplotlib", "PIL", "ipywidgets", "IPython", "sklearn"}  # PIL: matplotlib's
FORBIDDEN = re.compile(r"checks|checking|compare|grading|cli\.py|build\.py|nbgrader|sync\.py|"
                       r"shd_synth|shd_lauscher|solutions|source/|examples|tables\.py")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_student_wheel.build(tmp_path_factory.mktemp("dist"))


def names(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_file_list_is_exactly_the_student_modules_and_data(wheel):
    info = "spiking_course_student-0.1.0.dist-info/"
    assert sorted(names(wheel)) == sorted(
        [f"course/{m}.py" for m in build_student_wheel.MODULES]
        + [f"course/data/{p.name}" for p in (ROOT / "course" / "data").glob("*.npz")]
        + [info + n for n in ("METADATA", "WHEEL", "RECORD", "top_level.txt")])
    assert not [n for n in names(wheel) if FORBIDDEN.search(n)]


def test_requirements_are_the_student_stack_only(wheel):
    with zipfile.ZipFile(wheel) as archive:
        meta = archive.read("spiking_course_student-0.1.0.dist-info/METADATA").decode()
    requires = sorted(re.split(r"[<>=!~; ]", line.split(": ", 1)[1])[0]
                      for line in meta.splitlines() if line.startswith("Requires-Dist:"))
    assert requires == ["ipywidgets", "jupyterlab", "matplotlib", "numpy", "scikit-learn"]
    assert "nbgrader" not in meta and "scipy" not in meta


def test_every_course_module_a_release_notebook_imports_is_in_it(wheel):
    imported = set()
    for path in sorted((ROOT / "release").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            imported |= set(re.findall(r"(?:from|import)\s+course\.(\w+)", "".join(cell["source"])))
    assert imported, "no release notebook imports the course package?"
    assert {f"course/{m}.py" for m in imported} <= set(names(wheel))


def test_student_modules_import_only_the_student_stack(wheel):
    with zipfile.ZipFile(wheel) as archive:
        for name in names(wheel):
            if not name.endswith(".py"):
                continue
            for node in ast.walk(ast.parse(archive.read(name))):
                modules = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                           [node.module] if isinstance(node, ast.ImportFrom) and node.module
                           else [])
                for module in modules:
                    top = module.split(".")[0]
                    if top == "course":
                        assert f"{module.replace('.', '/')}.py" in names(wheel), (name, module)
                    else:
                        assert top in THIRD_PARTY or top in sys.stdlib_module_names, (name, module)


def test_pip_installs_it_and_the_helpers_work(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--target", str(target), str(wheel)], check=True)
    code = ("import course.data, course.spikes, course.widgets, course.plotting\n"
            "assert course.data.__file__.startswith(%r)\n"
            "print(course.data.load_digit_matrix().shape)\n"
            "import importlib.util as u\n"
            "assert u.find_spec('course.checking') is None and u.find_spec('course.grading') is None\n"
            % str(target))
    # -S: no .pth files, so the instructor's editable install of `course` is not in the way
    site = [p for p in sys.path if p.endswith("site-packages")]
    prelude = f"import sys; sys.path[:0] = {[str(target)] + site!r}\n"
    out = subprocess.run([sys.executable, "-I", "-S", "-c", prelude + code],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
