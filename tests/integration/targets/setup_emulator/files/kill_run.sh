# shellcheck shell=bash
# Source from a target's runme.sh: . "$here/../setup_emulator/files/kill_run.sh" (network_role_interruptions)
# kill_run PID: SIGKILL a run started with setsid as a crash would, the process group of PID and every
# process below it. ansible-core's workers call setsid() (WorkerProcess._detach), so each leads a
# session of its own: a kill of the playbook's process group alone leaves the workers, and the module
# each runs, going (and then blocked for ever on their result pipes). The tree is stopped first, so
# nothing forks past the walk. An async job's wrapper daemonizes (its parent is init): it is no
# process below PID and goes on, as it would after the controller died.
kill_run() {
  local todo=("$1") all=() p kid
  kill -STOP -- "-$1" 2>/dev/null || true
  while [ "${#todo[@]}" -gt 0 ]; do
    p=${todo[0]}
    todo=("${todo[@]:1}")
    all+=("$p")
    kill -STOP "$p" 2>/dev/null || true
    for kid in $(ps -o pid= --ppid "$p"); do todo+=("$kid"); done
  done
  for p in "${all[@]}"; do
    kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
  done
}
