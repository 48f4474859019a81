# shellcheck shell=bash
# Sourced by bin/dev. Runs the development SMTP catcher (bin/mail/run) in the
# background on 127.0.0.1: ah_start_mail starts it, ah_wait_mail waits until
# its web UI answers, ah_stop_mail stops it and everything it started. Its
# output (install output, MailDev's log) goes to .dev/mail.log; the messages
# are kept under .dev/mail.

AH_ROOT="${AH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=process.sh
source "$AH_ROOT/bin/lib/process.sh"
AH_MAIL_PID=""
AH_MAIL_WEB_URL=""

# ah_start_mail SMTP_PORT WEB_PORT
ah_start_mail() {
  local smtp_port="$1" web_port="$2"
  mkdir -p "$AH_ROOT/.dev"
  echo "Starting the development SMTP catcher on 127.0.0.1:$smtp_port (log: .dev/mail.log)" >&2
  local spawn=()
  if command -v setsid >/dev/null 2>&1; then
    spawn=(setsid)
  fi
  ${spawn[@]+"${spawn[@]}"} "$AH_ROOT/bin/mail/run" "$smtp_port" "$web_port" "$AH_ROOT/.dev/mail" \
    >"$AH_ROOT/.dev/mail.log" 2>&1 </dev/null &
  AH_MAIL_PID=$!
  AH_MAIL_WEB_URL="http://127.0.0.1:$web_port/"
}

# ah_wait_mail [TIMEOUT_SECONDS]: waits for GET /healthz (120 s by default: a
# first run installs the npm packages); fails with the log's tail.
ah_wait_mail() {
  local timeout="${1:-120}"
  local deadline=$((SECONDS + timeout))
  until curl -fsS -o /dev/null "${AH_MAIL_WEB_URL}healthz" 2>/dev/null; do
    if ! kill -0 "$AH_MAIL_PID" 2>/dev/null; then
      echo "The SMTP catcher stopped before it was ready. End of .dev/mail.log:" >&2
      tail -n 20 "$AH_ROOT/.dev/mail.log" >&2
      AH_MAIL_PID=""
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "The SMTP catcher was not ready after ${timeout} s. End of .dev/mail.log:" >&2
      tail -n 20 "$AH_ROOT/.dev/mail.log" >&2
      ah_stop_mail
      return 1
    fi
    sleep 0.2
  done
}

ah_stop_mail() {
  [ -n "$AH_MAIL_PID" ] || return 0
  local pid="$AH_MAIL_PID"
  AH_MAIL_PID=""
  ah_stop_group "$pid"
}
