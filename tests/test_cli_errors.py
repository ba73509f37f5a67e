"""`youcam` error paths: bad options and unwritable outputs of the imaging commands, and
operating-system errors, each a single `error:` line with no traceback."""

from __future__ import annotations

import errno

import numpy as np
import pytest
from PIL import Image

from cli_helpers import one_line_error
from napari_youcam import cli
from napari_youcam.cli import service


def test_mask_bad_label_list_is_one_line(tmp_path, capsys):
    lab = np.zeros((20, 20), np.uint8)
    lab[5:10, 5:10] = 1
    Image.fromarray(lab).save(tmp_path / "lab.png")
    assert cli.main(["mask", str(tmp_path / "lab.png"), "-o", str(tmp_path / "m.png"), "--labels", "a,b"]) == 2
    assert "--labels" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("where", ["under_a_file", "a_folder"])
def test_unwritable_output_paths_are_one_line(tmp_path, photo, capsys, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = blocker / "x.png" if where == "under_a_file" else tmp_path
    lab = np.zeros((240, 320), np.uint8)
    lab[5:10, 5:10] = 1
    Image.fromarray(lab).save(tmp_path / "lab.png")
    for argv in (["mask", str(tmp_path / "lab.png"), "-o", str(out)], ["prepare", "sod", str(photo), "-o", str(out)]):
        assert cli.main(argv) == 2, argv
        assert str(out) in one_line_error(capsys.readouterr().err)


def test_cli_other_os_errors_are_one_line_not_a_traceback(monkeypatch, capsys):
    def boom(args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(service, "cmd_features", boom)
    assert cli.main(["features"]) == 1
    assert "No space left on device" in one_line_error(capsys.readouterr().err)
