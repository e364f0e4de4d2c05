# make bench: search latency against catalogue size (data: bench_catalogue's recherche.dat,
# columns: records, p50 ms, p99 ms, max ms, grep -ci mean ms, import s, p99 of the
# per-query medians ms).
# gnuplot -e "dat='build/bench/recherche.dat'; png='build/bench/recherche.png'" bench/recherche.gp
if (!exists("dat")) dat = 'build/bench/recherche.dat'
if (!exists("png")) png = 'build/bench/recherche.png'
set terminal pngcairo size 800,600 font "DejaVu Sans,10"
set output png
set encoding utf8
set decimalsign ','
set title "Recherche : latence selon le nombre de formations du catalogue (20 premiers résultats)"
unset xlabel
set ylabel "latence (ms), échelle logarithmique"
set logscale xy
set xtics ("50 000" 50000, "100 000" 100000, "200 000" 200000, "400 000" 400000)
set mytics 10
set grid xtics ytics mytics
set key outside below box Left reverse maxrows 4 height 1
# A curve growing like log(n) through the first p99 point, and one growing like n: the
# reader sees which the measure follows.
stats dat using 1 nooutput
n0 = STATS_min
set xrange [STATS_min / 1.25 : STATS_max * 1.25]
stats dat every ::0::0 using 3 nooutput
p0 = STATS_min
plot dat using 1:2 with linespoints lw 2 pt 7 title "p50", \
     dat using 1:3 with linespoints lw 2 pt 5 title "p99", \
     dat using 1:7 with linespoints lw 1 pt 4 dt 2 title "p99 des médianes par requête", \
     dat using 1:5 with linespoints lw 2 pt 9 title "grep -ci (moyenne, référence)", \
     2 with lines dt 2 lc rgb "red" title "objectif p99 : 2 ms", \
     p0 * log(x) / log(n0) with lines dt 3 lc rgb "dark-green" \
         title "p99 qui croîtrait comme log(n)", \
     p0 * x / n0 with lines dt 4 lc rgb "gray40" title "p99 qui croîtrait comme n"
