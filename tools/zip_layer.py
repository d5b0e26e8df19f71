"""Zip a Lambda layer folder reproducibly: the same files give the same bytes, whoever builds them and when.

Entries sorted by path, every timestamp 1980-01-01 (the zip epoch), permissions normalised (0644, 0755 for
executables), no directory entries, no extra fields; ``__pycache__`` and ``*.pyc`` left out.

    python tools/zip_layer.py <folder> <out.zip>     (prints the zip's sha256)
"""

from __future__ import annotations

import hashlib
import os
import sys
import zipfile
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)


def files(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or path.suffix == ".pyc" or not path.is_file():
            continue
        found.append(rel)
    return sorted(found, key=lambda p: p.as_posix())


def write(root: Path, out: Path) -> str:
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for rel in files(root):
            info = zipfile.ZipInfo(rel.as_posix(), date_time=EPOCH)
            mode = 0o755 if os.access(root / rel, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the building machine
            zf.writestr(info, (root / rel).read_bytes(), compresslevel=9)
    tmp.replace(out)
    return hashlib.sha256(out.read_bytes()).hexdigest()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(write(Path(sys.argv[1]), Path(sys.argv[2])))
