"""One contract every registered entry keeps, checked the same way for all of them."""

from __future__ import annotations

import pickle

import pytest

from illm_nlp import resources
from illm_nlp.document import Doc
from illm_nlp.registry import heads, models, readers, stages
from illm_nlp.stages.base import CorpusStage, Stage

SAMPLE = Doc(id="sample.txt", text="The Dashwoods were a family of long standing. They lived at Norland Park, in Sussex!")


def _entries(reg):
    return [e for e in reg if not e.name.startswith(("test.", "plugin."))]


ALL = [pytest.param(e, id=f"{e.kind}:{e.name}") for reg in (readers, stages, models, heads) for e in _entries(reg)]
STAGES = [pytest.param(e, id=e.name) for e in _entries(stages)]


@pytest.mark.parametrize("entry", ALL)
def test_contract_documented_versioned_typed(entry):
    assert entry.summary, f"{entry.name}: the factory needs a docstring (its first paragraph is the summary)"
    assert entry.name.rsplit(".", 1)[-1][:1] == "v", f"{entry.name}: names end in a version (.v1)"
    for opt in entry.options:
        assert opt.type not in ("Any", "_empty"), f"{entry.name}.{opt.name} needs a type hint"
    entry.schema.model_json_schema()  # the schema itself must be expressible


@pytest.mark.parametrize("entry", STAGES)
def test_contract_stage_builds_cheaply_and_processes_a_document(entry):
    required = [o.name for o in entry.options if o.required]
    if required:
        pytest.skip(f"needs {required}")
    stage = entry.build({}, where=entry.name)
    assert isinstance(stage, (Stage, CorpusStage))
    for rid in stage.resources:
        assert resources.parse(rid).package in resources.KNOWN_PACKAGES, f"unknown resource id {rid}"
    if isinstance(stage, CorpusStage):
        assert callable(stage.fit)
        return
    resources.check(stage.resources)  # the shared NLTK data has what the defaults need
    out = stage(Doc(id=SAMPLE.id, text=SAMPLE.text))
    assert out is None or (isinstance(out, Doc) and out.id == SAMPLE.id)
    pickle.dumps(out)  # results cross process boundaries


@pytest.mark.parametrize("entry", STAGES)
def test_contract_stage_options_round_trip_through_the_schema(entry):
    defaults = {o.name: o.default for o in entry.options if not o.required}
    validated = entry.validate(defaults, entry.name) if not any(o.required for o in entry.options) else None
    if validated is not None:
        assert set(validated) == {o.name for o in entry.options}
