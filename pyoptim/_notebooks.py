"""Execute a notebook headless in a fresh kernel: the one runner the tests and the docs build share.

The kernel talks over Unix-domain sockets in a private temporary directory (``transport="ipc"``)
rather than TCP ports on 127.0.0.1. jupyter_client picks a TCP port by binding, closing and handing
the number to the kernel, so two kernels starting at once (two test processes, the docs build's two
workers, a lecturer's own Jupyter) can be handed the same port: the kernel then dies with
``ZMQError: Address already in use`` and the client waits out its startup timeout. Socket files in
a directory of their own cannot collide.

Needs the optional ``nbclient`` and ``ipykernel`` (extras ``test``, ``notebooks``, ``docs``).
"""
from __future__ import annotations

import os
import shutil
import tempfile

__all__ = ["execute"]


def execute(nb, cwd: str, *, timeout: int = 120, startup_timeout: int = 180, kernel_name: str = "python3"):
    """Run every cell of ``nb`` (an ``nbformat`` notebook, filled in place) with ``cwd`` as the kernel's
    working directory; raises ``nbclient.exceptions.CellExecutionError`` on any error or failed assert."""
    import nbclient
    from traitlets.config import Config

    sockets = tempfile.mkdtemp(prefix="pyoptim-kernel-")
    try:
        config = Config()
        config.KernelManager.transport = "ipc"          # nbclient creates (and so shuts down) the manager
        config.KernelManager.ip = os.path.join(sockets, "k")
        client = nbclient.NotebookClient(nb, kernel_name=kernel_name, config=config, timeout=timeout,
                                         startup_timeout=startup_timeout, shutdown_kernel="immediate",
                                         resources={"metadata": {"path": cwd}})
        client.execute()
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return nb
