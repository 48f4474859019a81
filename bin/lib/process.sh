# shellcheck shell=bash
# Sourced by bin/lib/idp.sh and bin/lib/mail.sh: stopping a background
# development server started in a session of its own (setsid), together with
# whatever it started (a first run's npm installs, say).

# ah_stop_group PID: SIGTERM to the group, five seconds' grace, then SIGKILL.
ah_stop_group() {
  local pid="$1"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # Whatever is left of its group (an install cut short) goes too.
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
