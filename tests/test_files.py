"""The one atomic write (ae.files): whole files or none, for bytes and for writers alike."""
import pytest

from ae.files import remove_leftovers, write_atomically


def test_bytes_and_writers_land_whole(tmp_path):
    target = tmp_path / "sub" / "payload.bin"
    assert write_atomically(target, b"first") == target and target.read_bytes() == b"first"
    write_atomically(target, lambda f: f.write(b"second"))
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["payload.bin"]  # no temporary file left


def test_a_failing_writer_leaves_the_old_file_and_no_leftover(tmp_path):
    target = tmp_path / "payload.bin"
    write_atomically(target, b"good")

    def dies(f):
        f.write(b"half of it")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(target, dies)
    assert target.read_bytes() == b"good" and [p.name for p in tmp_path.iterdir()] == ["payload.bin"]


def test_leftovers_of_a_killed_writer_are_removed_and_only_those(tmp_path):
    target = tmp_path / "model[1].pt"
    (tmp_path / "model[1].pt.abc123.tmp").write_bytes(b"x")  # what a killed writer leaves
    (tmp_path / "other.pt.abc123.tmp").write_bytes(b"x")  # another file's
    assert [p.name for p in remove_leftovers(target)] == ["model[1].pt.abc123.tmp"]
    assert [p.name for p in tmp_path.iterdir()] == ["other.pt.abc123.tmp"]
