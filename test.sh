#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh Debian machine, then builds and runs every test.
# CI runs exactly this (.ci/run). Safe to run again: installs are skipped when already present.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n==> %s\n' "$*"; }

# Debian packages the test suite starts or drives. Tests start their own servers on free loopback ports.
# prometheus: promtool checks and unit-tests monitoring/alerts.yml. chromium (+ fonts): the dashboard browser test.
# etcd-server: the control plane's store and the edges' configuration source.
# patroni: PostgreSQL's primary and synchronous standby with failover, its DCS the project's etcd; python3-idna:
# Patroni's HTTPS client (urllib3) needs it to reach etcd over TLS, and Debian's patroni does not pull it in.
# libturbojpeg0: the edge's SIMD JPEG decoder; build-essential + libjpeg62-turbo-dev: the DC-only progressive
# JPEG shim (edge/Native), built below; libwebp-dev: its WebP encoder. The edge runs without them (Skia decodes and
# encodes, libvips writes WebP with alpha), the tests cover both paths.
packages=(postgresql patroni python3-idna redis-server etcd-server prometheus chromium fonts-liberation libturbojpeg0 build-essential libjpeg62-turbo-dev libwebp-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "Installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

step "Installing the load tests' npm packages (autocannon, pinned by package-lock.json)"
(cd loadtests && npm ci --no-audit --no-fund)

step "Building the edge's DC-only progressive JPEG decoder (edge/Native)"
edge/Native/build.sh

step "Restoring (NuGet packages and the repository's dotnet tools: PowerShell for deploy.ps1)"
dotnet restore EdgeImages.sln
dotnet tool restore

step "Building (Release, warnings are errors)"
dotnet build EdgeImages.sln -c Release --no-restore -nologo

step "Running tests"
# Hundreds of test hosts (and origin processes) would each watch their appsettings files, and Linux gives a
# user 128 inotify instances; tests never edit configuration files, so nobody needs to watch them.
export DOTNET_hostBuilder__reloadConfigOnChange=false
log=$(mktemp)
set +e
# One test project at a time (-m:1): on two cores, projects running side by side starve each other's
# servers (etcd elections, Chromium start-up) into timeouts that say nothing about the code.
dotnet test EdgeImages.sln -c Release --no-build -nologo -m:1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# A safety net, not the mechanism: every fixture stops what it starts, but a test host killed by the runner
# cannot. Whatever still runs from a test's temp folder (/tmp/edgeimages-*) is stopped here and named.
for proc in /proc/[0-9]*; do
  pid=${proc#/proc/}
  if readlink "$proc/cwd" 2>/dev/null | grep -q '/edgeimages-' || tr '\0' ' ' < "$proc/cmdline" 2>/dev/null | grep -q '/edgeimages-'; then
    echo "left behind by a test, stopping: $(tr '\0' ' ' < "$proc/cmdline" 2>/dev/null | cut -c1-120)"
    kill -9 "$pid" 2>/dev/null || true
  fi
done

# One closing line for every runner: the sum over the test projects.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')

step "Running the JavaScript SDK's tests (node --test, against the shared vectors)"
set +e
(cd sdk/js && node --test 2>&1) | tee "$log"
js_status=${PIPESTATUS[0]}
set -e
js_passed=$(grep -oE '^# pass [0-9]+' "$log" | awk '{print $3}')
js_failed=$(grep -oE '^# fail [0-9]+' "$log" | awk '{print $3}')
passed=$((passed + ${js_passed:-0}))
failed=$((failed + ${js_failed:-0}))
[ "$js_status" -eq 0 ] || status=1

rm -f "$log"
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
