"""Who holds a lease, and when a holder counts as gone without waiting for its lease to run out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from bot.core.delivery import died, process_owner, this_machine


def a_dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(done.stdout)


def test_a_holder_on_this_machine_whose_process_is_gone_has_died():
    assert died(f"{this_machine()}:{a_dead_pid()}:0a1b2c3d")


def test_a_living_holder_this_process_or_one_elsewhere_has_not():
    parent = os.getppid()
    assert not died(f"{this_machine()}:{parent}:0a1b2c3d")  # alive
    assert not died(process_owner())  # this process: its own lease is not taken from it
    assert not died(f"another-machine:{a_dead_pid()}:0a1b2c3d")  # a PID elsewhere says nothing here
    assert not died(None) and not died("") and not died("garbage")


def test_a_holder_with_this_host_name_but_another_pid_namespace_is_not_judged_by_its_pid():
    """Containers on the host's network share its name, not its PIDs: a PID missing here proves nothing."""
    owner = process_owner()
    assert owner.startswith(f"{socket.gethostname()}") and owner.split(":")[1] == str(os.getpid())
    if "/" in this_machine():  # the system shows PID namespaces (Linux)
        assert not died(f"{socket.gethostname()}/1:{a_dead_pid()}:0a1b2c3d")
        assert not died(f"{socket.gethostname()}:{a_dead_pid()}:0a1b2c3d")  # a holder that did not say which
