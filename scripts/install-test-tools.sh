#!/bin/sh
# Install the tools the rendering tests use to look at output as a person would:
#   chromium       renders the HTML schedule (headless) to a DOM dump and a screenshot;
#   poppler-utils  provides pdftoppm, which turns PDF pages into PNG images.
# Installs only what is missing, only as root and only where apt-get exists (Debian, Ubuntu).
# Otherwise it says why and exits 0: the tests that need a tool then skip with a clear reason.
set -u

missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"

if [ -z "$missing" ]; then
    echo "install-test-tools: chromium and pdftoppm are already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-tools: apt-get not found; install$missing yourself (the tests that need them will skip)"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-tools: not root; run 'sudo apt-get install$missing' (the tests that need them will skip)"
    exit 0
fi

echo "install-test-tools: installing$missing"
export DEBIAN_FRONTEND=noninteractive
if apt-get update && apt-get install -y --no-install-recommends $missing; then
    echo "install-test-tools: done"
else
    echo "install-test-tools: apt-get failed; the tests that need$missing will skip"
fi
exit 0
