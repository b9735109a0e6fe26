"""The coordinator's small parts on fixture notebooks, without kernels: the replayed execution,
the pipeline split, job keys and content hashes."""
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course.grading import replay
from course.grading.compare import PUBLISHED
from course.grading.executor import job_key, make_job
from course.grading.resume import content_hash


def prepared_notebook():
    cell = new_code_cell("check('a.b', f)", metadata={"nbgrader": {"grade": True,
                                                                   "grade_id": "t", "points": 1}})
    return new_notebook(cells=[new_markdown_cell("# A"), new_code_cell("x = 1"), cell])


def executed_from(nb, **changes):
    ran = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    ran.cells[1].outputs = [new_output("stream", name="stdout", text="hi\n")]
    ran.cells[1].execution_count = 1
    ran.cells[2].outputs = [new_output("display_data", data={"text/plain": "r"})]
    for index, source in changes.items():
        ran.cells[int(index)].source = source
    return {"notebook": nbformat.writes(ran), "published": [[2, [{"check": "a.b"}]]]}


def replay_into(prepared, executed, student="ada", assignment="a"):
    replay.EXECUTED[(assignment, student)] = {"prepared": nbformat.writes(prepared),
                                              "executed": executed}
    try:
        blank = new_notebook(cells=[new_code_cell("anything the student sent")])
        resources = {"nbgrader": {"student": student, "assignment": assignment}}
        return replay.ReplayExecution().preprocess(blank, resources)
    finally:
        replay.EXECUTED.clear()


def test_replay_puts_outputs_on_the_coordinators_own_cells():
    prepared = prepared_notebook()
    nb, resources = replay_into(prepared, executed_from(prepared))
    assert [c.source for c in nb.cells] == [c.source for c in prepared.cells]
    assert nb.cells[1].outputs[0].text == "hi\n" and nb.cells[1].execution_count == 1
    assert nb.cells[2].metadata == prepared.cells[2].metadata
    assert resources[PUBLISHED] == {2: [{"check": "a.b"}]}


def test_replay_refuses_an_executed_notebook_with_other_sources():
    prepared = prepared_notebook()
    with pytest.raises(RuntimeError, match="does not match"):
        replay_into(prepared, executed_from(prepared, **{"2": "pass  # test removed"}))


def test_replay_needs_the_result_of_that_submission():
    prepared = prepared_notebook()
    replay.EXECUTED[("a", "ben")] = {"prepared": nbformat.writes(prepared),
                                     "executed": executed_from(prepared)}
    try:
        with pytest.raises(RuntimeError, match="no execution result for ada/a"):
            replay.ReplayExecution().preprocess(new_notebook(), {"nbgrader": {
                "student": "ada", "assignment": "a"}})
    finally:
        replay.EXECUTED.clear()


def test_finish_config_replays_instead_of_executing():
    configured = ["course.grading.compare.RecordedExecute", "nbgrader.preprocessors.SaveAutoGrades",
                  "nbgrader.preprocessors.CheckCellMetadata"]
    config = replay.finish_config(configured)
    assert config.Autograde.autograde_preprocessors == [
        replay.REPLAY, "nbgrader.preprocessors.SaveAutoGrades"]
    assert config.Autograde.sanitize_preprocessors == []
    with pytest.raises(RuntimeError, match="RecordedExecute"):
        replay.finish_config(["nbgrader.preprocessors.Execute"])


def test_job_key_is_the_content_and_names_no_student():
    job = make_job('{"cells": []}', "a", {"timeout": 60}, "auto", {"cpu_seconds": 300}, 300)
    assert job_key(job) == job_key(dict(job)) and job_key(job).startswith("execute-")
    assert "ada" not in json.dumps(job)
    assert job_key(job) != job_key({**job, "notebook": '{"cells": [1]}'})
    assert job_key(job) != job_key({**job, "limits": {"cpu_seconds": 10}})


def test_content_hash_follows_notebook_release_and_submission_time(tmp_path):
    (tmp_path / "submitted" / "ada" / "a").mkdir(parents=True)
    (tmp_path / "release" / "a").mkdir(parents=True)
    notebook = tmp_path / "submitted" / "ada" / "a" / "a.ipynb"
    notebook.write_text("one")
    (tmp_path / "release" / "a" / "a.ipynb").write_text("release")
    first = content_hash(tmp_path, "ada", "a")
    assert content_hash(tmp_path, "ada", "a") == first
    (tmp_path / "submitted" / "ada" / "a" / "timestamp.txt").write_text("2026-01-01 10:00:00")
    late = content_hash(tmp_path, "ada", "a")
    assert late != first
    (tmp_path / "release" / "a" / "a.ipynb").write_text("release, fixed")
    fixed = content_hash(tmp_path, "ada", "a")
    assert fixed not in (first, late)
    assert content_hash(tmp_path, "ada", "a", grader="another reference") != fixed


def test_the_grader_fingerprint_follows_the_reference(tmp_path):
    from course.grading.resume import grader_fingerprint

    (tmp_path / "solutions").mkdir()
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    (tmp_path / "solutions" / "leaky.py").write_text("def f(x):\n    return x\n")
    before = grader_fingerprint(tmp_path)
    assert grader_fingerprint(tmp_path) == before
    (tmp_path / "solutions" / "leaky.py").write_text("def f(x):\n    return 2 * x\n")
    assert grader_fingerprint(tmp_path) != before
