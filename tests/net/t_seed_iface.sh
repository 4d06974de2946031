#!/bin/bash
# t_seed.sh with interface declarations: direction from the devices, not the address sets.
MODE=iface exec "$(dirname "$0")/t_seed.sh"
