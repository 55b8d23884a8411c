#!/usr/bin/env bash
# Build bench/.venv for bench/pk.py: kclinic plus the peer PK packages it is compared with.
# opentiva 1.1.2 ships a Cython-generated pkpd.c that does not compile on Python 3.11
# (it includes longintrepr.h), so its sdist is rebuilt from pkpd.pyx with a current Cython.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.installed-peers"
if [ -f "$STAMP" ] && [ "$STAMP" -nt requirements-peers.txt ] && [ "$STAMP" -nt peers.sh ]; then
    exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet -r requirements-peers.txt
"$VENV/bin/pip" install --quiet --no-deps -e ..
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$VENV/bin/pip" download --quiet --no-deps --no-binary :all: -d "$work" opentiva==1.1.2
tar -xzf "$work"/opentiva-1.1.2.tar.gz -C "$work"
rm -f "$work"/opentiva-1.1.2/opentiva/pkpd.c
"$VENV/bin/pip" install --quiet --no-build-isolation --no-deps "$work"/opentiva-1.1.2
touch "$STAMP"
