/* difelus-relais: the relay of the shared session, and its administration (agents, audit
 * log). `difelus relais …` runs it with the same arguments (src/cli/cmd_relay.c). */
#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "difelus/text.h"
#include "relay/relay.h"

enum { USAGE = 2 };

static const char usage_text[] =
    "Usage : difelus relais [--ecoute ADRESSE:PORT] [--base FICHIER] [--agents FICHIER]\n"
    "                       [--certificat FICHIER --cle FICHIER] [--max-sessions N]\n"
    "                       [--max-par-ip N] [--ouvertures-par-minute N]\n"
    "        difelus relais agent-ajouter NOM --organisme ORGANISME [--agents FICHIER]\n"
    "        difelus relais agent-lister [--agents FICHIER]\n"
    "        difelus relais agent-revoquer ID [--agents FICHIER]\n"
    "        difelus relais journal [--base FICHIER]\n"
    "\n"
    "Relais de partage d'écran entre un élu et l'agent d'un organisme de formation.\n"
    "  --ecoute ADRESSE:PORT   adresse d'écoute (127.0.0.1:8470 ; port 0 : un port libre)\n"
    "  --base FICHIER          journal d'audit (~/.local/share/difelus/relais.db)\n"
    "  --agents FICHIER        fichier des agents (par défaut, celui de --base)\n"
    "  --certificat, --cle     certificat et clé TLS (PEM) : le relais parle HTTPS\n"
    "  --max-sessions N        nombre maximal de sessions ouvertes (5000)\n"
    "  --max-par-ip N          connexions simultanées d'une même adresse (64 ; 0 : sans\n"
    "                          limite, derrière un mandataire qui limite lui-même)\n"
    "  --ouvertures-par-minute N  sessions ouvertes par minute d'une même adresse (30 ;\n"
    "                          0 : sans limite)\n"
    "  --organisme ORGANISME   avec agent-ajouter : l'organisme de l'agent\n";

static int usage(const char *fmt, const char *arg)
{
    char clean[256];
    fputs("relais\u00a0: ", stderr);
    text_fprintf(stderr, fmt, text_sanitize(clean, sizeof clean, arg ? arg : ""));
    text_fprintf(stderr, "\nTapez « difelus relais --help » pour voir l'usage.\n");
    return USAGE;
}

static int fail(const char *msg)
{
    text_fprintf(stderr, "relais : %s\n", msg);
    return EXIT_FAILURE;
}

/* The default base: $XDG_DATA_HOME/difelus/relais.db or ~/.local/share/difelus/relais.db,
 * its folders created (0700). */
static int default_base(char *out, size_t len)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, len, "%s/difelus/relais.db", xdg);
    else if (home && *home)
        n = snprintf(out, len, "%s/.local/share/difelus/relais.db", home);
    else
        return -1;
    if (n < 0 || (size_t)n >= len)
        return -1;
    for (char *p = out + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(out, 0700);
        int e = errno;
        *p = '/';
        if (rc != 0 && e != EEXIST)
            return -1;
    }
    return 0;
}

/* A test setting in seconds from the environment, or the default. */
static unsigned env_seconds(const char *name, unsigned def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    return *end == '\0' && n > 0 && n < 86400 ? (unsigned)n : def;
}

static void print_agent(const struct relay_agent *a, void *cls)
{
    (void)cls;
    char name[RELAY_NAME_MAX + 1], org[RELAY_NAME_MAX + 1];
    printf("%s\t%s\t%s\t%s\t%s\n", a->id, text_sanitize(name, sizeof name, a->name),
           text_sanitize(org, sizeof org, a->org), a->created, a->revoked ? "oui" : "non");
}

static void print_log(const struct relay_log_entry *e, void *cls)
{
    (void)cls;
    char name[RELAY_NAME_MAX + 1], detail[256];
    printf("%s\t%s\t%s\t%s\t%s\t%s\n", e->at, e->event, e->agent_id,
           text_sanitize(name, sizeof name, e->agent_name), e->key,
           text_sanitize(detail, sizeof detail, e->detail));
}

/* An agent's name or organisation as given on the command line. */
static int check_name(const char *what, char *value)
{
    text_trim(value);
    if (!value[0])
        return usage("%s ne peut pas être vide.", what);
    if (!text_is_clean(value))
        return usage("%s contient des caractères de contrôle.", what);
    if (strlen(value) > RELAY_NAME_MAX)
        return usage("%s est trop long (200 octets au plus).", what);
    return 0;
}

static int administer(const char *cmd, int argc, char **argv, const char *file,
                      const char *org)
{
    char err[512];
    bool write = strcmp(cmd, "agent-ajouter") == 0 || strcmp(cmd, "agent-revoquer") == 0;
    sqlite3 *db = relay_db_open(file, write, err, sizeof err);
    if (!db)
        return fail(err);
    int rc = EXIT_SUCCESS;
    if (strcmp(cmd, "agent-ajouter") == 0) {
        char name[1024], organisme[1024];
        snprintf(name, sizeof name, "%s", argv[0]);
        snprintf(organisme, sizeof organisme, "%s", org);
        char id[RELAY_ID_LEN + 1], token[RELAY_HEX_LEN + 1];
        if ((rc = check_name("Le nom", name)) != 0 ||
            (rc = check_name("L'organisme", organisme)) != 0) {
            sqlite3_close(db);
            return rc;
        }
        if (relay_db_agent_add(db, name, organisme, id, token, err, sizeof err) != 0) {
            rc = fail(err);
        } else {
            text_fprintf(stdout, "Agent %s ajouté : %s (%s).\n", id, name, organisme);
            text_fprintf(stdout, "Son jeton, affiché cette seule fois (remettez-le à l'agent, "
                                 "qui le garde dans un fichier lisible par lui seul) :\n");
            printf("%s\n", token);
        }
    } else if (strcmp(cmd, "agent-lister") == 0) {
        printf("id\tnom\torganisme\tajouté le\trévoqué\n");
        if (relay_db_agent_list(db, print_agent, NULL, err, sizeof err) != 0)
            rc = fail(err);
    } else if (strcmp(cmd, "agent-revoquer") == 0) {
        int r = relay_db_agent_revoke(db, argv[0], err, sizeof err);
        if (r < 0)
            rc = fail(err);
        else if (r == 0)
            rc = usage("agent inconnu « %s » (voir « difelus relais agent-lister »).",
                       argv[0]);
        else if (r == 2)
            text_fprintf(stdout, "L'agent %s était déjà révoqué.\n", argv[0]);
        else
            text_fprintf(stdout, "Agent %s révoqué : son jeton ne permet plus de rejoindre "
                                 "une session.\n", argv[0]);
    } else {
        printf("date\tévénement\tagent\tnom\tclé\tdétail\n");
        if (relay_db_log_list(db, print_log, NULL, err, sizeof err) != 0)
            rc = fail(err);
    }
    (void)argc;
    sqlite3_close(db);
    return rc;
}

int main(int argc, char **argv)
{
    enum { O_ECOUTE = 256, O_BASE, O_AGENTS, O_CERT, O_CLE, O_ORG, O_MAX, O_PER_IP, O_OPENS, O_HELP };
    static const struct option longopts[] = {
        {"ecoute", required_argument, NULL, O_ECOUTE},
        {"base", required_argument, NULL, O_BASE},
        {"agents", required_argument, NULL, O_AGENTS},
        {"certificat", required_argument, NULL, O_CERT},
        {"cle", required_argument, NULL, O_CLE},
        {"organisme", required_argument, NULL, O_ORG},
        {"max-sessions", required_argument, NULL, O_MAX},
        {"max-par-ip", required_argument, NULL, O_PER_IP},
        {"ouvertures-par-minute", required_argument, NULL, O_OPENS},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *listen = "127.0.0.1:8470", *base = NULL, *agents = NULL, *cert = NULL,
               *key = NULL, *org = NULL, *max = NULL,
               *per_ip = NULL, *opens = NULL;
    bool listen_given = false;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case O_ECOUTE: listen = optarg; listen_given = true; break;
        case O_BASE: base = optarg; break;
        case O_AGENTS: agents = optarg; break;
        case O_CERT: cert = optarg; break;
        case O_CLE: key = optarg; break;
        case O_ORG: org = optarg; break;
        case O_MAX: max = optarg; break;
        case O_PER_IP: per_ip = optarg; break;
        case O_OPENS: opens = optarg; break;
        case 'h':
        case O_HELP: text_fprintf(stdout, "%s", usage_text); return EXIT_SUCCESS;
        case ':': return usage("l'option « %s » attend une valeur.", argv[optind - 1]);
        default: return usage("option inconnue « %s ».", argv[optind - 1]);
        }
    }
    if ((base && !*base) || (agents && !*agents))
        return usage("un nom de fichier ne peut pas être vide.%s", "");
    char base_path[4096];
    if (!base) {
        if (default_base(base_path, sizeof base_path) != 0)
            return fail("impossible de préparer ~/.local/share/difelus : indiquez la base "
                        "avec --base FICHIER.");
        base = base_path;
    }
    if (!agents)
        agents = base;

    int nargs = argc - optind;
    char **args = argv + optind;
    if (nargs > 0) {
        const char *cmd = args[0];
        int want = strcmp(cmd, "agent-ajouter") == 0 || strcmp(cmd, "agent-revoquer") == 0 ? 1
                   : strcmp(cmd, "agent-lister") == 0 || strcmp(cmd, "journal") == 0    ? 0
                                                                                        : -1;
        if (want < 0)
            return usage("commande inconnue « %s » : agent-ajouter, agent-lister, "
                         "agent-revoquer ou journal.", cmd);
        if (nargs - 1 != want)
            return usage(want ? "« %s » attend un argument." : "« %s » ne prend pas "
                                                                "d'argument.", cmd);
        if (listen_given || cert || key || max || per_ip || opens)
            return usage("les options du serveur ne s'emploient pas avec « %s ».", cmd);
        bool adding = strcmp(cmd, "agent-ajouter") == 0;
        if (adding && !org)
            return usage("« agent-ajouter » attend --organisme ORGANISME.%s", "");
        if (!adding && org)
            return usage("--organisme ne s'emploie qu'avec « agent-ajouter ».%s", "");
        return administer(cmd, nargs - 1, args + 1, strcmp(cmd, "journal") == 0 ? base : agents,
                          org);
    }
    if (org)
        return usage("--organisme ne s'emploie qu'avec « agent-ajouter ».%s", "");
    if (!cert != !key)
        return usage("--certificat et --cle vont ensemble.%s", "");

    struct relay_config cfg = {
        .listen = listen,
        .base = base,
        .agents = agents,
        .cert = cert,
        .key = key,
        .max_sessions = 5000,
        .code_seconds = env_seconds("DIFELUS_RELAIS_DUREE_CODE", 600),
        .wait_seconds = env_seconds("DIFELUS_RELAIS_ATTENTE", 25),
        .idle_seconds = env_seconds("DIFELUS_RELAIS_INACTIF", 120),
        .queue_bytes = (size_t)8 << 20,
        .max_per_ip = 64,
        .opens_per_minute = 30,
        .bodies_max = (size_t)env_seconds("DIFELUS_RELAIS_CORPS_KIO", 64 * 1024) << 10,
    };
    const char *limits[2] = {per_ip, opens};
    unsigned *dest[2] = {&cfg.max_per_ip, &cfg.opens_per_minute};
    static const char *const names[2] = {"--max-par-ip", "--ouvertures-par-minute"};
    for (int i = 0; i < 2; i++) {
        if (!limits[i])
            continue;
        char *end;
        unsigned long n = strtoul(limits[i], &end, 10);
        if (!*limits[i] || *end || n > 1000000 || limits[i][0] == '-') {
            char what[64];
            snprintf(what, sizeof what, "%s", names[i]);
            return usage("%s attend un nombre entre 0 et 1000000.", what);
        }
        *dest[i] = (unsigned)n;
    }
    if (max) {
        char *end;
        unsigned long n = strtoul(max, &end, 10);
        if (*end || n == 0 || n > 1000000)
            return usage("--max-sessions attend un nombre entre 1 et 1000000 (reçu « %s »).",
                         max);
        cfg.max_sessions = (unsigned)n;
    }
    return relay_serve(&cfg);
}
