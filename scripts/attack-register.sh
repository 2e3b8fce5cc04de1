#!/usr/bin/env bash
# Registration flood on loopback with registration open and the default limits: 8 connections
# from 127.0.0.10 registering as fast as they can. Prints accounts created per minute. (The
# account cap and the disk guard are proven by test/api/rate-limits.test.ts.)
#   ATTACK_SECONDS  length of each run (default 20)
source "$(dirname "$0")/attack/lib.sh"
seconds="${ATTACK_SECONDS:-20}"

echo "attack-register: ${seconds}s per run; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version)"
echo "default limits (registrations_per_address = 20 an hour):"
attack_start
node --import tsx scripts/attack/register-flood.ts "$api_port" "$seconds"
echo "  accounts in the database: $(curl -s "http://127.0.0.1:${api_port}/health" >/dev/null; node -e "const D=require('better-sqlite3');const d=new D(process.argv[1],{readonly:true});console.log(d.prepare('SELECT COUNT(*) n FROM accounts').get().n)" "$work/db.sqlite"); server alive: $(alive)"
