#!/bin/sh
# make bench: the machine the figures are measured on, as lines "clé : valeur" (read back by
# bench_resume into build/bench/resume.md, and copied into BENCHMARKS.md).
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
echo "Date : $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Processeur : $cpu"
echo "Cœurs : $(nproc)"
echo "Mémoire : $(awk '/^MemTotal:/ { printf "%.1f Gio", $2 / 1048576 }' /proc/meminfo)"
echo "Noyau : $(uname -sr)"
echo "Debian : $(cat /etc/debian_version 2>/dev/null || echo inconnue)"
echo "gcc : $(gcc -dumpfullversion 2>/dev/null || echo absent)"
lib=$(pkg-config --modversion sqlite3 2>/dev/null || echo inconnue)
shell=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)
echo "SQLite : $lib (bibliothèque), ${shell:-absent} (shell)"
echo "Charge au départ : $(cut -d' ' -f1-3 /proc/loadavg) (moyennes sur 1, 5, 15 min)"
echo "Processus prêts à tourner au départ : $(ps -e -o stat= | grep -c '^R') (ps compris)"
