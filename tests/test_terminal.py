"""What a person sees: progress, summary, `check`, `show`, `schema`, help; under a terminal and off one."""

from __future__ import annotations

import io
import json
import os
import sys

import orjson
import pexpect
import pytest
from rich.console import Console

from helpers import TESTS, invoke, newsclean
from newsclean import json_schema, parse_bytes
from newsclean.cli.show import article_view
from newsclean.run.show import Shown
from newsclean.run.work import Settings, outcomes_of

GOLDEN = TESTS / "golden"
HOSTILE = (
    b"Evil [bold red]markup[/bold red] \x1b[2J\x1b]0;pwned\x07 headline\n\n"
    b"Evil [bold red]markup[/bold red] \x1b[2J\x1b]0;pwned\x07 headline\nTue Oct 25, 2016 21:36:02\n\n"
    b"Body with [link=http://x]a link[/link] and \x1b[31mred\x1b[0m.\n\n\n"
)


def hostile_record() -> dict:
    content = (
        b'[{"id":"1","sort":"2","contenttypeid":"21","pic":"/a.jpg","title":"[blink]t\x1b[5m"}]'
    )
    [record] = parse_bytes(HOSTILE + b'string(%d) "' % len(content) + content + b'"')
    return record


def test_show_renders_untrusted_text_literally():
    console = Console(record=True, width=100, force_terminal=True, color_system="truecolor")
    console.print(article_view(Shown(hostile_record(), 0, 1, "hostile.txt")))
    text = console.export_text()
    assert "Evil [bold red]markup[/bold red]" in text
    assert "[link=http://x]a link[/link]" in text
    assert "\\x1b[2J" in text and "\\x07" in text  # escaped, visible
    assert "[blink]t\\x1b[5m" in text
    styled = console.export_text(styles=True)
    assert "\x1b[2J" not in styled and "\x07" not in styled and "\x1b]0;" not in styled
    assert "\x1b[31mred" not in styled and "\x1b[5m" not in styled


def test_show_lists_every_part_of_an_article():
    console = Console(record=True, width=100)
    [record] = parse_bytes((GOLDEN / "truncated.txt").read_bytes(), "truncated.txt")
    console.print(article_view(Shown(record, 0, 1, "truncated.txt")))
    text = console.export_text()
    lines = text.splitlines()
    assert lines[0] == "Ivanovic seals Canberra victory"
    assert "Fri Jul 01, 2005 19:16:38  published 2005-07-01T19:16:38" in text
    assert "1328352 │ video │ VIDEO: England's defensive crisis grows" in text
    assert "payload: string, declared 315, found 289: LENGTH CHECK FAILED" in text
    assert "warning: payload_truncated" in text and "warning: related_recovered" in text


def test_show_command_off_a_terminal_is_plain_text():
    result = newsclean("show", str(GOLDEN / "concat.txt"), "--index", "1")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert out.startswith("Mansfield 0-1 Leyton Orient\n")
    assert "payload: none" in out and "warning: payload_missing" in out
    assert "\x1b" not in out


def test_show_json_is_the_record():
    shown = orjson.loads(
        newsclean("show", str(GOLDEN / "concat.txt"), "--index", "-1", "--json").stdout
    )
    parsed = newsclean("parse", "-q", str(GOLDEN / "concat.txt")).stdout.splitlines()
    assert shown == orjson.loads(parsed[-1])


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ["--index", "5", str(GOLDEN / "clean.txt")],
            2,
            "holds 1 article(s), --index 0 to 0: no --index 5",
        ),
        ([str(GOLDEN / "binary.txt")], 1, "binary.txt: not_text:"),
        (["/no/such/file"], 1, "/no/such/file: not_found:"),
    ],
)
def test_show_failures_are_one_line(args, status, message):
    result = newsclean("show", *args)
    assert result.returncode == status
    assert result.stdout == b""
    [line] = result.stderr.decode().splitlines()
    assert message in line


def test_check_reports_codes_with_examples_as_json(tmp_path):
    for name in ("clean.txt", "truncated.txt", "latin1.txt", "empty.txt", "binary.txt"):
        (tmp_path / name).write_bytes((GOLDEN / name).read_bytes())
    result = newsclean("check", str(tmp_path), "--json")
    assert result.returncode == 1
    assert result.stderr == b""
    report = json.loads(result.stdout)
    assert (report["inputs"], report["records"], report["records_with_warnings"]) == (5, 3, 2)
    assert report["rejected"] == {
        "empty": {"count": 1, "examples": [f"{tmp_path}/empty.txt"]},
        "not_text": {"count": 1, "examples": [f"{tmp_path}/binary.txt"]},
    }
    assert report["warnings"]["not_utf8"] == {"count": 1, "examples": [f"{tmp_path}/latin1.txt#0"]}
    assert report["warnings"]["payload_truncated"]["count"] == 1


def test_check_exit_status_follows_parse():
    clean = str(GOLDEN / "clean.txt")
    assert newsclean("check", clean).returncode == 0
    assert newsclean("check", str(GOLDEN / "truncated.txt")).returncode == 0
    assert newsclean("check", "--strict", str(GOLDEN / "truncated.txt")).returncode == 1


def test_check_table_off_a_terminal_is_plain():
    result = newsclean("check", str(GOLDEN / "truncated.txt"), str(GOLDEN / "empty.txt"))
    out = result.stdout.decode()
    assert "2 inputs, 1 record, 1 with warnings" in out
    assert "payload_truncated" in out and "empty" in out
    assert "\x1b" not in out


def test_schema_command_prints_the_published_schema():
    result = newsclean("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema == json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/record/v2.0.json")
    assert schema["additionalProperties"] is False
    assert "payload_truncated" in schema["properties"]["warnings"]["items"]["enum"]


def test_the_version_is_the_installed_one():
    from importlib.metadata import version

    assert newsclean("--version").stdout.decode() == f"newsclean {version('newsclean')}\n"


@pytest.mark.parametrize(
    "command",
    [["parse"], ["check"], ["show"], ["schema"], ["state", "show"], ["state", "prune"],
     ["batch", "run"], ["batch", "status"]],
    ids=" ".join,
)  # fmt: skip
def test_every_command_help_has_an_example_of_itself(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    lines = [line.strip() for line in result.output.splitlines()]
    first = next(i for i, line in enumerate(lines) if line.startswith("Example"))
    examples = [line.partition("Example: ")[2] or line for line in lines[first:]]
    own = " ".join(["newsclean", *command]).replace("batch run", "batch")
    assert any(line.startswith(own + " ") for line in examples), result.output


def _spawn(*args: str, columns: int = 100) -> pexpect.spawn:
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    return pexpect.spawn(
        sys.executable, ["-m", "newsclean", *args], env=env, timeout=60, dimensions=(40, columns)
    )


def test_parse_at_a_terminal_shows_a_bar_and_a_summary_table(tmp_path):
    out = tmp_path / "out.jsonl"
    child = _spawn(
        "parse", str(GOLDEN), str(TESTS / "corpus_sample" / "dump"), "-o", str(out), columns=150
    )
    child.expect(pexpect.EOF)
    child.close()
    screen = child.before.decode()
    assert child.exitstatus == 1  # the golden folder holds rejected inputs
    assert "parsing" in screen and "files/s" in screen and "MB/s" in screen
    # The bar and the table count in the same words, with thousands separators.
    records = sum(1 for _ in out.read_bytes().splitlines())
    bar, _, table = screen.rpartition("newsclean parse")  # the table's title comes last
    assert f"{records:,} records (" in bar and " with warnings), " in bar
    assert "inputs rejected" in bar and "inputs rejected" in table
    assert "newsclean parse" in screen and "records with warnings" in screen
    assert "rejected: not_a_dump" in screen and "warning: payload_truncated" in screen
    assert "\x1b[" in screen  # decorated: this is a terminal
    golden_records = sum(  # a tar's members are read as files (`outcomes_of`)
        outcome.records
        for case in GOLDEN.iterdir()
        for outcome in outcomes_of(case.name, case.read_bytes(), Settings())
    )
    sample = TESTS / "corpus_sample" / "dump"
    sample_records = sum(len(parse_bytes(dump.read_bytes())) for dump in sample.iterdir())
    assert len(out.read_bytes().splitlines()) == golden_records + sample_records


def test_on_a_narrow_terminal_done_of_total_and_time_left_go_last(tmp_path):
    sample = TESTS / "corpus_sample" / "dump"
    total = len(list(sample.iterdir()))
    for columns, shown, gone in ((40, [], ["parsing", "files/s", "records ("]),
                                 (70, ["parsing", "━"], ["files/s", "records ("])):  # fmt: skip
        child = _spawn("parse", str(sample), "-o", os.devnull, columns=columns)
        child.expect(pexpect.EOF)
        child.close()
        bar = child.before.decode().rpartition("newsclean parse")[0]
        assert f"{total}/{total}" in bar and "0:00:00" in bar, bar
        assert all(word in bar for word in shown) and not any(word in bar for word in gone)


def test_parse_quiet_at_a_terminal_shows_only_rejections():
    child = _spawn(
        "parse", "-q", str(GOLDEN / "clean.txt"), str(GOLDEN / "empty.txt"), "-o", os.devnull
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.before.decode().strip().endswith("empty.txt: empty: the input is empty")


def test_show_at_a_terminal_is_styled_and_safe(tmp_path):
    """A hostile dump at a real terminal: styled by us, its own escape sequences made visible."""
    path = tmp_path / "hostile.txt"
    path.write_bytes(HOSTILE + b"NULL\n")
    child = _spawn("show", str(path))
    child.expect(pexpect.EOF)
    screen = child.before.decode()
    assert "\x1b[1m" in screen  # the headline in bold: decorated, this is a terminal
    assert "[bold red]markup[/bold red]" in screen  # markup shown as written, never applied
    assert "\\x1b[2J" in screen and "\\x07" in screen  # the input's escapes, escaped
    assert "\x1b[2J" not in screen and "\x1b]0;" not in screen and "\x07" not in screen


def test_parse_off_a_terminal_has_no_escape_codes():
    result = newsclean("parse", str(GOLDEN), "--errors", os.devnull)
    assert b"\x1b" not in result.stderr
    for line in result.stdout.splitlines():
        assert orjson.loads(line)["source"]


def test_check_counts_standard_input_as_one_input():
    stream = (GOLDEN / "concat.txt").read_bytes() * 3
    report = json.loads(newsclean("check", "--json", "-", input=stream).stdout)
    assert (report["inputs"], report["records"]) == (1, 9)


def test_json_on_a_terminal_escapes_what_a_terminal_would_act_on(tmp_path):
    """U+202E, U+2066, U+009B and DEL from a dump reach a terminal as \\uXXXX (the same JSON
    value); off a terminal the JSON is as it is."""
    title = "evil\u202eoverride\u2066isolate\u009bcsi\x7fdel"
    item = f'{{"id":"1","sort":"2","contenttypeid":"21","pic":"/a.jpg","title":"{title}"}}'
    content = f"[{item}]".encode()
    path = tmp_path / "bidi.txt"
    path.write_bytes(HOSTILE + b'string(%d) "' % len(content) + content + b'"\n')
    child = _spawn("show", str(path), "--json")
    child.expect(pexpect.EOF)
    screen = child.before.decode()
    assert (
        "\\u202e" in screen and "\\u2066" in screen and "\\u009b" in screen and "\\u007f" in screen
    )
    assert "\u202e" not in screen and "\u2066" not in screen and "\u009b" not in screen
    piped = newsclean("show", str(path), "--json")
    assert json.loads(piped.stdout)["related"][0]["title"] == title  # off a terminal: raw


def test_counts_have_thousands_separators_in_the_same_words_everywhere():
    from collections import Counter

    from newsclean.cli.progress import summary_line
    from newsclean.run.outcome import Tally

    tally = Tally(inputs=12345, records=1234567, warned=2500, size=3_456_000_000,
                  rejected=Counter({"empty": 1200}))  # fmt: skip
    line = summary_line(tally)
    assert line.startswith("newsclean: 12,345 inputs, 1,234,567 records (2,500 with warnings), ")
    assert "1,200 inputs rejected (empty 1,200), 3,456.0 MB in " in line


def test_off_a_terminal_a_progress_line_comes_every_interval_of_the_clock():
    """`--log-every`: checked against an injected clock, so no test waits on real time."""
    from newsclean.cli.progress import Reporter
    from newsclean.core.record import Rejection
    from newsclean.run.outcome import Outcome, Tally

    now = [0.0]
    stderr = io.StringIO()
    reporter = Reporter(stderr, False, False, 0, log_every=10, log_json=True, clock=lambda: now[0])
    reporter.start(lambda: 3)
    tally = Tally()
    outcomes = [Outcome("a.txt", b"{}\n", records=1), Outcome("b.txt", b"{}\n", records=1),
                Outcome("c.txt", rejection=Rejection("c.txt", "empty", "the input is empty"))]  # fmt: skip
    for seconds, outcome in zip((4, 11, 12), outcomes, strict=True):
        now[0] = seconds
        tally.add(outcome)
        reporter.add(outcome, tally)
    reporter.finish(tally)
    events = [json.loads(line) for line in stderr.getvalue().splitlines()]
    assert [event["event"] for event in events] == ["progress", "rejected", "summary"]
    assert (events[0]["done"], events[0]["total"], events[0]["records"]) == (2, 3, 2)
    assert events[1]["code"] == "empty" and events[2]["rejected"] == {"empty": 1}


def test_log_format_json_writes_only_json_lines_on_stderr():
    result = newsclean("parse", str(GOLDEN / "empty.txt"), str(GOLDEN / "clean.txt"),
                       "--log-format", "json")  # fmt: skip
    assert result.returncode == 1
    events = [json.loads(line) for line in result.stderr.decode().splitlines()]
    assert [event["event"] for event in events] == ["rejected", "summary"]
    bad = newsclean("parse", str(GOLDEN / "clean.txt"), "--log-every", "-1")
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
