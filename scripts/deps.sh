#!/bin/sh
# Install the Debian packages that ipsecfw's build and tests need (root), or print the
# exact apt-get line to run (not root). Called by make when pkg-config misses a library.
PKGS="build-essential pkg-config libnetfilter-queue-dev libmnl-dev libpcre2-dev libssl-dev
libpcap-dev liburcu-dev libcap-ng-dev check mandoc clang libclang-rt-14-dev python3-scapy tcpdump
iptables iproute2 iperf3 netcat-openbsd socat
strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins libstrongswan-extra-plugins"
PKGS=$(echo $PKGS)
if [ "$(id -u)" -ne 0 ]; then
	echo "ipsecfw: run as root:  apt-get install -y $PKGS" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q $PKGS; then
	apt-get update -q && apt-get install -y -q $PKGS || exit 1
fi
