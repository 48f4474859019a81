# shellcheck shell=bash
# Sourced by bin/dev. Runs the development OpenID Connect provider
# (bin/idp/run) in the background on 127.0.0.1: ah_start_idp starts it,
# ah_wait_idp waits for its `READY <issuer>` line and sets AH_IDP_ISSUER,
# ah_stop_idp stops it and everything it started (the first run's npm
# installs included). Its stderr (install output, request log) goes to
# .dev/idp.log.

AH_ROOT="${AH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=process.sh
source "$AH_ROOT/bin/lib/process.sh"
AH_IDP_PID=""
AH_IDP_ISSUER=""

# ah_start_idp PORT WEB_PORT: the IdP's client accepts redirects to the app on
# 127.0.0.1:WEB_PORT and localhost:WEB_PORT (unless IDP_REDIRECT_URIS says otherwise).
ah_start_idp() {
  local port="$1" web_port="$2"
  mkdir -p "$AH_ROOT/.dev"
  : >"$AH_ROOT/.dev/idp.out"
  echo "Starting the development identity provider on 127.0.0.1:$port (log: .dev/idp.log;" \
    "the first run installs Node.js 22 and npm packages)" >&2
  # A session of its own, so that stopping it also stops the installs it may
  # be running; setsid keeps the PID, which is then also the group id.
  local spawn=()
  if command -v setsid >/dev/null 2>&1; then
    spawn=(setsid)
  fi
  IDP_PORT="$port" \
    IDP_CLIENT_ID="${IDP_CLIENT_ID:-advisoryhub-dev}" \
    IDP_CLIENT_SECRET="${IDP_CLIENT_SECRET:-advisoryhub-dev-secret}" \
    IDP_SIGN_ALG="${IDP_SIGN_ALG:-ES256}" \
    IDP_REDIRECT_URIS="${IDP_REDIRECT_URIS:-http://127.0.0.1:$web_port/oidc/callback/,http://localhost:$web_port/oidc/callback/}" \
    IDP_POST_LOGOUT_REDIRECT_URIS="${IDP_POST_LOGOUT_REDIRECT_URIS:-http://127.0.0.1:$web_port/accounts/signed-out/,http://localhost:$web_port/accounts/signed-out/}" \
    ${spawn[@]+"${spawn[@]}"} "$AH_ROOT/bin/idp/run" \
    >"$AH_ROOT/.dev/idp.out" 2>"$AH_ROOT/.dev/idp.log" </dev/null &
  AH_IDP_PID=$!
}

# ah_wait_idp [TIMEOUT_SECONDS]: waits for READY (120 s by default: a first
# run downloads Node.js and the npm packages); fails with the log's tail.
ah_wait_idp() {
  local timeout="${1:-120}" line
  local deadline=$((SECONDS + timeout))
  while :; do
    line="$(grep -m1 '^READY ' "$AH_ROOT/.dev/idp.out" 2>/dev/null || true)"
    if [ -n "$line" ]; then
      AH_IDP_ISSUER="${line#READY }"
      return 0
    fi
    if ! kill -0 "$AH_IDP_PID" 2>/dev/null; then
      echo "The development identity provider stopped before it was ready. End of .dev/idp.log:" >&2
      tail -n 20 "$AH_ROOT/.dev/idp.log" >&2
      AH_IDP_PID=""
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "The development identity provider was not ready after ${timeout} s. End of .dev/idp.log:" >&2
      tail -n 20 "$AH_ROOT/.dev/idp.log" >&2
      ah_stop_idp
      return 1
    fi
    sleep 0.2
  done
}

ah_stop_idp() {
  [ -n "$AH_IDP_PID" ] || return 0
  local pid="$AH_IDP_PID"
  AH_IDP_PID=""
  ah_stop_group "$pid"
}
