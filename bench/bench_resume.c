/* make bench, last step: the ONE summary table of every figure of the run, each with its
 * target, its same-run reference and a verdict, read from the rows the benches wrote
 * (<dir>/resume-catalogue.tsv, -assistant, -relais, -partage: figure, measured, target,
 * reference, verdict, tab-separated), after the machine (<dir>/machine.txt, bench/machine.sh).
 * Prints it on the terminal as one block per figure, wrapped to 80 columns (a table of
 * five columns would be ~220 wide), and writes it as a Markdown table in <dir>/resume.md,
 * ready to paste into BENCHMARKS.md. Never fails the build.
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

/* Terminal width of the summary: a newcomer's 80-column terminal. */
#define WIDTH 80

/* Whether the last word of p[0..len) stays on the line of the word after it: a number
 * with its unit or the rest of it (« 120 ms », « 200 000 »), an arrow or a comparison sign
 * with what it points to (« → atteint », « ≤ 2 ms »). */
static bool sticky(const char *p, size_t len)
{
    size_t start = len;
    while (start > 0 && p[start - 1] != ' ')
        start--;
    const char *w = p + start;
    size_t n = len - start;
    if ((n == 3 && (!strncmp(w, "→", 3) || !strncmp(w, "≤", 3) || !strncmp(w, "≥", 3))))
        return true;
    if (n && *w == '(')
        w++, n--;
    if (n >= 2 && *w == 'p' && w[1] >= '0' && w[1] <= '9') /* « p90 4.20 » */
        w++, n--;
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789.,×±~", w[i]) && (unsigned char)w[i] < 0x80)
            return false;
    return w[0] >= '0' && w[0] <= '9';
}

/* Prints text wrapped at words to WIDTH columns, continuation lines indented by indent
 * (the first line is assumed to start at column `indent` too). */
static void print_wrapped(const char *text, size_t indent)
{
    size_t col = indent;
    bool first = true;
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, " ");
        while (p[len] == ' ' && p[len + 1] && p[len + 1] != ' ' && sticky(p, len))
            len += 1 + strcspn(p + len + 1, " ");
        char word[CELL * 4];
        snprintf(word, sizeof word, "%.*s", (int)len, p);
        size_t w = columns(word);
        if (!first && col + 1 + w > WIDTH) {
            printf("\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            putchar(' ');
            col++;
        }
        fputs(word, stdout);
        col += w;
        first = false;
        p += len;
    }
    putchar('\n');
}

/* One figure as a block readable at 80 columns: its title line, then « mesuré … · objectif
 * … · référence … → verdict », leaving out what does not apply (« – »). */
static void print_block(char cell[COLS][CELL])
{
    char line[CELL * 4];
    size_t n = 0;
    static const char *const label[COLS] = {"", "mesuré", "objectif", "référence"};
    putchar('\n');
    print_wrapped(cell[0], 0);
    line[0] = '\0';
    for (int c = 1; c < 4; c++) {
        if (strcmp(cell[c], "–") == 0)
            continue;
        /* « pas de mesure (…) » is not a figure: said as it is */
        bool bare = c == 1 && strncmp(cell[c], "pas de mesure", 13) == 0;
        n += (size_t)snprintf(line + n, sizeof line - n, "%s%s%s%s", n ? " · " : "",
                              bare ? "" : label[c], bare ? "" : " ", cell[c]);
        if (n >= sizeof line)
            n = sizeof line - 1;
    }
    if (strcmp(cell[4], "–") != 0)
        snprintf(line + n, sizeof line - n, " → %s", cell[4]);
    fputs("  ", stdout);
    print_wrapped(line, 2);
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

    printf("\n");
    print_wrapped("Résumé de make bench : chaque chiffre, son objectif, sa référence mesurée "
                  "dans le même passage et son verdict", 0);
    size_t met = 0, missed = 0;
    for (size_t r = 0; r < nrows; r++) {
        print_block(rows[r]);
        met += strncmp(rows[r][4], "atteint", 7) == 0;
        missed += strncmp(rows[r][4], "non atteint", 11) == 0;
    }
    putchar('\n');
    printf("Objectifs atteints : %zu ; non atteints : %zu.\n", met, missed);

    if (md) {
        fprintf(md, "### Machine (écrite par `bench/machine.sh`)\n\n");
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
        printf("Le même tableau en Markdown, avec la machine :\n  %s\n", md_path);
    }
    return 0;
}
