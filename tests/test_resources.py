"""NLTK resources: finding them, reporting what is missing, and `illm data check`."""

from __future__ import annotations

import nltk
import pytest
from click.testing import CliRunner

from illm_nlp import resources
from illm_nlp.cli import cli, main
from illm_nlp.errors import MissingResourceError

CLEAN_PIPELINE = (
    "stages:\n"
    "  - stage: nltk.clean.v1\n"
    "    stopwords: true\n"
    "    lemmatize: true\n"
    "    lemmatize_pos: true\n"
    "  - stage: nltk.clean.v1\n"
    "    name: german\n"
    "    language: de\n"
    "    stopwords: true\n"
)


@pytest.fixture
def no_nltk_data(monkeypatch, tmp_path):
    """NLTK sees only an empty folder, as on a fresh machine without downloads."""
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    monkeypatch.setattr(nltk.data, "path", [str(empty)])
    return empty


@pytest.mark.parametrize(
    "rid, package, lang",
    [("punkt_tab/german", "punkt_tab", "german"), ("stopwords", "stopwords", ""), ("wordnet", "wordnet", "")],
)
def test_resources_parse_splits_package_and_language(rid, package, lang):
    res = resources.parse(rid)
    assert (res.package, res.lang, res.id) == (package, lang, rid)


@pytest.mark.parametrize(
    "rid",
    ["punkt_tab/english", "punkt_tab/german", "punkt_tab/spanish", "stopwords/english", "stopwords/german",
     "stopwords/spanish", "stopwords", "wordnet", "averaged_perceptron_tagger_eng"],
)
def test_resources_shared_data_has_what_the_stages_use(rid):
    assert resources.is_installed(rid)


@pytest.mark.parametrize("rid", ["punkt_tab/klingon", "stopwords/klingon", "omw-1.4"])
def test_resources_absent_resources_are_not_installed(rid):
    assert not resources.is_installed(rid)


def test_resources_nothing_is_installed_on_an_empty_path(no_nltk_data):
    assert not resources.is_installed("punkt_tab/english")
    assert not resources.is_installed("wordnet")


def test_resources_check_passes_when_installed():
    resources.check(["punkt_tab/english", "wordnet", "stopwords/german"], who="test")


def test_resources_check_names_each_missing_resource_and_the_command(no_nltk_data):
    with pytest.raises(MissingResourceError) as err:
        resources.check(["punkt_tab/english", "stopwords/english", "wordnet"], who="pipe.yaml: stages[0]")
    text = str(err.value)
    assert "pipe.yaml: stages[0] needs NLTK resources 'punkt_tab/english', 'stopwords/english', 'wordnet'" in text
    assert "illm data download punkt_tab stopwords wordnet" in text
    assert str(no_nltk_data) in text  # where NLTK looked
    assert err.value.exit_code == 1


def test_resources_data_check_lists_each_stage_resource_ok(write_pipeline):
    path = write_pipeline(CLEAN_PIPELINE)
    result = CliRunner().invoke(cli, ["data", "check", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for rid in ("punkt_tab/english", "stopwords/english", "wordnet", "averaged_perceptron_tagger_eng",
                "punkt_tab/german", "stopwords/german"):
        assert any(rid in line and line.endswith(" ok") for line in lines), (rid, result.output)
    assert "MISSING" not in result.output


def test_resources_data_check_lists_missing_and_exits_1(write_pipeline, no_nltk_data):
    path = write_pipeline(CLEAN_PIPELINE)
    result = CliRunner().invoke(cli, ["data", "check", str(path)])
    assert result.exit_code == 1
    assert "stages[0] (nltk.clean.v1): wordnet MISSING" in result.output
    assert "stages[1] (nltk.clean.v1): stopwords/german MISSING" in result.output
    assert "install with: illm data download averaged_perceptron_tagger_eng punkt_tab stopwords wordnet" in result.output


def test_resources_data_check_pipeline_without_nltk_data(write_pipeline):
    path = write_pipeline("stages:\n  - stage: nltk.clean.v1\n    split_sentences: false\n")
    result = CliRunner().invoke(cli, ["data", "check", str(path)])
    assert result.exit_code == 0 and "needs no NLTK data" in result.output


def test_resources_data_download_for_a_complete_pipeline_downloads_nothing(write_pipeline):
    path = write_pipeline(CLEAN_PIPELINE)
    result = CliRunner().invoke(cli, ["data", "download", "--for", str(path)])
    assert result.exit_code == 0 and "nothing to download" in result.output


def test_resources_validate_reports_the_missing_resource(write_pipeline, no_nltk_data, capsys):
    path = write_pipeline(CLEAN_PIPELINE)
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "cannot run here" in err and "punkt_tab/english" in err and "illm data download" in err
