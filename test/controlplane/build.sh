#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl and KWOK) from Go modules into a cache folder outside the
# checkout, and prints that folder on the last line of stdout.
#
# When KUBEBUILDER_ASSETS names a folder that already contains every binary, that
# folder is printed and nothing is built. The pinned versions live in the go.mod
# files beside this script.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

kubernetes_version=v1.35.4
etcd_version=v3.6.17
kwok_version=v0.8.0
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

cache_root=${ENGAGETRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engagetrack}
out=${cache_root}/controlplane/kubernetes-${kubernetes_version}-etcd-${etcd_version}-kwok-${kwok_version}

log() { printf 'controlplane: %s\n' "$*" >&2; }

has_all_binaries() {
  local dir=$1
  for name in "${binaries[@]}"; do
    [ -x "$dir/$name" ] || return 1
  done
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if has_all_binaries "$KUBEBUILDER_ASSETS"; then
    log "using the binaries in KUBEBUILDER_ASSETS"
    printf '%s\n' "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks some of: ${binaries[*]}; building them instead"
fi

if has_all_binaries "$out"; then
  printf '%s\n' "$out"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "error: Go is not installed, so the control plane cannot be built."
  log "Install Go 1.26 or newer, or set KUBEBUILDER_ASSETS to a folder with: ${binaries[*]}"
  exit 1
fi

mkdir -p "$out"

# Build into a temporary folder and move each binary in place only when its build
# succeeded, so an interrupted build never leaves a half-written binary in the cache.
staging=$(mktemp -d "${out}/.build.XXXXXX")
trap 'rm -rf "$staging"' EXIT

run_go_build() {
  local module_dir=$1
  shift
  if ! (cd "$here/$module_dir" && go build -trimpath "$@"); then
    log "error: 'go build' failed in test/controlplane/$module_dir (see the output above)."
    log "If the Go module proxy is unreachable, set KUBEBUILDER_ASSETS to a folder with: ${binaries[*]}"
    exit 1
  fi
}

version_flags() {
  local pkg=k8s.io/component-base/version
  local minor=${kubernetes_version#v1.}
  minor=${minor%%.*}
  printf -- '-s -w -X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean' \
    "$pkg" "$kubernetes_version" "$pkg" "$pkg" "$minor" "$pkg"
}

started=$(date +%s)

if ! has_all_binaries "$out"; then
  log "building kube-apiserver, kube-controller-manager, kube-scheduler and kubectl ${kubernetes_version} (takes several minutes on a cold cache)"
  run_go_build kubernetes -ldflags "$(version_flags)" -o "$staging/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl

  log "building etcd ${etcd_version}"
  run_go_build etcd -ldflags '-s -w' -o "$staging/etcd" go.etcd.io/etcd/server/v3

  log "building kwok ${kwok_version}"
  run_go_build kwok -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok_version}" \
    -o "$staging/kwok" sigs.k8s.io/kwok/cmd/kwok
fi

for name in "${binaries[@]}"; do
  [ -f "$staging/$name" ] && mv -f "$staging/$name" "$out/$name"
done

log "built in $(($(date +%s) - started)) s into $out"
printf '%s\n' "$out"
