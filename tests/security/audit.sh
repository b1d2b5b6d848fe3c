#!/usr/bin/env bash
# pip-audit on the pinned runtime requirements (issue 8, point 19).
#
# Exit 0: audited, no known vulnerability. Exit 1: vulnerabilities found (listed).
# Exit 2: nothing could be audited because PyPI's JSON/vulnerability service is not
# reachable from this machine (pip-audit then says "Dependency not found on PyPI" for
# every package): that is "not audited", never "clean".
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
REQUIREMENTS=${1:-requirements.txt}

report=$(mktemp)
trap 'rm -f "$report"' EXIT
"$PY" -m pip_audit -r "$REQUIREMENTS" --progress-spinner off -f json -o "$report" >/dev/null 2>&1 || true

"$PY" - "$report" "$REQUIREMENTS" <<'EOF'
import json
import sys

path, requirements = sys.argv[1], sys.argv[2]
try:
    data = json.load(open(path))
except (OSError, ValueError):
    print(f"pip-audit produced no report for {requirements}")
    sys.exit(2)
deps = data.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
vulnerable = [d for d in deps if d.get("vulns")]
for dep in vulnerable:
    ids = ", ".join(v["id"] for v in dep["vulns"])
    print(f"VULNERABLE {dep['name']}=={dep.get('version')}: {ids}")
if vulnerable:
    sys.exit(1)
if deps and len(skipped) == len(deps):
    print(
        f"not audited: all {len(deps)} packages of {requirements} were skipped "
        f"({skipped[0]['skip_reason']!r}); PyPI's vulnerability service is not "
        "reachable from this machine"
    )
    sys.exit(2)
print(f"{len(deps) - len(skipped)} packages audited, no known vulnerability; "
      f"{len(skipped)} skipped: {', '.join(d['name'] for d in skipped) or 'none'}")
EOF
