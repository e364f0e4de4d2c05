/* make bench, last step: the ONE summary table of every figure of the run, each with its
 * target, its same-run reference and a verdict, read from the rows the benches wrote
 * (<dir>/resume-catalogue.tsv, -assistant, -relais, -partage: figure, measured, target,
 * reference, verdict, tab-separated), after the machine (<dir>/machine.txt, bench/machine.sh).
 * Prints it on the terminal and writes it as Markdown in <dir>/resume.md, ready to paste
 * into BENCHMARKS.md. Never fails the build.
 *
 * Usage: bench_resume [DIR] */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define COLS 5
#define ROWS_MAX 64
#define CELL 256

static char rows[ROWS_MAX][COLS][CELL];
static size_t nrows;

/* Columns on screen: UTF-8 continuation bytes take none. */
static size_t columns(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void print_cell(const char *s, size_t width, bool last)
{
    fputs(s, stdout);
    if (last)
        return;
    for (size_t n = columns(s); n < width + 2; n++)
        putchar(' ');
}

/* Reads one bench's rows; a missing file is a bench that did not run (said in the table). */
static void read_rows(const char *dir, const char *name, const char *what)
{
    char path[4200], line[2048];
    snprintf(path, sizeof path, "%s/resume-%s.tsv", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (nrows < ROWS_MAX) {
            snprintf(rows[nrows][0], CELL, "%s", what);
            snprintf(rows[nrows][1], CELL, "pas de mesure (resume-%s.tsv absent)", name);
            for (int c = 2; c < COLS; c++)
                snprintf(rows[nrows][c], CELL, "–");
            nrows++;
        }
        return;
    }
    while (nrows < ROWS_MAX && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!*line)
            continue;
        char *p = line;
        for (int c = 0; c < COLS; c++) {
            size_t len = strcspn(p, "\t");
            snprintf(rows[nrows][c], CELL, "%.*s", (int)len, p);
            if (!*rows[nrows][c])
                snprintf(rows[nrows][c], CELL, "–");
            p += len;
            if (*p)
                p++;
        }
        nrows++;
    }
    fclose(f);
}

/* A cell in a Markdown table: '|' escaped. */
static void md_cell(FILE *f, const char *s)
{
    fputs(" ", f);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputs(" |", f);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "build/bench";
    static const char *const head[COLS] = {"Mesure", "Mesuré", "Objectif",
                                           "Référence (même passage)", "Verdict"};
    read_rows(dir, "catalogue", "Catalogue (bench_catalogue)");
    read_rows(dir, "assistant", "Assistant (bench_wizard)");
    read_rows(dir, "relais", "Relais (bench_relay)");
    read_rows(dir, "partage", "Partage (bench_share)");

    char machine_path[4200], line[1024];
    snprintf(machine_path, sizeof machine_path, "%s/machine.txt", dir);
    char md_path[4200];
    snprintf(md_path, sizeof md_path, "%s/resume.md", dir);
    FILE *md = fopen(md_path, "w");

    size_t width[COLS];
    for (int c = 0; c < COLS; c++)
        width[c] = columns(head[c]);
    for (size_t r = 0; r < nrows; r++)
        for (int c = 0; c < COLS; c++)
            if (columns(rows[r][c]) > width[c])
                width[c] = columns(rows[r][c]);

    printf("\nRésumé de make bench\n");
    for (int c = 0; c < COLS; c++)
        print_cell(head[c], width[c], c == COLS - 1);
    putchar('\n');
    for (int c = 0; c < COLS; c++)
        for (size_t k = 0; k < width[c] + (c < COLS - 1 ? 2 : 0); k++)
            fputs(k < width[c] ? "─" : " ", stdout);
    putchar('\n');
    size_t met = 0, missed = 0;
    for (size_t r = 0; r < nrows; r++) {
        for (int c = 0; c < COLS; c++)
            print_cell(rows[r][c], width[c], c == COLS - 1);
        putchar('\n');
        met += strcmp(rows[r][4], "atteint") == 0;
        missed += strncmp(rows[r][4], "non atteint", 11) == 0;
    }
    printf("Objectifs atteints : %zu ; non atteints : %zu.\n", met, missed);

    if (md) {
        fprintf(md, "### Machine\n\n");
        FILE *m = fopen(machine_path, "r");
        if (m) {
            while (fgets(line, sizeof line, m)) {
                line[strcspn(line, "\n")] = '\0';
                if (*line)
                    fprintf(md, "- %s\n", line);
            }
            fclose(m);
        } else {
            fprintf(md, "- (%s absent : lancez make bench)\n", machine_path);
        }
        fprintf(md, "\n### Résumé\n\n|");
        for (int c = 0; c < COLS; c++)
            md_cell(md, head[c]);
        fprintf(md, "\n|");
        for (int c = 0; c < COLS; c++)
            fprintf(md, "---|");
        fprintf(md, "\n");
        for (size_t r = 0; r < nrows; r++) {
            fprintf(md, "|");
            for (int c = 0; c < COLS; c++)
                md_cell(md, rows[r][c]);
            fprintf(md, "\n");
        }
        fprintf(md, "\nObjectifs atteints : %zu ; non atteints : %zu.\n", met, missed);
        fclose(md);
        printf("Le même tableau en Markdown, avec la machine : %s\n", md_path);
    }
    return 0;
}
