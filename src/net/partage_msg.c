/* What difelus-partage reads from outside: see partage_msg.h. */
#include "net/partage_msg.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "difelus/text.h"

void partage_relay_code(const char *body, size_t len, char *code, size_t codelen)
{
    code[0] = '\0';
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *c = j ? json_string_value(json_object_get(j, "erreur")) : NULL;
    if (c && strlen(c) < codelen && strspn(c, "abcdefghijklmnopqrstuvwxyz-") == strlen(c))
        snprintf(code, codelen, "%s", c);
    json_decref(j);
}

long long partage_open_expire(const char *body, size_t len)
{
    json_t *j = json_loadb(body, len, 0, NULL);
    json_t *e = j ? json_object_get(j, "expire") : NULL;
    json_int_t expire = json_is_integer(e) ? json_integer_value(e) : SHARE_CODE_SECONDS;
    if (expire < 0 || expire > 86400)
        expire = SHARE_CODE_SECONDS;
    json_decref(j);
    return (long long)expire;
}

void partage_join_answer(const char *body, size_t len, char vals[3][PARTAGE_FIELD_MAX])
{
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *fields[] = {"agent", "nom", "organisme"};
    for (int i = 0; i < 3; i++) {
        const char *v = j ? json_string_value(json_object_get(j, fields[i])) : NULL;
        text_clip(vals[i], PARTAGE_FIELD_MAX, v ? v : "", 120);
    }
    json_decref(j);
}

bool partage_demande_agent(const void *data, size_t len, char *id_out, size_t idlen)
{
    json_t *j = json_loadb(data, len, 0, NULL);
    const char *id = j ? json_string_value(json_object_get(j, "agent")) : NULL;
    bool ok = id && *id && strlen(id) < idlen &&
              strspn(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") ==
                  strlen(id);
    if (ok)
        snprintf(id_out, idlen, "%s", id);
    json_decref(j);
    return ok;
}

bool partage_token_ok(const void *data, size_t len, size_t max)
{
    const unsigned char *p = data;
    bool ok = len > 0 && len < max;
    for (size_t i = 0; ok && i < len; i++)
        ok = p[i] > 0x20 && p[i] < 0x7f;
    return ok;
}

bool partage_join_code(const void *data, size_t len, char code[SHARE_CODE_LEN + 1])
{
    char typed[64];
    code[0] = '\0';
    if (len >= sizeof typed || (len && memchr(data, '\0', len)))
        return false;
    if (len)
        memcpy(typed, data, len);
    typed[len] = '\0';
    return share_code_parse(typed, code);
}
