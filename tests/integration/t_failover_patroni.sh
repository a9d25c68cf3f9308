#!/usr/bin/env bash
# t_failover.sh with Patroni (and etcd) doing the failovers: HA=patroni.
HA=patroni exec bash "$(dirname "$0")/t_failover.sh"
