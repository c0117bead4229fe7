#!/bin/sh
# make data: make Fashion-MNIST available on this machine and print its folder.
#
# 1. Look for the four files in the usual places (cmd/fetchdata -no-download:
#    $FASHION_MNIST_DIR, ./data/fashion-mnist, the user cache dir,
#    /usr/share/datasets/fashion-mnist).
# 2. If they are not found and apt-get is usable (root, or password-less sudo),
#    install Debian's dataset-fashion-mnist.
# 3. Otherwise (or if that fails) download them into the user cache dir.
# Every step verifies the SHA-256 of the four files. The folder is printed last.
# With $FASHION_MNIST_DIR set, only that folder is checked.
set -eu

cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
go build -o "$tmp/fetchdata" ./cmd/fetchdata

if [ -n "${FASHION_MNIST_DIR:-}" ]; then
	# An explicit folder is used alone: no install, no download.
	dir=$("$tmp/fetchdata" -no-download)
	echo "Fashion-MNIST is in $dir"
	exit 0
fi

status=0
dir=$("$tmp/fetchdata" -no-download 2>"$tmp/err") || status=$?
if [ "$status" -eq 0 ]; then
	echo "Fashion-MNIST is in $dir"
	exit 0
fi
if [ "$status" -ne 3 ]; then
	# Found but broken (digest mismatch, unreadable file): say so, change nothing.
	cat "$tmp/err" >&2
	exit "$status"
fi

apt=""
if command -v apt-get >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then
		apt="env DEBIAN_FRONTEND=noninteractive apt-get"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		apt="sudo -n env DEBIAN_FRONTEND=noninteractive apt-get"
	fi
fi

if [ -n "$apt" ]; then
	echo "Installing dataset-fashion-mnist with apt-get ..." >&2
	if $apt install -y dataset-fashion-mnist >&2 ||
		{ $apt update >&2 && $apt install -y dataset-fashion-mnist >&2; }; then
		if dir=$("$tmp/fetchdata" -no-download); then
			echo "Fashion-MNIST is in $dir"
			exit 0
		fi
	fi
	echo "apt-get did not provide the data; downloading instead." >&2
fi

dir=$("$tmp/fetchdata")
echo "Fashion-MNIST is in $dir"
