"""`illm chat`: piped and interactive use, commands, bad input, streaming, dialogue context — on real tiny runs."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from illm_nlp.chat import ChatSession, clean_input, parse_settings
from illm_nlp.chat.format import bar, label_probabilities
from illm_nlp.cli import cli, main

from ._runs_interactive import trained_run


@pytest.fixture(scope="module")
def classify_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_run(tmp_path_factory, "classify")


@pytest.fixture(scope="module")
def generate_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_run(tmp_path_factory, "generate")


@pytest.fixture(scope="module")
def classifier(classify_run: Path):
    import illm_nlp

    return illm_nlp.load(classify_run)


@pytest.fixture(scope="module")
def generator(generate_run: Path):
    import illm_nlp

    return illm_nlp.load(generate_run)


def session(predictor, **kw) -> tuple[ChatSession, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return ChatSession(predictor, out=out, err=err, **kw), out, err


# -- pure parts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "problem"),
    [
        ("A fine film.", "A fine film.", None),
        ("  spaced\tout  ", "spaced out", None),
        ("bell\x07 and \x1b[31mcolour\x1b[0m", "bell and colour", "(removed 3 control characters)"),
        ("", None, "empty input"),
        (" \x00 \x1b[A ", None, "empty input"),
        ("x" * 10_001, None, "input too long: 10,001 characters, the limit is 10,000"),
    ],
)
def test_chat_clean_input(raw: str, text: str | None, problem: str | None) -> None:
    cleaned = clean_input(raw)
    assert cleaned.text == text
    if problem is None:
        assert cleaned.problem is None
    else:
        assert cleaned.problem is not None and cleaned.problem.startswith(problem)


def test_chat_parse_settings_reads_yaml_scalars() -> None:
    assert parse_settings("beam=5 temperature=0.8 seed=null stream=false") == {"beam": 5, "temperature": 0.8, "seed": None, "stream": False}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_settings("beam")


def test_chat_format_helpers() -> None:
    assert label_probabilities({"labels": ["a", "b"], "probabilities": [0.2, 0.8]}) == [("b", 0.8), ("a", 0.2)]
    assert label_probabilities({"probabilities": {"x": 0.1, "y": 0.9}}) == [("y", 0.9), ("x", 0.1)]
    assert bar(1.0, 8) == "█" * 8 and bar(0.0, 8) == " " * 8 and bar(0.5, 8).rstrip() == "████"


# -- piped use through the real command ------------------------------------------------------------


def test_chat_piped_classify_gives_one_answer_line_per_input(classify_run: Path, classifier) -> None:
    lines = ["A wonderful, moving film.", "", "Dull \x00and\x1b[2K lifeless.", "x" * 20_000, "Fine."]
    result = CliRunner().invoke(cli, ["chat", str(classify_run)], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = result.stdout.split("\n")
    assert out[-1] == "" and len(out) - 1 == len(lines)  # exactly one line per input line
    expected = classifier.predict(["A wonderful, moving film.", "Dull and lifeless.", "Fine."])
    for line, answer in zip([out[0], out[2], out[4]], expected):
        label, prob = line.split("\t")
        assert label == answer["label"]
        assert float(prob) == pytest.approx(answer["probabilities"][label], abs=1e-4)
    assert out[1] == "" and out[3] == ""  # unanswerable input keeps its (empty) line
    assert "line 2: empty input" in result.stderr
    assert "line 3: (removed 2 control characters)" in result.stderr
    assert "line 4: input too long: 20,000 characters, the limit is 10,000" in result.stderr
    assert "you>" not in result.stdout  # no prompt decoration when piped


def test_chat_piped_json_answers(classify_run: Path, classifier) -> None:
    result = CliRunner().invoke(cli, ["chat", str(classify_run), "--json"], input="A wonderful film.\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == classifier.predict(["A wonderful film."])[0]


def test_chat_piped_commands_and_quit(classify_run: Path) -> None:
    script = ":help\n:info\n:set top=1\n:sett\n:set bogus=1\nGreat fun.\n:unset bogus\nGreat fun.\n:quit\nNever answered.\n"
    result = CliRunner().invoke(cli, ["chat", str(classify_run)], input=script)
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n")[0] == ""  # refused (bogus setting): its empty line
    assert result.stdout.split("\n")[1].startswith(("pos\t", "neg\t"))
    assert result.stdout.count("\n") == 2  # :quit stopped the rest
    err = result.stderr
    assert ":set" in err and ":info" in err  # the help text
    assert "labels: neg, pos" in err  # :info
    assert "top=1" in err
    assert "unknown command ':sett'. Did you mean 'set'" in err
    assert "line 6: error: classification does not take the setting" in err  # the head refused bogus=1


def test_chat_multi_line_block_is_one_input(classify_run: Path) -> None:
    script = '"""\nA wonderful\nmoving film.\n"""\nDull.\n'
    result = CliRunner().invoke(cli, ["chat", str(classify_run)], input=script)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2


def test_chat_bad_run_dir_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["chat", str(tmp_path / "nothing")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


@pytest.mark.parametrize("setting", ["temperature", "bogus=1=2"])
def test_chat_bad_start_setting_is_a_usage_error(generate_run: Path, setting: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["chat", str(generate_run), "-s", setting])
    assert exc.value.code == 2
    assert "--setting" in capsys.readouterr().err


# -- the session on real predictors ------------------------------------------------------------


def test_chat_interactive_classify_shows_probability_bars(classifier) -> None:
    chat, out, _ = session(classifier, interactive=True, top=2)
    chat.feed("A wonderful, moving film.")
    lines = out.getvalue().splitlines()
    answer = classifier.predict(["A wonderful, moving film."])[0]
    assert lines[0] == answer["label"]
    assert len(lines) == 3
    assert re.match(rf"\s+{answer['label']}\s+\d+\.\d%\s+█", lines[1])


class Recorder(io.StringIO):
    """Counts the writes: a streamed answer arrives in several."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, s: str) -> int:
        self.writes.append(s)
        return super().write(s)


def test_chat_generate_streams_token_by_token(generator) -> None:
    out, err = Recorder(), io.StringIO()
    chat = ChatSession(generator, out=out, err=err, interactive=True, settings={"seed": 3, "max_length": 10})
    chat.feed("Anne was")
    expected = generator.predict(["Anne was"], seed=3, max_length=10)[0]["text"].strip()
    assert out.getvalue() == expected + "\n"
    assert len([w for w in out.writes if w.strip()]) > 1


def test_chat_set_changes_decoding_and_is_validated(generator) -> None:
    chat, out, err = session(generator, settings={"seed": 5})
    chat.feed(":set temperature=0 max_length=4")
    chat.feed("Anne was")
    greedy = generator.predict(["Anne was"], temperature=0, max_length=4)[0]["text"].strip()
    assert out.getvalue() == greedy + "\n"
    chat.feed(":set temprature=1")
    assert "no setting 'temprature'. Did you mean 'temperature'?" in err.getvalue()
    chat.feed(":set top_p=7")  # accepted by :set, refused by the head at the next answer: a message, not a crash
    chat.feed("Anne was")
    assert "error: setting 'top_p'" in err.getvalue()
    assert out.getvalue().endswith("\n\n")  # the refused answer still has its (empty) line
    chat.feed(":unset top_p")
    chat.feed("Anne was")
    assert out.getvalue().splitlines()[-1] == greedy


def test_chat_interactive_prompt_toolkit_loop(classifier) -> None:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from illm_nlp.chat.terminal import run_interactive

    out, err = io.StringIO(), io.StringIO()
    chat = ChatSession(classifier, out=out, err=err, interactive=True)
    with create_pipe_input() as pipe:
        pipe.send_text("A wonderful film.\r:info\r:quit\rnot read\r")
        run_interactive(chat, out=err, pt_input=pipe, pt_output=DummyOutput())
    assert chat.answered == 1
    assert out.getvalue().splitlines()[0] == classifier.predict(["A wonderful film."])[0]["label"]
    assert "illm chat" in err.getvalue() and "labels: neg, pos" in err.getvalue()


def test_chat_dialogue_run_keeps_the_last_turns_as_context(tmp_path_factory: pytest.TempPathFactory) -> None:
    import illm_nlp

    predictor = illm_nlp.load(trained_run(tmp_path_factory, "dialogue"))
    chat, out, _ = session(predictor, settings={"beam": 1})
    assert chat.context is not None and chat.context.turns == 1 and chat.context.separator == " | "
    assert chat.model_input("Hello") == "Hello"
    first = chat.ask("Hello")
    assert first is not None
    reply = first["text"].strip()
    # the next message goes with the last turn (the reply), as conversations.v1 built the training pairs
    assert chat.model_input("What is AI?") == f"{reply} | What is AI?"
    second = chat.ask("What is AI?")
    assert second is not None
    assert second["text"].strip() == predictor.predict([f"{reply} | What is AI?"], beam=1)[0]["text"].strip()
    chat.feed(":reset")
    assert chat.model_input("Hi") == "Hi"
    assert len(out.getvalue().splitlines()) == 2
