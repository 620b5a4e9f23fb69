#!/usr/bin/env bash
# run.sh — khabar's one entry point for set-up on a fresh Debian 12 machine.
#
#   ./run.sh          install what is missing, build, ingest the examples into
#                     ./khabar.db and show khabar at work (the main job)
#   ./run.sh test     install what is missing, build, run the tests, the same
#                     tests under ASan+UBSan, and each fuzz target briefly
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages khabar builds and tests with.
PKGS=(make gcc clang libclang-rt-14-dev libsqlite3-dev sqlite3 libjansson-dev pkg-config)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "run.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "run.sh: missing packages; run as root:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

JOBS=$(nproc 2>/dev/null || echo 2)
case "${1:-run}" in
  test)
    make -j"$JOBS" all
    make -j"$JOBS" test
    make -j"$JOBS" asan
    make -j"$JOBS" fuzz-smoke
    ;;
  run)
    make -j"$JOBS" all
    ./build/khabar --help
    echo
    echo '== khabar tokens --json  (پاکِستان کیلئے وزیراعظم ۲۰۲۴)'
    printf 'پاکِستان کیلئے وزیراعظم ۲۰۲۴' | ./build/khabar tokens --json
    if ./build/khabar --help | grep -q '^  ingest'; then
      echo
      echo "== khabar ingest examples/*.jsonl  (database: ${KHABAR_DB:-khabar.db})"
      ./build/khabar ingest examples/*.jsonl
      echo
      echo '== khabar search پاکستان --limit 3'
      ./build/khabar search 'پاکستان' --limit 3
    fi
    ;;
  *)
    echo "usage: ./run.sh [test]" >&2
    exit 2
    ;;
esac
