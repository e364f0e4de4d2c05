/* `difelus assister [CODE] [--relais URL] [--jeton-fichier FICHIER]`: a support agent joins
 * an official's shared session. The agent's token comes from $DIFELUS_JETON or the file,
 * and goes only on the pipe to the network helper (never on a command line nor in its
 * environment); the code, when given, is checked before anything is contacted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "difelus/share.h"
#include "difelus/share_link.h"
#include "difelus/syserr.h"
#include "difelus/text.h"

#define TOKEN_MAX 128

int (*cli_assist_wizard)(const char *relay_url, const char *token, const char *code,
                         const char *notice, bool color, char *err, size_t errlen);

static int no_token(void)
{
    text_fprintf(stderr,
                 "difelus : il faut votre jeton d'agent pour rejoindre un élu. Si vous n'en "
                 "avez pas, demandez à l'administrateur du relais : difelus relais "
                 "agent-ajouter NOM --organisme ORGANISME le crée. Donnez-le "
                 "ensuite par la variable DIFELUS_JETON ou dans un fichier : difelus assister "
                 "--jeton-fichier FICHIER.\n");
    return CLI_USAGE;
}

/* The path as a shell reads it when pasted: as is when it has only plain characters, else
 * between apostrophes (guillemets would become part of the name). */
static void shell_word(char *dst, size_t len, const char *path)
{
    if (path[0] && strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                "0123456789/._-+,:@%=") == strlen(path)) {
        snprintf(dst, len, "%s", path);
        return;
    }
    size_t o = 0;
    if (len < 3)
        return;
    dst[o++] = '\'';
    for (const char *p = path; *p && o + 6 < len; p++) {
        if (*p == '\'') {
            memcpy(dst + o, "'\\''", 4);
            o += 4;
        } else {
            dst[o++] = *p;
        }
    }
    dst[o++] = '\'';
    dst[o] = '\0';
}

/* The first line of the file, trimmed; when others may read it, `notice` says so (shown in
 * the screen, where the agent reads it). */
static int token_from_file(const char *path, char *token, size_t len, char *notice,
                           size_t notice_len)
{
    char shown[256];
    text_sanitize(shown, sizeof shown, path);
    FILE *f = fopen(path, "r");
    if (!f) {
        text_fprintf(stderr, "difelus : impossible de lire le fichier du jeton « %s » (%s).\n",
                     shown, syserr_text(errno));
        return CLI_USAGE;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & (S_IRGRP | S_IROTH))) {
        char word[600];
        shell_word(word, sizeof word, shown);
        text_msgf(notice, notice_len, "Attention : le fichier du jeton « %s » peut être lu par "
                                      "d'autres utilisateurs de cette machine. Protégez-le : "
                                      "chmod 600 %s", shown, word);
    }
    char line[1024];
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    snprintf(token, len, "%s", text_trim(line));
    explicit_bzero(line, sizeof line);
    if (!token[0]) {
        text_fprintf(stderr, "difelus : le fichier du jeton « %s » est vide.\n", shown);
        return no_token();
    }
    return 0;
}

/* A token is printable ASCII without spaces (the relay's are 32 hex digits). */
static bool token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > TOKEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (t[i] <= ' ' || t[i] > '~')
            return false;
    return true;
}

static int run(const struct cli_call *call)
{
    /* The code may come in several words, as read: « abcd efgh ». */
    char typed[256] = "", code[SHARE_CODE_LEN + 1];
    for (int i = 0; i < call->argc; i++) {
        size_t used = strlen(typed);
        snprintf(typed + used, sizeof typed - used, "%s%s", i ? " " : "", call->argv[i]);
    }
    if (call->argc > 0 && !share_code_parse(typed, code))
        return cli_usage("« %s » n'est pas un code de partage : il a 8 lettres ou chiffres, "
                         "comme ABCD-EFGH (l'élu le lit sur son écran).",
                         typed);

    char token[TOKEN_MAX + 2] = "", notice[1024] = "";
    const char *file = cli_value(call, "jeton-fichier");
    const char *env = getenv("DIFELUS_JETON");
    if (file) {
        int rc = token_from_file(file, token, sizeof token, notice, sizeof notice);
        if (rc != 0)
            return rc;
    } else if (env && env[0]) {
        char copy[1024];
        snprintf(copy, sizeof copy, "%s", env);
        snprintf(token, sizeof token, "%s", text_trim(copy));
        explicit_bzero(copy, sizeof copy);
    }
    /* Read once: the network helper inherits our environment, and must not see it. */
    unsetenv("DIFELUS_JETON");
    if (!token[0])
        return no_token();
    if (!token_ok(token)) {
        explicit_bzero(token, sizeof token);
        text_fprintf(stderr, "difelus : le jeton d'agent %s n'a pas la forme d'un jeton (des "
                             "lettres et des chiffres, sans espace). Vérifiez-le auprès de "
                             "l'administrateur du relais.\n",
                     file ? "du fichier" : "de DIFELUS_JETON");
        return CLI_USAGE;
    }
    const char *relay = cli_value(call, "relais");
    if (!relay || !relay[0])
        relay = share_relay_url();
    if (!cli_assist_wizard) {
        explicit_bzero(token, sizeof token);
        text_fprintf(stderr, "difelus : l'écran de l'élu ne peut pas s'afficher ici.\n");
        return EXIT_FAILURE;
    }
    const char *no_color = getenv("NO_COLOR");
    bool color = !cli_value(call, "no-color") && !(no_color && no_color[0]);
    char err[1024] = "";
    int rc = cli_assist_wizard(relay, token, call->argc > 0 ? code : NULL, notice, color, err,
                               sizeof err);
    explicit_bzero(token, sizeof token);
    if (rc != EXIT_SUCCESS && notice[0]) /* the screen may never have shown it */
        text_fprintf(stderr, "difelus : %s\n", notice);
    if (rc != EXIT_SUCCESS && err[0])
        text_fprintf(stderr, "difelus : %s\n", err);
    return rc;
}

static const struct cli_option options[] = {
    {"relais", "URL", "adresse du relais (sinon la variable DIFELUS_RELAIS)"},
    {"jeton-fichier", "FICHIER", "fichier dont la première ligne est votre jeton d'agent "
                                 "(sinon la variable DIFELUS_JETON)"},
    {NULL, NULL, NULL},
};

const struct cli_command cli_cmd_assist = {
    .name = "assister",
    .args = "[CODE] [--relais URL] [--jeton-fichier FICHIER]",
    .help = "agents du support : voir l'écran d'un élu qui vous lit son code",
    .options = options,
    .min_args = 0,
    .max_args = -1,
    .flags = CLI_NO_STORE,
    .run = run,
};
