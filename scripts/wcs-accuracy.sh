#!/usr/bin/env bash
# The ctest wcs_accuracy (src/pyramid/CMakeLists.txt): wcslib's answers at 1,000 random pixels of
# each vendored header (tests/fixtures/wcs), in its own frame, as galactic and ecliptic variants, and
# (Calabretta's maps) 28 times wider to reach the edge of the sky, and with latitude on the first
# world axis (transposed),
# computed by wcs_oracle, then checked against the viewer's TypeScript by Vitest
# (web/src/viewer/wcs_accuracy.test.ts). Needs web/node_modules (scripts/build-web.sh installs it).
# Usage: scripts/wcs-accuracy.sh PATH/TO/wcs_oracle
set -euo pipefail
oracle=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d /tmp/wcs-accuracy.XXXXXX)
trap 'rm -rf "$out"' EXIT
args=()
for h in "$root"/tests/fixtures/wcs/*.hdr; do
  args+=("$h")
  case $(basename "$h") in
    1904-66_*|sip.hdr|hst_sip.hdr|tpvonly.hdr) args+=("galactic:$h") ;;
  esac
  case $(basename "$h") in
    1904-66_*) args+=("wide:$h") ;;
  esac
  case $(basename "$h") in
    1904-66_TAN.hdr|1904-66_AIT.hdr|1904-66_ZPN.hdr|1904-66_HPX.hdr|1904-66_XPH.hdr|1904-66_CAR.hdr|1904-66_COE.hdr|\
    1904-66_TSC.hdr|1904-66_CSC.hdr|1904-66_QSC.hdr|sip.hdr|tpvonly.hdr)
      args+=("transposed:$h") ;;
  esac
  case $(basename "$h") in
    1904-66_TAN.hdr|1904-66_AIT.hdr|1904-66_CAR.hdr|1904-66_HPX.hdr|irac_sip.hdr) args+=("ecliptic:$h") ;;
  esac
done
"$oracle" "$out/oracle.json" "${args[@]}"
cd "$root/web"
if [[ ! -d node_modules ]]; then
  echo "wcs-accuracy: web/node_modules is missing; run scripts/build-web.sh first" >&2
  exit 1
fi
ASTROPIXEL_WCS_ORACLE="$out/oracle.json" ASTROPIXEL_WCS_ORACLE_BIN="$oracle" \
  ASTROPIXEL_WCS_FIXTURES="$root/tests/fixtures/wcs" npx vitest run --reporter=verbose src/viewer/wcs_accuracy.test.ts
