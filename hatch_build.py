"""Build hook: compile mlm_audit/_kernels.c into a shared library beside it.

The library holds row loops of the scans (mlm_audit/kernels.py loads it with ctypes). It is
optional: without a C compiler the build goes on, warns, and the package uses its NumPy
code, which gives the same results more slowly. An editable install builds the library in
the source tree; a wheel carries it and is tagged for this platform.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("mlm_audit") / "_kernels.c"
LIBRARY = Path("mlm_audit") / "_kernels.so"
FLAGS = ["-O2", "-std=c99", "-fPIC", "-shared"]


def compile_kernels(root: Path) -> str | None:
    """Compile the kernels in ``root``; the compiler's complaint when it cannot."""
    source, library = root / SOURCE, root / LIBRARY
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    tmp = library.with_suffix(".so.tmp")
    cmd = [*cc, *FLAGS, f'-DMLM_KERNELS_SOURCE="{digest}"', str(source), "-o", str(tmp)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as e:
        return f"{cc[0]}: {e}"
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        return (done.stderr or done.stdout).strip()[-2000:] or f"exit code {done.returncode}"
    os.replace(tmp, library)
    return None


class KernelsHook(BuildHookInterface):  # type: ignore[misc]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        failed = compile_kernels(root)
        if failed is not None:
            self.app.display_warning(
                f"mlm-audit: the C kernels did not compile; the package will use its NumPy "
                f"code (same results, slower): {failed}")
            return
        if version == "editable":  # the source tree is on the path: the library is there
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        build_data["force_include"][str(root / LIBRARY)] = str(LIBRARY)
