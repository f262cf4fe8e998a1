"""nltk.clean.v1 and its composable pieces, on real NLTK data (../shared/nltk_data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import nltk
import pytest
from pydantic import Field

from illm_nlp.cli import main
from illm_nlp.document import Doc
from illm_nlp.errors import ConfigError, MissingResourceError
from illm_nlp.pipeline import load_pipeline
from illm_nlp.registry import readers, stages

# -- helpers -----------------------------------------------------------------

READS: list[str] = []


class _LineReader:
    """One document per line of a text file; records each read so tests can see nothing was read."""

    on_error = "skip"

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def check(self) -> None:
        pass

    def __iter__(self):
        for i, line in enumerate(self.path.read_text(encoding="utf-8").splitlines()):
            READS.append(f"{self.path.name}:{i}")
            yield Doc(id=f"{self.path.name}:{i}", text=line)


def _lines(*, path: Annotated[str, Field(description="a text file")]) -> _LineReader:
    """One document per line (test only)."""
    return _LineReader(path)


if "test.nltk-lines.v1" not in readers:
    readers.register("test.nltk-lines.v1")(_lines)


def clean(text: str, **options) -> Doc | None:
    stage = stages.build("nltk.clean.v1", options, "test")
    return stage(Doc(id="t", text=text))


def tokens(text: str, **options) -> list[str]:
    doc = clean(text, **options)
    assert doc is not None
    return doc.tokens


# -- defaults and tokenizers -----------------------------------------------

def test_nltk_clean_defaults_equal_word_tokenize_lowercased():
    text = 'Mr. Smith paid $3.50 for it. "Can\'t you see?" she asked -- twice.'
    expected = [t.lower() for t in nltk.word_tokenize(text)]
    assert tokens(text) == expected


def test_nltk_clean_keeps_text_and_sets_tokens_only():
    doc = clean("One two. Three.")
    assert doc.text == "One two. Three."
    assert doc.sentences is None


@pytest.mark.parametrize(
    "tokenizer, options, text, expected",
    [
        ("treebank", {}, "I can't go.", ["i", "ca", "n't", "go", "."]),
        ("regexp", {"pattern": r"[a-z]+"}, "abc, DEF 12 x-y", ["abc", "x", "y"]),  # tokenised before lower-casing
        ("regexp", {}, "don't stop!!", ["don", "'", "t", "stop", "!!"]),
        ("toktok", {}, "Hello, world. ¡Hola!", ["hello", ",", "world.", "¡", "hola", "!"]),
        ("tweet", {}, "@bob loves #nlp :-) http://t.co", ["@bob", "loves", "#nlp", ":-)", "http://t.co"]),
    ],
)
def test_nltk_clean_tokenizer_option(tokenizer, options, text, expected):
    assert tokens(text, tokenizer=tokenizer, split_sentences=False, **options) == expected


def test_nltk_clean_pattern_without_regexp_tokenizer_is_a_config_error():
    with pytest.raises(ConfigError, match="pattern is only used by the regexp tokenizer"):
        stages.build("nltk.clean.v1", {"pattern": r"\w+"}, "test")


def test_nltk_clean_invalid_pattern_is_refused_at_load(write_pipeline):
    path = write_pipeline("stages:\n  - stage: nltk.clean.v1\n    tokenizer: regexp\n    pattern: '(unclosed'\n")
    with pytest.raises(ConfigError) as err:
        load_pipeline(path)
    assert "stages[0].pattern" in str(err.value) and "not a valid regular expression" in str(err.value)


# -- normalisation, HTML, placeholders --------------------------------------

@pytest.mark.parametrize(
    "form, text, expected",
    [
        ("NFC", "cafe\u0301", ["café"]),
        ("NFKC", "\ufb01ne", ["fine"]),
        ("none", "\ufb01ne", ["\ufb01ne"]),
        ("NFD", "café", ["cafe\u0301"]),
    ],
)
def test_nltk_clean_unicode_form(form, text, expected):
    assert tokens(text, unicode_form=form, split_sentences=False) == expected


@pytest.mark.parametrize("lowercase, expected", [(True, ["the", "cat", "sat"]), (False, ["The", "Cat", "sat"])])
def test_nltk_clean_lowercase(lowercase, expected):
    assert tokens("The Cat sat", lowercase=lowercase) == expected


def test_nltk_clean_strip_html_drops_tags_scripts_and_decodes_entities():
    html = "<html><head><style>p {color: red}</style></head><body><p>Fish &amp; chips</p><script>var x = 1;</script><p>are <b>good</b></p></body></html>"
    assert tokens(html, strip_html=True) == ["fish", "&", "chips", "are", "good"]
    assert "style" in tokens(html, strip_html=False) or "<" in tokens(html, strip_html=False)


TEXT_WITH_THINGS = "Write to ann.lee@example.org or see https://example.org/a?b=1. It costs 3.50 or 1,000 now."


@pytest.mark.parametrize(
    "option, placeholder, removed",
    [
        ("replace_urls", "<url>", "https"),
        ("replace_emails", "<email>", "ann.lee"),
        ("replace_numbers", "<num>", "3.50"),
    ],
)
def test_nltk_clean_placeholders_each_on_and_off(option, placeholder, removed):
    on = tokens(TEXT_WITH_THINGS, **{option: True})
    off = tokens(TEXT_WITH_THINGS, **{option: False})
    assert placeholder in on and not any(removed in t for t in on)
    assert placeholder not in off and any(removed in t for t in off)


def test_nltk_clean_placeholders_all_together_survive_filters():
    out = tokens(TEXT_WITH_THINGS, replace_urls=True, replace_emails=True, replace_numbers=True,
                 keep_punctuation=False, stopwords=True, stemmer="porter", max_token_length=4)
    assert out == ["<email>", "see", "<url>", "cost", "<num>", "<num>", "now"]


# -- punctuation, stop words, filters ---------------------------------------

@pytest.mark.parametrize(
    "keep, expected",
    [(True, ["wait", "--", "what", "?", "``", "yes", "''", "."]), (False, ["wait", "what", "yes"])],
)
def test_nltk_clean_keep_punctuation(keep, expected):
    assert tokens('Wait -- what? "Yes".', keep_punctuation=keep) == expected


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("english", "This is the house that Jack built.", ["house", "jack", "built"]),
        ("en", "This is the house that Jack built.", ["house", "jack", "built"]),
        ("german", "Das ist das Haus, das Jack gebaut hat.", ["haus", "jack", "gebaut"]),
        ("de", "Das ist das Haus, das Jack gebaut hat.", ["haus", "jack", "gebaut"]),
        ("spanish", "Esta es la casa que construyó Juan.", ["casa", "construyó", "juan"]),
        ("es", "Esta es la casa que construyó Juan.", ["casa", "construyó", "juan"]),
    ],
)
def test_nltk_clean_stopwords_by_language(language, text, expected):
    assert tokens(text, language=language, stopwords=True, keep_punctuation=False) == expected


def test_nltk_clean_stopwords_file_and_extra_words(tmp_path):
    path = tmp_path / "stop.txt"
    path.write_text("# my list\nhouse\nJACK  # upper case is fine\n\n", encoding="utf-8")
    out = tokens("This is the house that Jack built.", stopwords_file=str(path), extra_stopwords=["Built"])
    assert out == ["this", "is", "the", "that", "."]


def test_nltk_clean_missing_stopwords_file_is_a_config_error_naming_it(write_pipeline, tmp_path, capsys):
    missing = tmp_path / "nope.txt"
    path = write_pipeline(f"stages:\n  - stage: nltk.clean.v1\n    stopwords_file: {missing}\n")
    with pytest.raises(ConfigError) as err:
        load_pipeline(path)
    assert "stages[0].stopwords_file" in str(err.value) and "does not exist" in str(err.value)
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(path)])
    assert exit_info.value.code == 2
    assert "nope.txt" in capsys.readouterr().err


def test_nltk_clean_stopwords_file_missing_when_built_directly(tmp_path):
    from illm_nlp.stages.nltk_clean import nltk_clean

    with pytest.raises(ConfigError, match="stop-word file .* does not exist"):
        nltk_clean(stopwords_file=str(tmp_path / "gone.txt"))


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"min_token_length": 3}, ["the", "cat", "sat", "the", "mat"]),
        ({"max_token_length": 2}, ["on", "a", "."]),
        ({"min_token_length": 2, "max_token_length": 3}, ["the", "cat", "sat", "on", "the", "mat"]),
    ],
)
def test_nltk_clean_token_length_filters(options, expected):
    assert tokens("The cat sat on a the mat.", **options) == expected


def test_nltk_clean_max_below_min_is_a_config_error():
    with pytest.raises(ConfigError, match="max_token_length"):
        stages.build("nltk.clean.v1", {"min_token_length": 4, "max_token_length": 2}, "test")


def test_nltk_clean_min_tokens_drops_short_documents():
    assert clean("Yes.", min_tokens=3) is None
    assert clean("Yes, it is.", min_tokens=3).tokens == ["yes", ",", "it", "is", "."]


# -- stemming and lemmatising -------------------------------------------------

@pytest.mark.parametrize(
    "stemmer, language, text, expected",
    [
        ("porter", "english", "running generously ponies", ["run", "gener", "poni"]),
        ("lancaster", "english", "running maximum", ["run", "maxim"]),
        ("snowball", "english", "running generously", ["run", "generous"]),
        ("snowball", "german", "Häuser laufenden", ["haus", "laufend"]),
        ("snowball", "spanish", "corriendo casas", ["corr", "cas"]),
        ("none", "english", "running", ["running"]),
    ],
)
def test_nltk_clean_stemmers(stemmer, language, text, expected):
    assert tokens(text, stemmer=stemmer, language=language, split_sentences=False) == expected


def test_nltk_clean_snowball_without_the_language_is_a_config_error():
    with pytest.raises(ConfigError, match="Snowball stemmer has no model for language 'polish'"):
        stages.build("nltk.clean.v1", {"stemmer": "snowball", "language": "pl"}, "test")


@pytest.mark.parametrize(
    "pos, expected",
    [
        (False, ["the", "goose", "were", "running", "and", "the", "better", "mouse", "won", "."]),
        (True, ["the", "goose", "be", "run", "and", "the", "good", "mouse", "win", "."]),
    ],
)
def test_nltk_clean_lemmatize_with_and_without_pos(pos, expected):
    out = tokens("The geese were running and the better mice won.", lemmatize=True, lemmatize_pos=pos)
    assert out == expected


def test_nltk_clean_lemmatize_declares_its_resources():
    plain = stages.build("nltk.clean.v1", {"lemmatize": True}, "test")
    tagged = stages.build("nltk.clean.v1", {"lemmatize": True, "lemmatize_pos": True, "stopwords": True}, "test")
    assert plain.resources == ("punkt_tab/english", "wordnet")
    assert tagged.resources == ("punkt_tab/english", "stopwords/english", "wordnet", "averaged_perceptron_tagger_eng")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"lemmatize": True, "language": "german"}, "WordNet lemmatising is English only"),
        ({"lemmatize": True, "lemmatize_pos": True, "language": "es"}, "perceptron tagger.*English only"),
        ({"lemmatize_pos": True}, "only applies with lemmatize: true"),
        ({"lemmatize": True, "stemmer": "porter"}, "choose one"),
        ({"language": "hindi"}, "Punkt sentence splitting has no model for language 'hindi'"),
        ({"output_sentences": True, "split_sentences": False}, "needs split_sentences: true"),
    ],
)
def test_nltk_clean_impossible_combinations_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        stages.build("nltk.clean.v1", options, "test")


# -- languages and sentences --------------------------------------------------

@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("english", "Dr. Smith arrived at 5 p.m. on Jan. 3. He was tired.",
         [["dr.", "smith", "arrived", "at", "5", "p.m.", "on", "jan.", "3", "."], ["he", "was", "tired", "."]]),
        ("german", "Dr. Müller kam am 3. Mai an. Er war z.B. sehr müde.",
         [["dr.", "müller", "kam", "am", "3.", "mai", "an", "."], ["er", "war", "z.b.", "sehr", "müde", "."]]),
        ("spanish", "¿Dónde está el Sr. García? No lo sé. Vive en la calle Mayor.",
         [["¿dónde", "está", "el", "sr.", "garcía", "?"], ["no", "lo", "sé", "."], ["vive", "en", "la", "calle", "mayor", "."]]),
    ],
)
def test_nltk_clean_sentences_by_language(language, text, expected):
    doc = clean(text, language=language, output_sentences=True)
    assert doc.sentences == expected
    assert doc.tokens == [t for s in expected for t in s]


def test_nltk_clean_empty_sentences_are_left_out():
    doc = clean("Yes! ... The end.", keep_punctuation=False, output_sentences=True)
    assert doc.sentences == [["yes"], ["the", "end"]]


@pytest.mark.parametrize("value, resolved", [("en", "english"), ("DE", "german"), ("es-MX", "spanish"), ("German", "german")])
def test_nltk_clean_language_names_and_iso_codes(value, resolved):
    stage = stages.build("nltk.clean.v1", {"language": value, "stopwords": True}, "test")
    assert stage.resources == (f"punkt_tab/{resolved}", f"stopwords/{resolved}")


def test_nltk_clean_unknown_language_lists_the_available_ones(write_pipeline, capsys):
    path = write_pipeline("stages:\n  - stage: nltk.clean.v1\n    language: germn\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "stages[0].language" in err and "germn" in err
    assert "did you mean 'german'" in err.lower() and "spanish" in err


# -- the composable stages ----------------------------------------------------

def test_nltk_tokenize_keeps_raw_tokens_per_sentence():
    stage = stages.build("nltk.tokenize.v1", {"output_sentences": True}, "test")
    doc = stage(Doc(id="1", text="Hello, World. Bye!"))
    assert doc.sentences == [["Hello", ",", "World", "."], ["Bye", "!"]]
    assert doc.tokens == ["Hello", ",", "World", ".", "Bye", "!"]


def test_text_normalize_rewrites_the_text():
    stage = stages.build("text.normalize.v1", {"strip_html": True, "replace_urls": True, "lowercase": True,
                                               "unicode_form": "NFKC"}, "test")
    doc = stage(Doc(id="1", text="<p>See\ufb01le at <a href='x'>HTTP://X.ORG/Y</a>.</p>"))
    assert doc.text.split() == ["seefile", "at", "<url>", "."]


# -- the fast tokenizer copies give NLTK's output -------------------------------

TRICKY = [
    "He said, \"I cannot gimme 'tis -- what?\" and left...",
    "Prices: $3.50, 1,000; 3,36 euros [approx.] {maybe} <tag> (sic) @home #1 50% & co. * end.",
    "“Curly,” she said, ‘quotes’ «guillemets» — em – en. D'ye wanna gonna gotta lemme more'n 'twas?",
    "U.S.A. vs. Mr. Brown's dog's bone! Really?! Yes... no.",
    "Don't won't they'll we're I'd it's 'quoted' ''double'' ``ticks``.",
]


@pytest.mark.parametrize("text", TRICKY)
def test_nltk_fast_treebank_matches_nltk(text):
    from nltk.tokenize.destructive import NLTKWordTokenizer

    from illm_nlp.stages.nltk_fast import FastTreebankTokenizer

    assert FastTreebankTokenizer().tokenize(text) == NLTKWordTokenizer().tokenize(text)


@pytest.mark.parametrize("language", ["english", "german", "spanish"])
def test_nltk_fast_punkt_is_used_and_matches_nltk(language):
    from nltk.tokenize.punkt import PunktTokenizer

    from illm_nlp.stages.nltk_fast import punkt_tokenizer

    fast = punkt_tokenizer(language)
    assert type(fast._lang_vars).__name__ == "StdlibLanguageVars"
    text = " ".join(TRICKY)
    assert fast.tokenize(text) == PunktTokenizer(language).tokenize(text)


def test_nltk_fast_copies_match_nltk_on_austen(shared_data):
    from nltk.tokenize import sent_tokenize

    from illm_nlp.stages.nltk_fast import FastTreebankTokenizer, punkt_tokenizer

    text = (shared_data / "documents" / "austen" / "persuasion.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p.strip()][:400]
    punkt, tb = punkt_tokenizer("english"), FastTreebankTokenizer()
    for para in paragraphs:
        assert punkt.tokenize(para) == sent_tokenize(para)
        for sent in sent_tokenize(para):
            assert tb.tokenize(sent) == nltk.word_tokenize(sent, preserve_line=True)


def test_nltk_clean_memo_stays_bounded():
    from illm_nlp.stages.token_filters import TokenProcessor

    proc = TokenProcessor(memo_limit=10)
    out = proc([f"W{i}" for i in range(35)])
    assert out == [f"w{i}" for i in range(35)]
    assert len(proc._plain) <= 10


# -- resources: checked before the first document ----------------------------

def _pipeline_file(write_pipeline, tmp_path, options: str) -> Path:
    data = tmp_path / "docs.txt"
    data.write_text("First document here.\nSecond one, with words.\nYes.\n", encoding="utf-8")
    return write_pipeline(
        f"corpus:\n  reader: test.nltk-lines.v1\n  path: {data}\n"
        f"stages:\n  - stage: nltk.clean.v1\n{options}"
        f"output:\n  path: {tmp_path / 'out.jsonl'}\n"
    )


def test_nltk_clean_builds_without_data_and_check_names_the_resource(monkeypatch, tmp_path):
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "empty")])
    stage = stages.build("nltk.clean.v1", {"stopwords": True, "lemmatize": True}, "test")  # no LookupError here
    assert "wordnet" in stage.resources
    from illm_nlp import resources

    with pytest.raises(MissingResourceError) as err:
        resources.check(stage.resources)
    assert "punkt_tab/english" in str(err.value) and "illm data download punkt_tab stopwords wordnet" in str(err.value)


def test_nltk_clean_missing_resource_fails_before_reading(monkeypatch, tmp_path, write_pipeline, capsys):
    path = _pipeline_file(write_pipeline, tmp_path, "    stopwords: true\n")
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "empty")])
    READS.clear()
    with pytest.raises(MissingResourceError) as err:
        load_pipeline(path).write(progress=False)
    assert READS == []
    assert "stopwords/english" in str(err.value) and "illm data download" in str(err.value)
    assert not (tmp_path / "out.jsonl").exists()

    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(path), "--workers", "1", "--no-progress"])
    assert exit_info.value.code == 1
    err_text = capsys.readouterr().err
    assert "punkt_tab/english" in err_text and "illm data download punkt_tab stopwords" in err_text
    assert READS == []


def test_nltk_clean_through_pipeline_write_counts_dropped(tmp_path, write_pipeline):
    path = _pipeline_file(write_pipeline, tmp_path, "    keep_punctuation: false\n    min_tokens: 2\n")
    summary = load_pipeline(path).write(workers=1, progress=False)
    assert (summary.read, summary.written, summary.dropped) == (3, 2, 1)
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["tokens"] for r in rows] == [["first", "document", "here"], ["second", "one", "with", "words"]]


def test_nltk_clean_two_workers_give_the_same_output(tmp_path, write_pipeline):
    path = _pipeline_file(write_pipeline, tmp_path, "    lemmatize: true\n")
    pipe = load_pipeline(path)
    one = [d.tokens for d in pipe.run()]
    pipe.write(workers=2, progress=False)
    two = [json.loads(line)["tokens"] for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert one == two and len(two) == 3


def test_nltk_clean_python_api_one_text(write_pipeline):
    path = write_pipeline("stages:\n  - stage: nltk.clean.v1\n    stopwords: true\n    keep_punctuation: false\n")
    pipe = load_pipeline(path)
    assert pipe("The geese are in the garden.").tokens == ["geese", "garden"]
    assert [d.tokens for d in pipe.run(["One.", "Two words."])] == [["one"], ["two", "words"]]


def test_nltk_fast_required_chars_are_necessary_for_a_match():
    """Whenever an NLTK treebank pattern matches a string, the string holds one of its required characters."""
    import random

    from nltk.tokenize.destructive import NLTKWordTokenizer

    from illm_nlp.stages.nltk_fast import required_chars, stdlib_pattern

    t = NLTKWordTokenizer
    patterns = [stdlib_pattern(r) for r, _ in (*t.STARTING_QUOTES, *t.PUNCTUATION, *t.ENDING_QUOTES,
                                               t.PARENS_BRACKETS, t.DOUBLE_DASHES)]
    alphabet = "aAnNtTsSlL .,:;'\"`?!-()[]{}<>*#$%&@«»“”‘’„\u2013\u2014 1"
    rng = random.Random(7)
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    guarded = 0
    for rx in patterns:
        needs = required_chars(rx)
        if needs is None:
            continue
        guarded += 1
        for text in samples:
            if rx.search(text):
                assert any(ch in text for ch in needs), (rx.pattern, text, needs)
    assert guarded >= 15


@pytest.mark.parametrize(
    "kind, text, expected",
    [
        ("num", "In 1811, 3.50 or 1,000,000.", "In <num>, <num> or <num>."),
        ("num", "the 2nd mp3 at v1.2 costs 3.50abc", "the 2nd mp3 at v1.2 costs 3.50abc"),
        ("url", "See http://x.org/a?b=1. Or www.y.com, then (https://z.io/p).", "See <url>. Or <url>, then (<url>)."),
        ("email", "Mail ann.lee+news@mail.example.co.uk. Not @handle or a@b.", "Mail <email>. Not @handle or a@b."),
    ],
)
def test_text_normalize_placeholders(kind, text, expected):
    option = {"num": "replace_numbers", "url": "replace_urls", "email": "replace_emails"}[kind]
    stage = stages.build("text.normalize.v1", {option: True}, "test")
    out = stage(Doc(id="1", text=text)).text
    assert " ".join(out.split()).replace(" .", ".").replace(" ,", ",").replace("( ", "(").replace(" )", ")") == expected


@pytest.mark.slow
def test_nltk_clean_lemma_only_wordnet_reader_matches_wordnet_lemmatizer(shared_data):
    """The faster-loading reader gives WordNetLemmatizer's lemmas (loads NLTK's own WordNet too: slow)."""
    import re

    from nltk.stem import WordNetLemmatizer

    from illm_nlp.stages.token_filters import _lemmatizer

    text = (shared_data / "documents" / "austen" / "persuasion.txt").read_text(encoding="utf-8").lower()
    words = sorted(set(re.findall(r"[a-z'-]+", text)))
    ours, nltk_lemmatize = _lemmatizer(), WordNetLemmatizer().lemmatize
    for pos in "nvar":
        assert [ours(w, pos) for w in words] == [nltk_lemmatize(w, pos) for w in words]


# -- the local engine loads models once, before forking ------------------------

_WARMED_IN: list[int] = []


class _WarmProbe:
    """Records which process warmed it; documents say whether their worker inherited that."""

    registered_name = "test.warm-probe.v1"
    resources: tuple[str, ...] = ()

    def warm_up(self) -> None:
        if not _WARMED_IN:
            import os

            _WARMED_IN.append(os.getpid())

    def __call__(self, doc: Doc) -> Doc:
        import os

        self.warm_up()
        doc.meta = {"warmed_in": _WARMED_IN[0], "ran_in": os.getpid()}
        return doc


def _warm_probe() -> _WarmProbe:
    """Record where models were loaded (test only)."""
    return _WarmProbe()


if "test.warm-probe.v1" not in stages:
    stages.register("test.warm-probe.v1")(_warm_probe)


def test_local_engine_warm_up_runs_in_the_parent_before_forking(tmp_path, write_pipeline):
    import os

    data = tmp_path / "docs.txt"
    data.write_text("\n".join(f"document {i}" for i in range(300)), encoding="utf-8")
    path = write_pipeline(f"corpus:\n  reader: test.nltk-lines.v1\n  path: {data}\nstages:\n  - stage: test.warm-probe.v1\n"
                          f"output:\n  path: {tmp_path / 'out.jsonl'}\n")
    _WARMED_IN.clear()
    load_pipeline(path).write(workers=2, progress=False)
    metas = [json.loads(line)["meta"] for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(metas) == 300
    assert {m["warmed_in"] for m in metas} == {os.getpid()}  # loaded here, inherited by the workers
    assert os.getpid() not in {m["ran_in"] for m in metas}  # while the work ran in the workers


def test_nltk_fast_falls_back_to_nltk_when_its_copy_disagrees(monkeypatch, caplog):
    from nltk.tokenize.destructive import NLTKWordTokenizer

    from illm_nlp.stages import nltk_fast

    monkeypatch.setattr(nltk_fast.FastTreebankTokenizer, "tokenize", lambda self, text: text.split())
    with caplog.at_level("WARNING", logger="illm_nlp.stages.nltk_fast"):
        chosen = nltk_fast.treebank_tokenizer.__wrapped__()
    assert isinstance(chosen, NLTKWordTokenizer)
    assert "disagrees with NLTK" in caplog.text


def test_nltk_fast_refuses_regex_only_patterns():
    import regex

    from illm_nlp.stages.nltk_fast import FallbackNeeded, stdlib_pattern

    assert stdlib_pattern(regex.compile(r"(?i)ab\b")).pattern == r"(?i)ab\b"
    with pytest.raises(FallbackNeeded):
        stdlib_pattern(regex.compile(r"\p{L}+", regex.V1))
