# shellcheck shell=bash
# Sourced by ci/*.sh and .ci/run: moves to the repository root, puts Go and the binaries that
# `go install` writes on PATH, and defines the helpers the scripts share.
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit

command -v go >/dev/null || PATH=/usr/local/go/bin:$PATH
gobin=$(go env GOBIN)
PATH=${gobin:-$(go env GOPATH | cut -d: -f1)/bin}:$PATH
export PATH

# STATICCHECK is the pinned staticcheck; `staticcheck -version` prints its version in parentheses.
STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2

# SECONDS counts from the start of the outermost script, so that nested scripts' headers add up.
export GEVENT_CI_START=${GEVENT_CI_START:-$(date +%s)}
SECONDS=$(($(date +%s) - GEVENT_CI_START))

# step prints a header for one step, with the seconds since the outermost script started.
step() {
  printf '\n==> [%ss] %s\n' "$SECONDS" "$*"
}

# each_module runs its arguments as a command in the directory of every module: each module
# listed in go.work if there is one, otherwise the main module.
each_module() {
  local list dir
  list=$(go list -m -f '{{.Dir}}')
  while IFS= read -r dir; do
    step "$* (in .${dir#"$PWD"})"
    # stdin is the module list; the command must not read it.
    (cd "$dir" && "$@") </dev/null
  done <<<"$list"
}

# install_staticcheck installs the pinned staticcheck unless it is already on PATH.
install_staticcheck() {
  if ! staticcheck -version 2>/dev/null | grep -qF "(${STATICCHECK##*@v})"; then
    step "go install $STATICCHECK"
    go install "$STATICCHECK"
  fi
}
