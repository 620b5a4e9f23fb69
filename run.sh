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
PKGS=(make gcc clang libclang-rt-14-dev libsqlite3-dev sqlite3 libjansson-dev libxml2-dev libcurl4-openssl-dev libmicrohttpd-dev pkg-config)

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
    K=./build/khabar
    DB=${KHABAR_DB:-khabar.db}
    show() { echo; echo "== khabar $*"; }
    $K --help
    show "tokens --json  (پاکِستان کیلئے وزیراعظم ۲۰۲۴)"
    printf 'پاکِستان کیلئے وزیراعظم ۲۰۲۴' | $K tokens --json
    show "ingest examples/*.jsonl examples/*.rss  (JSON Lines and an RSS feed; database: $DB)"
    $K ingest --db "$DB" examples/*.jsonl examples/*.rss
    show "sources   (articles, first and last date, when one was last stored)"
    $K sources --db "$DB"
    show "search پاکستان --limit 3"
    $K search --db "$DB" 'پاکستان' --limit 3
    show "search 'وزیر اعظم' --limit 2   (the fused spelling وزیراعظم is found too)"
    $K search --db "$DB" 'وزیر اعظم' --limit 2
    if $K --help | grep -q '^  stories'; then
      show "stories"
      $K stories --db "$DB" | head -n 20
    fi
    if $K --help | grep -q '^  entities'; then
      show "entities   (people, places, organisations; count, name, spellings)"
      $K entities --db "$DB" | head -n 12
      show "quotes"
      $K quotes --db "$DB" | head -n 5
    fi
    if $K --help | grep -q '^  analyze'; then
      show "analyze  (first example article: entities, quotes, events as JSON)"
      head -n 1 examples/articles.jsonl | $K analyze | head -c 1500
      echo
    fi
    echo
    echo "== next: $K serve --db $DB   (the HTTP API and the browser UI on http://127.0.0.1:8080/)"
    ;;
  *)
    echo "usage: ./run.sh [test]" >&2
    exit 2
    ;;
esac
