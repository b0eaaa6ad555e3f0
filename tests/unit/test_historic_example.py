"""The example of historic certificates that ships in devtools/: what its generator writes, and valid."""

from __future__ import annotations

import io

from devtools import import_history, make_history


def test_the_committed_example_is_what_the_generator_writes(tmp_path):
    make_history.write(tmp_path, 300)

    written = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*") if path.is_file())
    committed = sorted(
        path.relative_to(make_history.EXAMPLE)
        for path in make_history.EXAMPLE.rglob("*")
        if path.is_file() and path.name != "README.md"
    )
    assert written == committed
    assert all((tmp_path / name).read_bytes() == (make_history.EXAMPLE / name).read_bytes() for name in written)


def test_every_row_of_the_example_is_valid():
    out = io.StringIO()
    summary = import_history.run(make_history.EXAMPLE, dry_run=True, out=out)

    assert (summary.rows, summary.refused, summary.problems) == (300, 0, 0), out.getvalue()
    assert "300 por importar" in out.getvalue()
