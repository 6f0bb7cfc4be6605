#!/bin/sh
# Node firewall: default deny with the essential allows.
set -eu
MGMT_NET=10.0.100.0/24
NODE_NET=10.0.0.0/16

iptables -P INPUT DROP
iptables -P FORWARD DROP
iptables -P OUTPUT ACCEPT

iptables -A INPUT -i lo -j ACCEPT
iptables -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
iptables -A INPUT -p tcp --dport 22 -s "$MGMT_NET" -j ACCEPT
iptables -A INPUT -p tcp --dport 10250 -s "$NODE_NET" -j ACCEPT
# Calico BGP between nodes and IP-in-IP.
iptables -A INPUT -p tcp --dport 179 -s "$NODE_NET" -j ACCEPT
iptables -A INPUT -p 4 -s "$NODE_NET" -j ACCEPT
