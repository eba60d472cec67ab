#!/bin/sh
# autogen.sh - regenerate configure and Makefile.in from configure.ac and
# Makefile.am (the generated files are not kept in git).
set -e
cd "$(dirname "$0")"
mkdir -p m4
exec autoreconf -fi
